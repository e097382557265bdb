package contract

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Result is how a step ended.
type Result string

// The results.
const (
	Passed  Result = "passed"
	Failed  Result = "failed"
	Skipped Result = "skipped"
	// Errored: the step's answer stopped the run (a configuration error,
	// an unavailable target, an interrupt); StepResult.Stop says which.
	Errored Result = "error"
)

// Report is the outcome of a run. Every string from outside in it has been
// redacted.
type Report struct {
	Tool       string  `json:"tool"`
	Version    string  `json:"version"`
	Target     string  `json:"target"`
	Production bool    `json:"production"`
	Strict     bool    `json:"strict"`
	Verdict    Verdict `json:"verdict"`
	ExitCode   int     `json:"exitCode"`
	// Reason says why a run that did not pass stopped; a drift is in its
	// steps.
	Reason       string       `json:"reason,omitempty"`
	Sim          SimInfo      `json:"sim"`
	Today        string       `json:"today,omitempty"` // the target's date in Europe/Oslo, that pickup dates must follow
	Compare      *CompareInfo `json:"compare,omitempty"`
	ProbeRetries []Retry      `json:"probeRetries,omitempty"` // of GET /__sim/clock
	StartedAt    time.Time    `json:"startedAt"`
	DurationMS   float64      `json:"durationMs"`
	Summary      Summary      `json:"summary"`
	// Skips says why steps were skipped, one entry per reason: a run that
	// passes with steps skipped checked less than it could.
	Skips []SkipReason `json:"skips,omitempty"`
	Steps []StepResult `json:"steps"`
}

// CompareInfo names the cassette a run was compared with (--compare).
type CompareInfo struct {
	File       string `json:"file"`
	Target     string `json:"target"` // what the cassette was recorded from
	RecordedAt string `json:"recordedAt"`
	Steps      int    `json:"steps"` // steps compared: those the cassette also has
}

// Summary counts the steps by result, the warnings and the retries.
type Summary struct {
	Steps    int `json:"steps"`
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Retries  int `json:"retries"`
}

// SkipReason is a reason steps were skipped, and which.
type SkipReason struct {
	Steps  []string `json:"steps"` // flow/step
	Reason string   `json:"reason"`
	// Hint says how to run them, or to fail instead, where a flag can.
	Hint string `json:"hint,omitempty"`
}

// requireSimHint is the hint of steps skipped for want of the control
// plane.
const requireSimHint = "against the mock, --require-sim makes this a failure (exit 2); Helthjem's API has no control plane, so there it is expected"

// StepResult is one step of one flow.
type StepResult struct {
	Flow       string       `json:"flow"`
	Step       string       `json:"step"`
	Result     Result       `json:"result"`
	Stop       Verdict      `json:"stop,omitempty"` // for an Errored step: why the run stopped
	DurationMS float64      `json:"durationMs"`
	Request    *RequestInfo `json:"request,omitempty"`
	Status     int          `json:"status,omitempty"` // the HTTP status answered
	Retries    []Retry      `json:"retries,omitempty"`
	Findings   []Finding    `json:"findings,omitempty"`
	Diff       string       `json:"diff,omitempty"`    // (-want +got), on failure
	Message    string       `json:"message,omitempty"` // why skipped, or a failure without findings, or why the run stopped
	compared   bool         // a step of the cassette was compared with
	simSkip    bool         // skipped for want of the control plane
}

// RequestInfo is the request a step sent; Curl is set on failure.
type RequestInfo struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Curl   string `json:"curl,omitempty"`
}

// Failed reports whether the run did not pass.
func (r *Report) Failed() bool { return r.Verdict != VerdictPass }

// err is the run's verdict as Execute returns it.
func (r *Report) err() error {
	if r.Verdict == VerdictPass {
		return nil
	}
	return &RunError{Verdict: r.Verdict, Reason: r.Reason}
}

