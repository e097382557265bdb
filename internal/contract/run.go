package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Oslo must resolve in scratch images too

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
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
	rnd    *rand.Rand    // the shipmentIds the bookings supply
	rec    *recorder     // renders answers for --record and --compare; nil without either
	cas    *Cassette     // --compare, nil without
	cur    [2]string     // the flow and step running, for the recorder
	today  calendar.Date // the target's today, in Europe/Oslo

	token   string // the bearer token, once a token step got one
	simInfo SimInfo
	// mockRefused: the control plane refused the run, yet the target
	// answers GET /readyz as the mock does. Its clock, which may be
	// simulated (-clock), and so its today are unknown.
	mockRefused bool
}

// New validates cfg and prepares a run. Configuration problems, including
// a production target without AllowProduction and a cassette that cannot
// be read, are *UsageError.
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
	seed := s.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	r := &Runner{s: s, api: api, sim: sim, red: &redactor{}, oslo: oslo, rnd: rand.New(rand.NewPCG(seed, seed^0xb00c))}
	r.red.add(s.ClientSecret)
	r.red.add(s.SimToken)
	for _, v := range personalValues(s.Addresses) {
		r.red.addPersonal(v)
	}
	r.client = newClient(s, r.red, func() string { return r.token })
	if s.ComparePath != "" {
		if r.cas, err = LoadCassette(s.ComparePath); err != nil {
			return nil, err
		}
	}
	if s.RecordPath != "" || s.ComparePath != "" {
		r.rec = newRecorder(r)
	}
	if s.RecordPath != "" {
		r.client.observe = r.rec.add
	}
	return r, nil
}

// Execute is the whole command: validate, then print the plan (dry run) or
// run the flows, print one line per step and write the reports. The human
// report goes to stdout, or to stderr when a report or the cassette is
// written to standard output ("-"). It returns nil when every check
// passed, a *RunError whose Verdict gives the exit code when the run did
// not pass, and a *UsageError or another error (exit 2) when it could not
// start or its reports could not be written.
func Execute(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
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
	outs, err := openOutputs(r.s, stdout)
	if err != nil {
		return err
	}
	human := stdout
	if outs.stdout {
		human = stderr
	}
	rep := r.Run(ctx, human)
	if err := outs.write(rep, r.rec); err != nil {
		return err
	}
	return rep.err()
}

// output is a report destination: a file, or standard output.
type output struct {
	flag string
	path string
	w    io.Writer
	f    *os.File // nil for standard output
}

// outputs are the report files of a run.
type outputs struct {
	junit, json, record *output
	stdout              bool // one of them is standard output
}

func openOutputs(s *settings, stdout io.Writer) (*outputs, error) {
	outs := &outputs{}
	for _, o := range []struct {
		flag, path string
		dst        **output
	}{{"--junit", s.JUnitPath, &outs.junit}, {"--json", s.JSONPath, &outs.json}, {"--record", s.RecordPath, &outs.record}} {
		if o.path == "" {
			continue
		}
		if o.path == Stdout {
			*o.dst = &output{flag: o.flag, path: o.path, w: stdout}
			outs.stdout = true
			continue
		}
		f, err := os.Create(o.path)
		if err != nil {
			outs.discard()
			return nil, usagef("%s: %v", o.flag, err)
		}
		*o.dst = &output{flag: o.flag, path: o.path, w: f, f: f}
	}
	return outs, nil
}

// discard closes and removes the files: a run that never happened leaves
// no empty report behind.
func (outs *outputs) discard() {
	for _, o := range []*output{outs.junit, outs.json, outs.record} {
		if o != nil && o.f != nil {
			o.f.Close()
			os.Remove(o.f.Name())
		}
	}
}

func (outs *outputs) write(rep *Report, rec *recorder) error {
	var errs []error
	for _, out := range []struct {
		o     *output
		write func(io.Writer) error
	}{{outs.junit, rep.WriteJUnit}, {outs.json, rep.WriteJSON}, {outs.record, func(w io.Writer) error { return rec.cassette(rep).Write(w) }}} {
		if out.o == nil {
			continue
		}
		err := out.write(out.o.w)
		if out.o.f != nil {
			if cerr := out.o.f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", out.o.flag, out.o.path, err))
		}
	}
	return errors.Join(errs...)
}

// SimInfo says whether the target exposes the mock's /__sim/ control plane.
type SimInfo struct {
	Available bool   `json:"available"`
	Clock     string `json:"clock,omitempty"` // the target's simulated time
	Note      string `json:"note,omitempty"`  // why it is not available
}

// stop is why a run ended before its last step.
type stop struct {
	verdict Verdict
	reason  string
}

