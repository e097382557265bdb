package contract

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
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
)

// Report is the outcome of a run. Every string in it has been redacted.
type Report struct {
	Tool       string       `json:"tool"`
	Version    string       `json:"version"`
	Target     string       `json:"target"`
	Production bool         `json:"production"`
	Strict     bool         `json:"strict"`
	Sim        SimInfo      `json:"sim"`
	Today      string       `json:"today"` // the target's date in Europe/Oslo, that pickup dates must follow
	StartedAt  time.Time    `json:"startedAt"`
	DurationMS float64      `json:"durationMs"`
	Summary    Summary      `json:"summary"`
	Steps      []StepResult `json:"steps"`
}

// Summary counts the steps by result, and the warnings.
type Summary struct {
	Steps    int `json:"steps"`
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	Warnings int `json:"warnings"`
}

// StepResult is one step of one flow.
type StepResult struct {
	Flow       string       `json:"flow"`
	Step       string       `json:"step"`
	Result     Result       `json:"result"`
	DurationMS float64      `json:"durationMs"`
	Request    *RequestInfo `json:"request,omitempty"`
	Status     int          `json:"status,omitempty"` // the HTTP status answered
	Findings   []Finding    `json:"findings,omitempty"`
	Diff       string       `json:"diff,omitempty"`    // (-want +got), on failure
	Message    string       `json:"message,omitempty"` // why skipped, or a failure without findings
	// CutShort: skipped because an interrupt or the deadline ended the
	// run. A run cut short has failed, whatever its steps so far did.
	CutShort bool `json:"cutShort,omitempty"`
}

// RequestInfo is the request a step sent; Curl is set on failure.
type RequestInfo struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Curl   string `json:"curl,omitempty"`
}

// Failed reports whether a step failed or the run was cut short.
func (r *Report) Failed() bool {
	if r.Summary.Failed > 0 {
		return true
	}
	for _, st := range r.Steps {
		if st.CutShort {
			return true
		}
	}
	return false
}

func (r *Report) finish(d time.Duration) {
	r.DurationMS = millis(d)
	s := Summary{Steps: len(r.Steps)}
	for _, st := range r.Steps {
		switch st.Result {
		case Passed:
			s.Passed++
		case Failed:
			s.Failed++
		case Skipped:
			s.Skipped++
		}
		for _, f := range st.Findings {
			if f.Severity == Warning {
				s.Warnings++
			}
		}
	}
	r.Summary = s
}

// name is flow/step.
func (s StepResult) name() string { return s.Flow + "/" + s.Step }

// details are the lines shown under a step: findings, and on failure the
// request as curl and the diff.
func (s StepResult) details() []string {
	var out []string
	for _, f := range s.Findings {
		prefix := ""
		if f.Severity == Warning {
			prefix = "warning: "
		}
		out = append(out, fmt.Sprintf("%s%s: %s: %s", prefix, f.Class.Label(), f.Path, f.Message))
	}
	if s.Result != Failed {
		return out
	}
	if s.Message != "" {
		out = append(out, "error: "+s.Message)
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

// humanWriter prints the human report as the run goes.
type humanWriter struct {
	w   io.Writer
	red *redactor
}

func (h *humanWriter) line(format string, args ...any) {
	fmt.Fprintln(h.w, h.red.str(fmt.Sprintf(format, args...)))
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
	label := map[Result]string{Passed: "PASS", Failed: "FAIL", Skipped: "SKIP"}[s.Result]
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

func (h *humanWriter) summary(r *Report) {
	verdict := "PASS"
	if r.Failed() {
		verdict = "FAIL"
	}
	s := r.Summary
	warnings := "warnings"
	if s.Warnings == 1 {
		warnings = "warning"
	}
	h.line("%s  %d steps: %d passed, %d failed, %d skipped; %d %s (%.0fms)",
		verdict, s.Steps, s.Passed, s.Failed, s.Skipped, s.Warnings, warnings, r.DurationMS)
}

// JUnit XML, as Jenkins, GitLab, GitHub Actions reporters and others read
// it: one testsuite per flow, one testcase per step.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
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
	for _, st := range r.Steps {
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
	h := &humanWriter{w: out, red: r.red}
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
	h.line("limits:  %s per request, %s in all", s.Timeout, s.Deadline)
	h.line("first:   GET /__sim/clock, to learn whether the target is the mock and what day it is")
	token := true
	for _, name := range s.flows {
		steps := flows[name]
		note := ""
		if name == FlowConversion {
			note = " (only where the target exposes /__sim/; skipped elsewhere)"
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