// finish counts the steps and sets the verdict, unless a stop did.
func (r *Report) finish(d time.Duration) {
	r.DurationMS = millis(d)
	s := Summary{Steps: len(r.Steps), Retries: len(r.ProbeRetries)}
	for _, st := range r.Steps {
		switch st.Result {
		case Passed:
			s.Passed++
		case Failed:
			s.Failed++
		case Skipped:
			s.Skipped++
			r.skip(st)
		case Errored:
			s.Errors++
		}
		for _, f := range st.Findings {
			if f.Severity == Warning {
				s.Warnings++
			}
		}
		s.Retries += len(st.Retries)
		if st.compared && r.Compare != nil {
			r.Compare.Steps++
		}
	}
	r.Summary = s
	switch {
	case r.Verdict != "":
	case s.Failed > 0:
		r.Verdict = VerdictDrift
	default:
		r.Verdict = VerdictPass
	}
	r.ExitCode = r.Verdict.Code()
}

// skip adds a skipped step to the reason it shares with others.
func (r *Report) skip(st StepResult) {
	for i := range r.Skips {
		if r.Skips[i].Reason == st.Message {
			r.Skips[i].Steps = append(r.Skips[i].Steps, st.name())
			return
		}
	}
	sr := SkipReason{Steps: []string{st.name()}, Reason: st.Message}
	if st.simSkip {
		sr.Hint = requireSimHint
	}
	r.Skips = append(r.Skips, sr)
}

// name is flow/step.
func (s StepResult) name() string { return s.Flow + "/" + s.Step }

// details are the lines shown under a step: retries, findings, and on
// failure the request as curl and the diff.
func (s StepResult) details() []string {
	out := retryLines("", s.Retries)
	for _, f := range s.Findings {
		prefix := ""
		if f.Severity == Warning {
			prefix = "warning: "
		}
		out = append(out, fmt.Sprintf("%s%s: %s: %s", prefix, f.Class.Label(), f.Path, f.Message))
	}
	switch s.Result {
	case Errored: // the summary line, and JUnit's error message, say why
	case Failed:
		if s.Message != "" {
			out = append(out, "error: "+s.Message)
		}
	default:
		return out
	}
	if s.Request != nil && s.Request.Curl != "" {
		out = append(out, "request: "+s.Request.Curl)
	}
	if s.Diff != "" {
		out = append(out, "diff (-want +got):")
		for _, l := range strings.Split(strings.TrimRight(s.Diff, "\n"), "\n") {
			out = append(out, "  "+l)
		}
	}
	return out
}

// retryLines describes retries, one line each, for the request what
// ("" for a step's own).
func retryLines(what string, rs []Retry) []string {
	var out []string
	if what != "" {
		what += ": "
	}
	for _, rt := range rs {
		out = append(out, fmt.Sprintf("retry after attempt %d: %s%s; waited %s", rt.Attempt, what, rt.Reason,
			time.Duration(rt.WaitMS*float64(time.Millisecond)).Round(time.Millisecond)))
	}
	return out
}

// humanWriter prints the human report as the run goes. What it prints is
// redacted already: it must not redact the program's own words.
type humanWriter struct {
	w io.Writer
}

func (h *humanWriter) line(format string, args ...any) {
	fmt.Fprintf(h.w, format+"\n", args...)
}

// retries prints the retries of a request outside the steps.
func (h *humanWriter) retries(what string, rs []Retry) {
	for _, l := range retryLines(what, rs) {
		h.line("      %s", l)
	}
}

func (h *humanWriter) header(r *Report) {
	sim := "no /__sim/ control plane: " + r.Sim.Note + "; today " + r.Today + " by the wall clock in Europe/Oslo"
	if r.Sim.Available {
		sim = "mock control plane at /__sim/, clock " + r.Sim.Clock + ", today " + r.Today
	}
	v := ""
	if r.Version != "" {
		v = " " + r.Version
	}
	h.line("contracttest%s against %s (%s)", v, r.Target, sim)
}