// probe asks the target for GET /__sim/clock: no answer means the target
// is unavailable; an answer says whether it is the mock and what time it
// thinks it is. With RequireSim, a target without a usable control plane
// stops the run as misconfigured.
func (r *Runner) probe(ctx context.Context) (*exchange, *stop) {
	r.cur = [2]string{"", "probe"}
	ex := r.client.do(ctx, request{method: http.MethodGet, path: "/__sim/clock", auth: authSim, sim: true})
	now := r.s.Now()
	defer func() { r.today = calendar.DateOf(now.In(r.oslo)) }()
	if ex.err != nil {
		if st := cutShortStop(ex); st != nil {
			return ex, st
		}
		reason := fmt.Sprintf("target %s is unreachable: %s%s", r.s.target, ex.errText, retried(ex))
		if u, err := url.Parse(r.s.Target); err == nil && isLoopback(u.Hostname()) {
			reason += " (is the mock running? start it with: go run ./cmd/mockhelthjem -addr " + u.Host + ", or give it time with --wait 30s)"
		}
		return ex, &stop{VerdictUnavailable, reason}
	}
	switch {
	case ex.status == http.StatusOK:
		var c struct {
			Now time.Time `json:"now"`
		}
		if json.Unmarshal(ex.respBody, &c) == nil && !c.Now.IsZero() {
			now = c.Now
			r.simInfo = SimInfo{Available: true, Clock: c.Now.Format(time.RFC3339)}
			return ex, nil
		}
		r.simInfo.Note = "GET /__sim/clock answered 200 without a clock: not the mock's control plane"
	case unavailableStatus(ex.status):
		return ex, &stop{VerdictUnavailable, fmt.Sprintf("GET /__sim/clock answered %s%s", statusText(ex.status, errorKeyOf(ex.respBody), r.red), retried(ex))}
	case ex.status == http.StatusUnauthorized || ex.status == http.StatusForbidden:
		r.mockRefused = r.isMock(ctx)
		r.simInfo.Note = r.refusedNote(ex.status)
	default:
		r.simInfo.Note = fmt.Sprintf("the target exposes no /__sim/ control plane (GET /__sim/clock answered %d)", ex.status)
	}
	if r.s.RequireSim {
		return ex, &stop{VerdictConfiguration, "--require-sim: " + r.simInfo.Note}
	}
	return ex, nil
}

// isMock reports whether the target answers GET /readyz as the mock does
// (200, or 503 when stopping, with a JSON status), which needs no admin
// token.
func (r *Runner) isMock(ctx context.Context) bool {
	ex := r.client.single(ctx, request{method: http.MethodGet, path: "/readyz"})
	if ex.err != nil || (ex.status != http.StatusOK && ex.status != http.StatusServiceUnavailable) {
		return false
	}
	_, isStr := mustJSON(ex.respBody)["status"].(string)
	return isStr
}

// refusedNote says why the control plane refused GET /__sim/clock with
// status, and which flag to check.
func (r *Runner) refusedNote(status int) string {
	answered := fmt.Sprintf("GET /__sim/clock answered %d", status)
	switch {
	case r.s.SimToken != "" && r.mockRefused:
		return answered + ": the mock refused the admin token given; check --sim-token (MOCKHELTHJEM_ADMIN_TOKEN)"
	case r.s.SimToken != "":
		return answered + " to the admin token given; check --sim-token (MOCKHELTHJEM_ADMIN_TOKEN)"
	case r.mockRefused:
		return answered + ": the mock runs with an admin token; pass it with --sim-token (MOCKHELTHJEM_ADMIN_TOKEN)"
	}
	return answered + ": a mock with an admin token? pass it with --sim-token (MOCKHELTHJEM_ADMIN_TOKEN)"
}

// cutShortStop is the stop of an attempt the run's end cut short, nil for
// others.
func cutShortStop(ex *exchange) *stop {
	switch {
	case errors.Is(ex.err, errInterrupted):
		return &stop{VerdictInterrupted, ex.errText}
	case errors.Is(ex.err, errDeadline):
		return &stop{VerdictUnavailable, ex.errText}
	}
	return nil
}

// retried says how often an exchange was retried, for messages.
func retried(ex *exchange) string {
	switch n := len(ex.retries); n {
	case 0:
		return ""
	case 1:
		return " (after 1 retry)"
	default:
		return fmt.Sprintf(" (after %d retries)", n)
	}
}

