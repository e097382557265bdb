package contract

import (
	"errors"
	"fmt"
)

// Verdict is the class of a run's outcome. Each has one exit code.
type Verdict string

// The verdicts.
const (
	// VerdictPass: every check passed (warnings allowed, unless --strict).
	VerdictPass Verdict = "pass"
	// VerdictDrift: the target differs from the spec, from what the flows
	// expect, or from the cassette of --compare.
	VerdictDrift Verdict = "drift"
	// VerdictConfiguration: the run cannot check anything as configured:
	// the token call refused the credentials, the token does not grant the
	// shop, or --require-sim found no usable control plane. Bad flags are
	// a *UsageError, with the same exit code.
	VerdictConfiguration Verdict = "configuration"
	// VerdictUnavailable: the target did not answer (unreachable, not
	// ready within --wait) or kept answering 429 or 5xx, or timing out,
	// after the retries; or the --deadline passed.
	VerdictUnavailable Verdict = "unavailable"
	// VerdictInterrupted: SIGINT or SIGTERM stopped the run.
	VerdictInterrupted Verdict = "interrupted"
)

// Exit codes of cmd/contracttest.
const (
	ExitPass        = 0
	ExitDrift       = 1
	ExitUsage       = 2 // bad usage or configuration
	ExitUnavailable = 3
	ExitInterrupted = 130 // as a shell reports SIGINT
)

// Code is the verdict's exit code.
func (v Verdict) Code() int {
	switch v {
	case VerdictPass:
		return ExitPass
	case VerdictDrift:
		return ExitDrift
	case VerdictUnavailable:
		return ExitUnavailable
	case VerdictInterrupted:
		return ExitInterrupted
	}
	return ExitUsage
}

// Label is the verdict as the summary line names it.
func (v Verdict) Label() string {
	switch v {
	case VerdictConfiguration:
		return "configuration error"
	case VerdictUnavailable:
		return "target unavailable"
	}
	return string(v)
}

// UsageError is a bad flag, variable or file: exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// RunError is a run that did not pass. Reason is redacted and already in
// the report's summary line.
type RunError struct {
	Verdict Verdict
	Reason  string
}

func (e *RunError) Error() string {
	if e.Reason == "" {
		return e.Verdict.Label()
	}
	return e.Verdict.Label() + ": " + e.Reason
}

// ExitCode maps an error of Execute to the process exit code: 0 for nil,
// a *RunError's verdict's code, and 2 (usage or configuration) for
// anything else (bad usage, a report that cannot be written).
func ExitCode(err error) int {
	var re *RunError
	switch {
	case err == nil:
		return ExitPass
	case errors.As(err, &re):
		return re.Verdict.Code()
	}
	return ExitUsage
}