func (h *humanWriter) step(s StepResult) {
	took := fmt.Sprintf("%8.1fms", s.DurationMS)
	label := map[Result]string{Passed: "PASS", Failed: "FAIL", Skipped: "SKIP", Errored: "STOP"}[s.Result]
	switch {
	case s.Result == Skipped:
		h.line("%s  %-44s %10s  %s", label, s.name(), "-", s.Message)
	case s.Status != 0:
		h.line("%s  %-44s %10s  %d", label, s.name(), took, s.Status)
	default:
		h.line("%s  %-44s %10s", label, s.name(), took)
	}
	for _, d := range s.details() {
		h.line("      %s", d)
	}
}

// summary prints the closing line: PASS, or FAIL with the verdict's class
// and exit code.
func (h *humanWriter) summary(r *Report) {
	s := r.Summary
	counts := fmt.Sprintf("%d steps: %d passed, %d failed, %d skipped; %s", s.Steps, s.Passed, s.Failed, s.Skipped, plural(s.Warnings, "warning"))
	if s.Retries > 0 {
		counts += "; " + plural(s.Retries, "retry")
	}
	if r.Compare != nil {
		counts += fmt.Sprintf("; %d compared with the cassette", r.Compare.Steps)
	}
	counts += fmt.Sprintf(" (%.0fms)", r.DurationMS)
	if r.Verdict == VerdictPass || r.Verdict == VerdictDrift {
		// Steps not checked, said where the eye lands: a pass with steps
		// skipped is less than a pass. In a drift, the steps skipped after
		// a failure are explained by it.
		for _, sk := range r.Skips {
			if r.Verdict == VerdictDrift && sk.Hint == "" {
				continue
			}
			h.line("SKIPPED %d of %d steps (%s): %s", len(sk.Steps), s.Steps, flowsOfSteps(sk.Steps), sk.Reason)
			if sk.Hint != "" {
				h.line("        %s", sk.Hint)
			}
		}
	}
	switch r.Verdict {
	case VerdictPass:
		h.line("PASS  %s", counts)
	case VerdictDrift:
		h.line("FAIL  drift (exit %d): %s", r.ExitCode, counts)
	default:
		h.line("FAIL  %s (exit %d): %s", r.Verdict.Label(), r.ExitCode, r.Reason)
	}
}