// unavailableStatus reports whether a status says the target is not
// serving (429, 5xx) rather than answering the request.
func unavailableStatus(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// Run waits for the target (Wait), probes it and runs the flows, writing
// one line per step to out. It always returns a report: a run that could
// not start or had to stop has the Verdict and Reason that say why.
func (r *Runner) Run(ctx context.Context, out io.Writer) *Report {
	defer r.client.close()
	start := time.Now()
	rep := &Report{
		Tool: "contracttest", Version: r.s.Version, Target: r.s.target.String(),
		Production: r.s.prod, Strict: r.s.Strict, StartedAt: start.UTC().Round(time.Millisecond),
	}
	if r.cas != nil {
		rep.Compare = &CompareInfo{File: r.s.ComparePath, Target: r.cas.Target, RecordedAt: r.cas.RecordedAt}
	}
	hw := &humanWriter{w: out}
	end := func(st *stop) *Report {
		if st != nil {
			rep.Verdict, rep.Reason = st.verdict, st.reason
		}
		rep.finish(time.Since(start))
		hw.summary(rep)
		return rep
	}
	if r.s.Wait > 0 {
		if st := r.wait(ctx, hw); st != nil {
			return end(st)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, r.s.Deadline)
	defer cancel()
	ex, st := r.probe(ctx)
	rep.ProbeRetries = ex.retries
	rep.Sim, rep.Today = r.simInfo, r.today.String()
	if st != nil {
		hw.retries("GET /__sim/clock", ex.retries)
		return end(st)
	}
	hw.header(rep)
	hw.retries("GET /__sim/clock", ex.retries)
	for _, name := range r.s.flows {
		f := &flowState{r: r, name: name}
		skip := ""
		if name == FlowConversion && !r.simInfo.Available {
			skip = "needs the mock's /__sim/ control plane: " + r.simInfo.Note
		}
		for _, step := range r.steps(name, skip == "") {
			if st := r.ended(ctx, name+"/"+step.name); st != nil {
				return end(st)
			}
			res := r.runStep(ctx, f, step, skip)
			res.simSkip = skip != ""
			rep.Steps = append(rep.Steps, res)
			hw.step(res)
			if res.Result == Errored {
				return end(&stop{res.Stop, res.name() + ": " + res.Message})
			}
		}
	}
	return end(nil)
}

// ended returns the stop of a run whose context ended before step.
func (r *Runner) ended(ctx context.Context, step string) *stop {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &stop{VerdictInterrupted, "the run was interrupted before " + step}
	case ctx.Err() != nil:
		return &stop{VerdictUnavailable, fmt.Sprintf("the run's deadline (--deadline %s) passed before %s", r.s.Deadline, step)}
	}
	return nil
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
	skip     string  // skipped, and why
	failure  string  // failed without a finding, or why the run stops
	stop     Verdict // set when the step stops the run
}

// runStep runs one step and turns its outcome into a StepResult. Every
// string from outside in the outcome is already redacted.
func (r *Runner) runStep(ctx context.Context, f *flowState, st stepDef, skip string) StepResult {
	res := StepResult{Flow: f.name, Step: st.name}
	if skip != "" {
		res.Result, res.Message = Skipped, skip
		return res
	}
	r.cur = [2]string{f.name, st.name}
	f.step, f.compared = st.name, false
	start := time.Now()
	o := st.run(ctx, f)
	res.DurationMS = millis(time.Since(start))
	res.compared = f.compared
	if o.ex != nil {
		res.Request = &RequestInfo{Method: o.ex.req.method, URL: o.ex.url}
		res.Status = o.ex.status
		res.Retries = o.ex.retries
	}
	res.Findings = o.findings
	switch {
	case o.stop != "":
		res.Result, res.Stop, res.Message = Errored, o.stop, o.failure
	case o.skip != "":
		res.Result, res.Message = Skipped, o.skip
	case o.failure != "" || hasFailure(o.findings):
		res.Result, res.Message = Failed, o.failure
		res.Diff = o.diff
	default:
		res.Result = Passed
	}
	if res.Result != Passed && res.Result != Skipped && o.ex != nil {
		res.Request.Curl = o.ex.curl()
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
	r    *Runner
	name string
	step string // the step running
	// compared: the step running was compared with the cassette.
	compared bool
	dates    []calendar.Date
	book     booked
	point    string // the chosen service point's id
}

// booked are the generated values of a booking, kept when well-formed.
type booked struct {
	shipmentID string
	orderID    string
	sscc       string
	returnCode string
	ssccs      []string // every item's trackingReference ("" when malformed), where a step keeps them
}

// newShipmentID returns a shipmentId for a booking to supply: "(401)",
// Helthjem's company prefix, a serial from 900000000 up (far above where
// the mock's own counter starts) and a valid GS1 check digit. Supplying it
// makes a retried booking safe: the same shipmentId with the same body is
// the same booking.
func (r *Runner) newShipmentID() string {
	n, err := ids.ShipmentNumber(900_000_000 + r.rnd.Uint64N(100_000_000))
	if err != nil {
		panic(err) // the serial has 9 digits
	}
	return ids.ShipmentPrefix + n
}

// checked is a response that has been through conformance, ready for the
// step's behaviour checks.
type checked struct {
	outcome
	x        *expect
	ok       bool            // status as expected and body decoded: check the body
	reported map[string]bool // paths conformance has failed
	recorded []Finding       // differences from the cassette
}

// call sends rq and checks its answer against the spec, the expected
// status and the cassette of --compare. An answer that says the target is
// not serving, or that the run is misconfigured, stops the run instead.
func (f *flowState) call(ctx context.Context, rq request, want int) *checked {
	r := f.r
	if rq.auth == authToken && r.token == "" {
		return &checked{outcome: outcome{skip: "no token: the token step failed"}}
	}
	ex := r.client.do(ctx, rq)
	c := &checked{outcome: outcome{ex: ex}, reported: map[string]bool{}}
	if ex.err != nil {
		c.stop, c.failure = VerdictUnavailable, ex.errText+retried(ex)
		if st := cutShortStop(ex); st != nil {
			c.stop = st.verdict
		}
		return c
	}
	if rq.path == pathToken && ex.status/100 == 2 {
		// Known to the redactor before anything can print it.
		if tok, isStr := mustJSON(ex.respBody)["token"].(string); isStr {
			r.red.add(tok)
		}
	}
	if st := r.stopStatus(rq, ex); st != nil {
		c.stop, c.failure = st.verdict, st.reason
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
	vd, err := conf.check(ctx, ex, want, sev, r.red)
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
	if r.cas != nil {
		c.recorded = r.compare(ctx, f, ex, conf, sev)
	}
	// A file (a label) is not JSON: the step looks at its bytes.
	var body any
	var derr error
	if !isFile(ex.respHdr.Get("Content-Type")) {
		body, derr = decodeBody(ex.respBody)
	}
	c.x = newExpect(body, r.red)
	if !vd.undocumentedStatus {
		c.x.status(want, ex.status)
		if ex.status != want {
			if k, ok := c.x.value("$.errorKey"); ok {
				c.x.why[statusKey] = "errorKey " + showValue(r.red.value(k))
			}
		}
	}
	// A body conformance found to be of the wrong type altogether ($) is
	// not worth projecting.
	c.ok = derr == nil && !c.reported["$"] && (ex.status == want || vd.bodyChecked && vd.undocumentedStatus)
	return c
}

// stopStatus returns the stop of an answer that says the target is not
// serving (429 or 5xx, after the retries), that the run's credentials were
// refused, or that the token does not grant the shop; nil for others.
func (r *Runner) stopStatus(rq request, ex *exchange) *stop {
	key := errorKeyOf(ex.respBody)
	answered := fmt.Sprintf("%s %s answered %s", rq.method, ex.shownPath, statusText(ex.status, key, r.red))
	switch {
	case unavailableStatus(ex.status):
		return &stop{VerdictUnavailable, answered + retried(ex)}
	case rq.credentials && (ex.status == http.StatusUnauthorized || ex.status == http.StatusForbidden):
		return &stop{VerdictConfiguration, fmt.Sprintf("the token call refused the credentials of client %q (%s): check --client-id and --client-secret (HELTHJEM_CLIENT_ID, HELTHJEM_CLIENT_SECRET) for this target",
			r.s.ClientID, statusText(ex.status, key, r.red))}
	case rq.auth == authToken && ex.status == http.StatusForbidden && key == errorkey.NoAccessShopID:
		return &stop{VerdictConfiguration, fmt.Sprintf("%s: the token of client %q does not grant shop %d; check --shop-id (HELTHJEM_SHOP_ID)", answered, r.s.ClientID, r.s.ShopID)}
	case rq.auth == authToken && ex.status == http.StatusForbidden && key == "no.access.api":
		return &stop{VerdictConfiguration, fmt.Sprintf("%s: client %q has no access to this API", answered, r.s.ClientID)}
	}
	return nil
}

// mustJSON decodes a JSON object, empty when b is not one.
func mustJSON(b []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// done adds the behaviour findings and the differences from the cassette
// that no other check reported, and, when the step fails, the diff.
func (c *checked) done() outcome {
	if c.x == nil {
		return c.outcome
	}
	c.findings = append(c.findings, c.x.findings(c.reported)...)
	seen := map[[2]string]bool{}
	for _, fd := range c.findings {
		seen[[2]string{string(fd.Class), fd.Path}] = true
	}
	for _, fd := range c.recorded {
		if !seen[[2]string{string(fd.Class), fd.Path}] && !covered(c.reported, fd.Path) {
			c.findings = append(c.findings, fd)
		}
	}
	if hasFailure(c.findings) {
		c.diff = c.x.diff()
	}
	return c.outcome
}
