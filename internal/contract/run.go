package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Oslo must resolve in scratch images too

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// The specs are embedded and read-only once loaded, so every Runner shares
// one load of each.
var (
	apiSpec = sync.OnceValues(func() (*conformance, error) { return newConformance(validate.Helthjem, "spec/helthjem.yaml") })
	simSpec = sync.OnceValues(func() (*conformance, error) { return newConformance(validate.Sim, "spec/sim.yaml") })
)

// Runner runs the selected flows of one Config against its target. A
// Runner is used for one run.
type Runner struct {
	s      *settings
	api    *conformance
	sim    *conformance
	client *client
	red    *redactor
	oslo   *time.Location

	token   string // the bearer token, once a token step got one
	simInfo SimInfo
	today   calendar.Date // the target's today, in Europe/Oslo
}

// New validates cfg and prepares a run. Configuration problems, including
// a production target without AllowProduction, are *UsageError.
func New(cfg Config) (*Runner, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	api, err := apiSpec()
	if err != nil {
		return nil, err
	}
	sim, err := simSpec()
	if err != nil {
		return nil, err
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("load Europe/Oslo: %w", err)
	}
	r := &Runner{s: s, api: api, sim: sim, red: &redactor{}, oslo: oslo}
	r.red.add(s.ClientSecret)
	r.red.add(s.SimToken)
	r.client = newClient(s, func() string { return r.token })
	return r, nil
}

// Execute is the whole command: validate, then print the plan (dry run) or
// run the flows, print one line per step and write the reports. It returns
// nil when every check passed, ErrChecksFailed (exit 1) when one failed, and
// a *UsageError, *UnreachableError or other error (exit 2) otherwise.
func Execute(ctx context.Context, cfg Config, stdout io.Writer) error {
	r, err := New(cfg)
	if err != nil {
		return err
	}
	if r.s.DryRun {
		r.Plan(stdout)
		return nil
	}
	// Create the report files first: a bad path should stop the run before
	// it books anything.
	files, err := createReports(r.s)
	if err != nil {
		return err
	}
	rep, err := r.Run(ctx, stdout)
	if err != nil {
		files.discard()
		return err
	}
	if err := files.write(rep); err != nil {
		return err
	}
	if rep.Failed() {
		return ErrChecksFailed
	}
	return nil
}

// reportFiles are the report files a run writes.
type reportFiles struct {
	junit, json *os.File
}

func createReports(s *settings) (*reportFiles, error) {
	rf := &reportFiles{}
	var err error
	if s.JUnitPath != "" {
		if rf.junit, err = os.Create(s.JUnitPath); err != nil {
			return nil, usagef("--junit: %v", err)
		}
	}
	if s.JSONPath != "" {
		if rf.json, err = os.Create(s.JSONPath); err != nil {
			rf.discard()
			return nil, usagef("--json: %v", err)
		}
	}
	return rf, nil
}

// discard closes and removes the files: a run that never happened leaves
// no empty report behind.
func (rf *reportFiles) discard() {
	for _, f := range []*os.File{rf.junit, rf.json} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}

func (rf *reportFiles) write(rep *Report) error {
	for _, out := range []struct {
		f     *os.File
		write func(io.Writer) error
	}{{rf.junit, rep.WriteJUnit}, {rf.json, rep.WriteJSON}} {
		if out.f == nil {
			continue
		}
		err := out.write(out.f)
		if cerr := out.f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", out.f.Name(), err)
		}
	}
	return nil
}

// SimInfo says whether the target exposes the mock's /__sim/ control plane.
type SimInfo struct {
	Available bool   `json:"available"`
	Clock     string `json:"clock,omitempty"` // the target's simulated time
	Note      string `json:"note,omitempty"`  // why it is not available
}

// probe asks the target for GET /__sim/clock: a transport failure means
// the target is unreachable; an answer says whether it is the mock and
// what time it thinks it is.
func (r *Runner) probe(ctx context.Context) error {
	ex := r.client.do(ctx, request{method: http.MethodGet, path: "/__sim/clock", auth: authSim, sim: true})
	now := r.s.Now()
	defer func() { r.today = calendar.DateOf(now.In(r.oslo)) }()
	if ex.err != nil {
		return &UnreachableError{Target: r.s.target.String(), Err: ex.err}
	}
	switch ex.status {
	case http.StatusOK:
		var c struct {
			Now time.Time `json:"now"`
		}
		if json.Unmarshal(ex.respBody, &c) == nil && !c.Now.IsZero() {
			now = c.Now
			r.simInfo = SimInfo{Available: true, Clock: c.Now.Format(time.RFC3339)}
			return nil
		}
		r.simInfo.Note = "GET /__sim/clock answered 200 without a clock: not the mock's control plane"
	case http.StatusUnauthorized, http.StatusForbidden:
		r.simInfo.Note = fmt.Sprintf("GET /__sim/clock answered %d: a mock with an admin token? pass --sim-token", ex.status)
	default:
		r.simInfo.Note = fmt.Sprintf("the target exposes no /__sim/ control plane (GET /__sim/clock answered %d)", ex.status)
	}
	return nil
}