// flowsOfSteps lists the flows of flow/step names, in order, or the one
// step when there is one.
func flowsOfSteps(steps []string) string {
	if len(steps) == 1 {
		return steps[0]
	}
	var out []string
	for _, st := range steps {
		f, _, _ := strings.Cut(st, "/")
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return strings.Join(out, ", ")
}

// plural is "1 warning", "2 warnings", "2 retries".
func plural(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case strings.HasSuffix(word, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// JUnit XML, as Jenkins, GitLab, GitHub Actions reporters and others read
// it: one testsuite per flow, one testcase per step.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

func seconds(ms float64) string { return fmt.Sprintf("%.3f", ms/1000) }

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	root := junitSuites{Name: "contracttest", Time: seconds(r.DurationMS)}
	index := map[string]int{}
	var suiteMS []float64 // by suite index
	steps := r.Steps
	if r.stoppedOutsideSteps() {
		// A run that stopped before its first step (unreachable, not ready
		// in time, no control plane with --require-sim) is one error, so
		// that a CI system shows why.
		steps = append(slices.Clone(steps), StepResult{Flow: "run", Step: "start", Result: Errored, Stop: r.Verdict, Message: r.Reason, Retries: r.ProbeRetries})
	}
	for _, st := range steps {
		i, ok := index[st.Flow]
		if !ok {
			i = len(root.Suites)
			index[st.Flow] = i
			root.Suites = append(root.Suites, junitSuite{
				Name: "contracttest." + st.Flow, Timestamp: r.StartedAt.Format(time.RFC3339),
				Properties: []junitProperty{{"target", r.Target}, {"version", r.Version}, {"today", r.Today}},
			})
			suiteMS = append(suiteMS, 0)
		}
		s := &root.Suites[i]
		tc := junitCase{Classname: "contracttest." + st.Flow, Name: st.Step, Time: seconds(st.DurationMS)}
		switch st.Result {
		case Failed:
			s.Failures++
			tc.Failure = &junitFailure{Message: failureMessage(st), Type: failureType(st), Text: strings.Join(st.details(), "\n")}
		case Errored:
			s.Errors++
			tc.Error = &junitFailure{Message: st.Stop.Label() + ": " + st.Message, Type: string(st.Stop), Text: strings.Join(st.details(), "\n")}
		case Skipped:
			s.Skipped++
			tc.Skipped = &junitSkipped{Message: st.Message}
		default:
			tc.SystemOut = strings.Join(st.details(), "\n") // warnings
		}
		s.Tests++
		suiteMS[i] += st.DurationMS
		s.Cases = append(s.Cases, tc)
	}
	for i := range root.Suites {
		s := &root.Suites[i]
		s.Time = seconds(suiteMS[i])
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// stoppedOutsideSteps reports whether the run stopped, not passing or
// drifting, without a step that says why.
func (r *Report) stoppedOutsideSteps() bool {
	if r.Verdict == VerdictPass || r.Verdict == VerdictDrift {
		return false
	}
	return !slices.ContainsFunc(r.Steps, func(st StepResult) bool { return st.Result == Errored })
}

// failureMessage is the first failing finding, or the failure itself.
func failureMessage(st StepResult) string {
	for _, f := range st.Findings {
		if f.Severity == Failure {
			return fmt.Sprintf("%s: %s: %s", f.Class.Label(), f.Path, f.Message)
		}
	}
	return st.Message
}

// failureType is the class of the first failing finding.
func failureType(st StepResult) string {
	for _, f := range st.Findings {
		if f.Severity == Failure {
			return string(f.Class)
		}
	}
	return "error"
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Plan prints what a run would do, sending nothing.
func (r *Runner) Plan(out io.Writer) {
	h := &humanWriter{w: out}
	s := r.s
	h.line("contracttest plan (dry run: nothing is sent)")
	target := s.target.String()
	if s.prod {
		target += " (Helthjem's production API: bookings are real parcels"
		if !s.AllowProduction {
			target += "; a real run needs --allow-production"
		}
		target += ")"
	}
	h.line("target:  %s", target)
	a := s.Addresses
	h.line("client:  %s, shop %d; postal codes: sender %s, receiver %s, uncovered %s",
		s.ClientID, s.ShopID, a.Sender.ZipCode, a.Receiver.ZipCode, a.Uncovered.ZipCode)
	h.line("checks:  each response against spec/helthjem.yaml (status included) and against the flow; undocumented fields are %s",
		map[bool]string{true: "failures (--strict)", false: "warnings"}[s.Strict])
	h.line("limits:  %s per request, %s in all; %s of 429, 502, 503, 504, a reset or a timeout (bookings supply their shipmentId, so a retry cannot book twice)",
		s.Timeout, s.Deadline, plural(s.Retries, "retry"))
	if s.Wait > 0 {
		h.line("wait:    up to %s for the target to answer (the mock's /readyz; elsewhere a connection and an answer from the token endpoint)", s.Wait)
	}
	if s.ComparePath != "" {
		h.line("compare: each answer, in structure, with the cassette %s (recorded from %s at %s)", s.ComparePath, r.cas.Target, r.cas.RecordedAt)
	}
	if s.RecordPath != "" {
		h.line("record:  every exchange to the cassette %s, secrets and personal data redacted", s.RecordPath)
	}
	first := "GET /__sim/clock, to learn whether the target is the mock and what day it is"
	if s.RequireSim {
		first += "; without a usable control plane the run stops (--require-sim)"
	}
	h.line("first:   %s", first)
	token := true
	for _, name := range s.flows {
		steps := flows[name]
		note := ""
		switch name {
		case FlowConversion:
			note = " (only where the target exposes /__sim/; skipped elsewhere)"
		case FlowLabels:
			note = " (named with --flows: on Helthjem's API the labels are real documents)"
		}
		if token {
			steps = append([]stepDef{tokenStep}, steps...)
			token = false
		}
		h.line("%s%s", name, note)
		for _, st := range steps {
			h.line("  %-30s %s", st.name, st.plan)
		}
	}
}