// Run probes the target and runs the flows, writing one line per step to
// out. It fails only when the target is unreachable (*UnreachableError);
// check results are in the Report.
func (r *Runner) Run(ctx context.Context, out io.Writer) (*Report, error) {
	defer r.client.close()
	ctx, cancel := context.WithTimeout(ctx, r.s.Deadline)
	defer cancel()
	start := time.Now()
	if err := r.probe(ctx); err != nil {
		return nil, err
	}
	rep := &Report{
		Tool: "contracttest", Version: r.s.Version, Target: r.s.target.String(),
		Production: r.s.prod, Strict: r.s.Strict, Sim: r.simInfo, Today: r.today.String(),
		StartedAt: start.UTC().Round(time.Millisecond),
	}
	hw := &humanWriter{w: out, red: r.red}
	hw.header(rep)
	for _, name := range r.s.flows {
		f := &flowState{r: r, name: name}
		skip := ""
		if name == FlowConversion && !r.simInfo.Available {
			skip = "needs the mock's /__sim/ control plane: " + r.simInfo.Note
		}
		for _, st := range r.steps(name, skip == "") {
			res := r.runStep(ctx, f, st, skip)
			rep.Steps = append(rep.Steps, res)
			hw.step(res)
		}
	}
	rep.finish(time.Since(start))
	hw.summary(rep)
	return rep, nil
}

// steps returns a flow's steps, led by a token step when the flow needs a
// token and no earlier flow got one.
func (r *Runner) steps(flow string, live bool) []stepDef {
	steps := flows[flow]
	if live && r.token == "" {
		steps = append([]stepDef{tokenStep}, steps...)
	}
	return steps
}

// outcome is what a step's function returns.
type outcome struct {
	ex       *exchange
	findings []Finding
	diff     string
	skip     string // skipped, and why
	failure  string // failed without a finding (no answer)
}

// runStep runs one step and turns its outcome into a redacted StepResult.
func (r *Runner) runStep(ctx context.Context, f *flowState, st stepDef, skip string) StepResult {
	res := StepResult{Flow: f.name, Step: st.name}
	switch {
	case skip != "":
	case errors.Is(ctx.Err(), context.Canceled):
		skip, res.CutShort = "the run was interrupted before this step", true
	case ctx.Err() != nil:
		skip, res.CutShort = fmt.Sprintf("the run's deadline (--deadline %s) passed before this step", r.s.Deadline), true
	}
	if skip != "" {
		res.Result, res.Message = Skipped, r.red.str(skip)
		return res
	}
	start := time.Now()
	o := st.run(ctx, f)
	res.DurationMS = millis(time.Since(start))
	if o.ex != nil {
		res.Request = &RequestInfo{Method: o.ex.req.method, URL: r.red.str(o.ex.url)}
		res.Status = o.ex.status
	}
	for _, fd := range o.findings {
		fd.Message = r.red.str(fd.Message)
		fd.Path = r.red.str(fd.Path)
		res.Findings = append(res.Findings, fd)
	}
	switch {
	case o.skip != "":
		res.Result, res.Message = Skipped, r.red.str(o.skip)
	case o.failure != "" || hasFailure(o.findings):
		res.Result, res.Message = Failed, r.red.str(o.failure)
		res.Diff = r.red.str(o.diff)
		if o.ex != nil {
			res.Request.Curl = r.red.str(o.ex.curl())
		}
	default:
		res.Result = Passed
	}
	return res
}

func hasFailure(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Failure {
			return true
		}
	}
	return false
}

func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// flowState carries the values a flow's steps hand on to later steps.
type flowState struct {
	r     *Runner
	name  string
	dates []calendar.Date
	book  booked
	point string // the chosen service point's id
}

// booked are the generated values of a booking, kept when well-formed.
type booked struct {
	shipmentID string
	orderID    string
	sscc       string
	returnCode string
}

// checked is a response that has been through conformance, ready for the
// step's behaviour checks.
type checked struct {
	outcome
	x        *expect
	ok       bool            // status as expected and body decoded: check the body
	reported map[string]bool // paths conformance has failed
}

// call sends rq and checks its answer against the spec and the expected
// status.
func (f *flowState) call(ctx context.Context, rq request, want int) *checked {
	r := f.r
	if rq.auth == authToken && r.token == "" {
		return &checked{outcome: outcome{skip: "no token: the token step failed"}}
	}
	ex := r.client.do(ctx, rq)
	c := &checked{outcome: outcome{ex: ex}, reported: map[string]bool{}}
	if ex.err != nil {
		c.failure = ex.err.Error()
		return c
	}
	conf := r.api
	if rq.sim {
		conf = r.sim
	}
	sev := Warning
	if r.s.Strict {
		sev = Failure
	}
	vd, err := conf.check(ctx, ex, want, sev)
	if err != nil {
		c.failure = err.Error()
		return c
	}
	c.findings = vd.findings
	for _, fd := range vd.findings {
		if fd.Severity == Failure && fd.Class != UndocumentedStatus {
			c.reported[fd.Path] = true
		}
	}
	body, derr := decodeBody(ex.respBody)
	c.x = newExpect(body)
	if !vd.undocumentedStatus {
		c.x.status(want, ex.status)
		if ex.status != want {
			if k, ok := c.x.value("$.errorKey"); ok {
				c.x.why[statusKey] = "errorKey " + show(k)
			}
		}
	}
	// A body conformance found to be of the wrong type altogether ($) is
	// not worth projecting.
	c.ok = derr == nil && !c.reported["$"] && (ex.status == want || vd.bodyChecked && vd.undocumentedStatus)
	return c
}

// done adds the behaviour findings and, when the step fails, the diff.
func (c *checked) done() outcome {
	if c.x == nil {
		return c.outcome
	}
	c.findings = append(c.findings, c.x.findings(c.reported)...)
	if hasFailure(c.findings) {
		c.diff = c.x.diff()
	}
	return c.outcome
}
