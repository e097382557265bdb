package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/contract/drifttest"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// run runs cfg (its Target set to a server for h) and returns the report
// and the human output. Waits between retries are not slept.
func run(t testing.TB, h http.Handler, mod ...func(*Config)) (*Report, string) {
	t.Helper()
	srv := drifttest.Serve(t, h)
	cfg := Config{Target: srv.URL, Timeout: 5 * time.Second, Deadline: time.Minute, Version: "test", Sleep: (&sleeper{}).sleep}
	for _, m := range mod {
		m(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep := r.Run(context.Background(), &out)
	return rep, out.String()
}

// sleeper records the waits it is asked for and returns at once (or with
// the context's error), so that tests never sleep for a backoff.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
	// then, when set, runs at each wait (a mock starting late).
	then func(n int)
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	n := len(s.waits)
	s.mu.Unlock()
	if s.then != nil {
		s.then(n)
	}
	return ctx.Err()
}

func (s *sleeper) slept() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

func flowsOf(names ...string) func(*Config) {
	return func(c *Config) { c.Flows = names }
}

// results lists flow/step: result.
func results(rep *Report) []string {
	var out []string
	for _, s := range rep.Steps {
		out = append(out, s.name()+": "+string(s.Result))
	}
	return out
}

func step(t *testing.T, rep *Report, name string) StepResult {
	t.Helper()
	for _, s := range rep.Steps {
		if s.name() == name {
			return s
		}
	}
	t.Fatalf("no step %s in %v", name, results(rep))
	return StepResult{}
}

// TestLoop is the loop: contracttest against the project's own mock
// passes every step of every flow.
func TestLoop(t *testing.T) {
	rep, out := run(t, drifttest.Sim(t))
	want := []string{
		"home-pickup/token: passed",
		"home-pickup/coverage: passed",
		"home-pickup/pickup-dates: passed",
		"home-pickup/booking: passed",
		"home-pickup/tracking-by-returncode: passed",
		"home-pickup/tracking-by-trackingreference: passed",
		"service-point/nearby: passed",
		"service-point/booking: passed",
		"service-point/tracking: passed",
		"negative/no-token: passed",
		"negative/wrong-secret: passed",
		"negative/uncovered-address: passed",
		"negative/malformed-body: passed",
		"conversion/pickup-dates: passed",
		"conversion/booking: passed",
		"conversion/nearby: passed",
		"conversion/dropoff: passed",
		"conversion/tracking-by-returncode: passed",
	}
	if diff := cmp.Diff(want, results(rep)); diff != "" {
		t.Errorf("steps (-want +got):\n%s\n%s", diff, out)
	}
	if rep.Failed() || rep.Summary.Warnings != 0 || !rep.Sim.Available || rep.Today != "2026-06-16" {
		t.Errorf("summary %+v, sim %+v, today %s:\n%s", rep.Summary, rep.Sim, rep.Today, out)
	}
	for _, s := range rep.Steps {
		if len(s.Findings) > 0 || s.Diff != "" || s.Request == nil || s.Request.Curl != "" {
			t.Errorf("%s: a passing step has findings %v, diff %q or request %+v", s.name(), s.Findings, s.Diff, s.Request)
		}
	}
}

// TestLoopEachFlow: every flow passes on its own, getting its own token.
func TestLoopEachFlow(t *testing.T) {
	for _, name := range FlowNames() {
		t.Run(name, func(t *testing.T) {
			rep, out := run(t, drifttest.Sim(t), flowsOf(name))
			if rep.Failed() || rep.Summary.Skipped != 0 || rep.Steps[0].Step != "token" {
				t.Errorf("%v\n%s", results(rep), out)
			}
		})
	}
}

type finding struct {
	Step     string
	Class    Class
	Path     string
	Severity Severity
}

func findingsOf(rep *Report) []finding {
	var out []finding
	for _, s := range rep.Steps {
		for _, f := range s.Findings {
			out = append(out, finding{s.name(), f.Class, f.Path, f.Severity})
		}
	}
	return out
}

// TestDrift runs the home pickup flow against mocks changed on purpose and
// checks that each change is found with the right class and path, and
// nothing else.
func TestDrift(t *testing.T) {
	const booking = "/parcels/v1/bookings"
	tracking := "/parcels/v1/tracking/fetch/"
	tests := []struct {
		name     string
		method   string
		prefix   string
		edits    []drifttest.Edit
		strict   bool
		want     []finding
		failed   bool
		skipped  []string // steps skipped because of the drift
		diffHas  string   // a line the failing step's diff must hold
		curlHas  string
		messages []string // substrings of the findings' messages, in order
	}{
		{
			name: "renamed field", method: "POST", prefix: booking,
			edits: []drifttest.Edit{drifttest.Rename("freightProductId", "freightProduct")},
			want: []finding{
				{"home-pickup/booking", MissingField, "$.freightProductId", Failure},
				{"home-pickup/booking", UndocumentedField, "$.freightProduct", Warning},
			},
			failed: true, diffHas: `"$.freightProductId"`, curlHas: "Bearer <redacted>",
		},
		{
			name: "changed type", method: "POST", prefix: booking,
			edits:    []drifttest.Edit{drifttest.Set("orderId", "227102495")},
			want:     []finding{{"home-pickup/booking", TypeChanged, "$.orderId", Failure}},
			failed:   true,
			messages: []string{"value must be an integer (spec: type integer, format int64)"},
		},
		{
			name: "extra field", method: "POST", prefix: booking,
			edits:    []drifttest.Edit{drifttest.Set("insurance", true, "items", 0)},
			want:     []finding{{"home-pickup/booking", UndocumentedField, "$.items[0].insurance", Warning}},
			messages: []string{"not a property of the spec's ItemOut schema"},
		},
		{
			name: "extra field, strict", method: "POST", prefix: booking, strict: true,
			edits:  []drifttest.Edit{drifttest.Set("insurance", true, "items", 0)},
			want:   []finding{{"home-pickup/booking", UndocumentedField, "$.items[0].insurance", Failure}},
			failed: true,
		},
		{
			name: "new status", method: "POST", prefix: booking,
			edits:    []drifttest.Edit{drifttest.Status(http.StatusCreated)},
			want:     []finding{{"home-pickup/booking", UndocumentedStatus, "$", Failure}},
			failed:   true,
			messages: []string{"status 201 is not documented for createBooking"},
		},
		{
			name: "missing returnCode", method: "POST", prefix: booking,
			edits:   []drifttest.Edit{drifttest.Delete("returnCode", "items", 0)},
			want:    []finding{{"home-pickup/booking", MissingField, "$.items[0].returnCode", Failure}},
			failed:  true,
			skipped: []string{"home-pickup/tracking-by-returncode"},
			diffHas: `-`,
		},
		{
			name: "null returnCode", method: "POST", prefix: booking,
			edits:    []drifttest.Edit{drifttest.Set("returnCode", nil, "items", 0)},
			want:     []finding{{"home-pickup/booking", BehaviourChanged, "$.items[0].returnCode", Failure}},
			failed:   true,
			skipped:  []string{"home-pickup/tracking-by-returncode"},
			messages: []string{"want <returnCode: ^T-[A-Z0-9]{5}$>, got null"},
		},
		{
			name: "returnCode of another form", method: "POST", prefix: booking,
			edits:    []drifttest.Edit{drifttest.Set("returnCode", "R-1234", "items", 0)},
			want:     []finding{{"home-pickup/booking", BehaviourChanged, "$.items[0].returnCode", Failure}},
			failed:   true,
			skipped:  []string{"home-pickup/tracking-by-returncode"},
			diffHas:  `+ "$.items[0].returnCode": string("R-1234"),`,
			messages: []string{`got "R-1234"`},
		},
		{
			name: "bad check digit", method: "POST", prefix: booking,
			edits:  []drifttest.Edit{drifttest.Set("shipmentId", "(401)70724763469418065")},
			want:   []finding{{"home-pickup/booking", BehaviourChanged, "$.shipmentId", Failure}},
			failed: true,
			skipped: []string{
				"home-pickup/tracking-by-returncode",
				"home-pickup/tracking-by-trackingreference",
			},
		},
		{
			name: "another product", method: "POST", prefix: "/parcels/v1/addresses/find/single",
			edits:    []drifttest.Edit{drifttest.Set("productName", "HELTHJEM")},
			want:     []finding{{"home-pickup/coverage", BehaviourChanged, "$.productName", Failure}},
			failed:   true,
			messages: []string{`want "HELTHJEM_MEGTILDEG", got "HELTHJEM"`},
		},
		{
			name: "a Sunday among the dates", method: "POST", prefix: "/parcels/v1/addresses/find/single/dates",
			edits:    []drifttest.Edit{drifttest.Set("dates", []any{"2026-06-17", "2026-06-21"})},
			want:     []finding{{"home-pickup/pickup-dates", BehaviourChanged, "$.dates", Failure}},
			failed:   true,
			skipped:  []string{"home-pickup/booking", "home-pickup/tracking-by-returncode", "home-pickup/tracking-by-trackingreference"},
			messages: []string{"dates[1] 2026-06-21 is a Sunday"},
		},
		{
			name: "nested type change in tracking", method: "GET", prefix: tracking,
			edits: []drifttest.Edit{drifttest.Set("freightProductId", "26", 0, "items", 0)},
			want: []finding{
				{"home-pickup/tracking-by-returncode", TypeChanged, "$[0].items[0].freightProductId", Failure},
				{"home-pickup/tracking-by-trackingreference", TypeChanged, "$[0].items[0].freightProductId", Failure},
			},
			failed: true,
		},
		{
			name: "tracking answers an object", method: "GET", prefix: tracking,
			edits: []drifttest.Edit{drifttest.Replace(map[string]any{"shipments": []any{}})},
			want: []finding{
				{"home-pickup/tracking-by-returncode", TypeChanged, "$", Failure},
				{"home-pickup/tracking-by-trackingreference", TypeChanged, "$", Failure},
			},
			failed: true,
		},
		{
			name: "renamed token", method: "POST", prefix: "/auth/oauth2/v1/token",
			edits: []drifttest.Edit{drifttest.Rename("token", "access_token")},
			want: []finding{
				{"home-pickup/token", MissingField, "$.token", Failure},
				{"home-pickup/token", UndocumentedField, "$.access_token", Warning},
			},
			failed:  true,
			skipped: []string{"home-pickup/coverage", "home-pickup/pickup-dates", "home-pickup/booking", "home-pickup/tracking-by-returncode", "home-pickup/tracking-by-trackingreference"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := drifttest.Rewrite(drifttest.Sim(t), tt.method, tt.prefix, tt.edits...)
			rep, out := run(t, h, flowsOf(FlowHomePickup), func(c *Config) { c.Strict = tt.strict })
			if diff := cmp.Diff(tt.want, findingsOf(rep)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%s", diff, out)
			}
			if rep.Failed() != tt.failed {
				t.Errorf("failed = %v, want %v\n%s", rep.Failed(), tt.failed, out)
			}
			var skipped []string
			for _, s := range rep.Steps {
				if s.Result == Skipped {
					skipped = append(skipped, s.name())
				}
			}
			if diff := cmp.Diff(tt.skipped, skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s\n%s", diff, out)
			}
			first := step(t, rep, tt.want[0].Step)
			if tt.diffHas != "" && !strings.Contains(squash(first.Diff), tt.diffHas) {
				t.Errorf("diff lacks %q:\n%s", tt.diffHas, first.Diff)
			}
			if tt.curlHas != "" && (first.Request == nil || !strings.Contains(first.Request.Curl, tt.curlHas)) {
				t.Errorf("curl lacks %q: %+v", tt.curlHas, first.Request)
			}
			for i, m := range tt.messages {
				if i >= len(first.Findings) || !strings.Contains(first.Findings[i].Message, m) {
					t.Errorf("finding %d: want a message with %q in %+v", i, m, first.Findings)
				}
			}
		})
	}
}

// TestFailureOutput: under a failing step, the human report shows the
// findings, the request as curl (token redacted) and the diff.
func TestFailureOutput(t *testing.T) {
	h := drifttest.Rewrite(drifttest.Sim(t), "POST", "/parcels/v1/bookings", drifttest.Delete("returnCode", "items", 0))
	_, out := run(t, h, flowsOf(FlowHomePickup))
	for _, want := range []string{
		"FAIL  home-pickup/booking",
		"      missing field: $.items[0].returnCode: the flow expects <returnCode: ^T-[A-Z0-9]{5}$> here; the field is absent",
		"      request: curl -sS -X POST 'http://127.0.0.1:",
		"-H 'Authorization: Bearer <redacted>' --data-raw '{\"shopId\":16,\"transportSolutionId\":23,",
		"      diff (-want +got):",
		`- "$.items[0].returnCode": string("<returnCode: ^T-[A-Z0-9]{5}$>"),`,
		"SKIP  home-pickup/tracking-by-returncode",
		"FAIL  drift (exit 1): 6 steps: 4 passed, 1 failed, 1 skipped; 0 warnings",
	} {
		if !strings.Contains(squash(out), squash(want)) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestFindingsNeverQuotePersonalData pins the doc that said messages were
// "never from response values": a finding quotes the target's value where
// the value is the difference, and a target that echoed the run's own
// personal data there (a name as productName, an e-mail as errorKey, a
// phone as trackingNumber) had it printed. Such values read
// <personal data>, as secrets read <redacted>.
func TestFindingsNeverQuotePersonalData(t *testing.T) {
	set, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	a := set.Contract
	echo := drifttest.Rewrite(drifttest.Sim(t), "POST", "/parcels/v1/addresses/find/single", func(status int, body any) (int, any) {
		m, _ := body.(map[string]any)
		switch {
		case status == http.StatusOK:
			m["productName"] = a.Receiver.Name
		case m["errorKey"] == "no.carrier.support":
			m["errorKey"] = a.Sender.Email
		}
		return status, body
	})
	echo = drifttest.Rewrite(echo, "GET", "/parcels/v1/tracking/fetch/", drifttest.Set("trackingNumber", a.Uncovered.Phone1, 0, "items", 0),
		drifttest.Set("returnCode", a.Sender.Address, 0, "items", 0))
	rep, out := run(t, echo, flowsOf(FlowHomePickup, FlowNegative))
	var quoted []string
	for _, st := range rep.Steps {
		for _, f := range st.Findings {
			quoted = append(quoted, st.name()+": "+f.Path+": "+f.Message)
		}
		quoted = append(quoted, st.Diff, st.Message)
	}
	all := strings.Join(quoted, "\n")
	for _, want := range []string{
		`home-pickup/coverage: $.productName: want "HELTHJEM_MEGTILDEG", got "<personal data>"`,
		`negative/uncovered-address: $.errorKey: want "no.carrier.support", got "<personal data>"`,
		`got "<personal data>"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the findings lack %q: a quoting path was not exercised\n%s", want, out)
		}
	}
	for _, v := range personalValues(&a) {
		if strings.Contains(all, v) {
			t.Errorf("a finding or diff quotes %q:\n%s", v, all)
		}
	}
}

// squash collapses runs of white space, so that cmp's column alignment
// does not matter.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestNegativeDrift: the negative flow fails when the target answers an
// uncovered address with another errorKey.
func TestNegativeDrift(t *testing.T) {
	h := drifttest.Rewrite(drifttest.Sim(t), "POST", "/parcels/v1/addresses/find/single",
		drifttest.Set("errorKey", "no.access.api"))
	rep, out := run(t, h, flowsOf(FlowNegative))
	// no-token's answer changes too, but its errorKey is not part of the
	// contract (the docs show several).
	want := []finding{{"negative/uncovered-address", BehaviourChanged, "$.errorKey", Failure}}
	if diff := cmp.Diff(want, findingsOf(rep)); diff != "" {
		t.Errorf("findings (-want +got):\n%s\n%s", diff, out)
	}
}

// TestUnexpectedSuccess: a documented but unexpected status is a change of
// behaviour; the diff shows the status.
func TestUnexpectedSuccess(t *testing.T) {
	// A target that accepts the wrong secret.
	h := drifttest.Rewrite(drifttest.Sim(t), "POST", "/auth/oauth2/v1/token",
		func(status int, body any) (int, any) {
			if status == http.StatusUnauthorized {
				return http.StatusOK, map[string]any{"token": "x.y.z", "expires_in": 86400, "token_type": "Bearer"}
			}
			return status, body
		})
	rep, out := run(t, h, flowsOf(FlowNegative))
	s := step(t, rep, "negative/wrong-secret")
	want := []Finding{{Class: BehaviourChanged, Path: "$", Message: "want status 401, got 200", Severity: Failure}}
	if diff := cmp.Diff(want, s.Findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s\n%s", diff, out)
	}
	if !strings.Contains(s.Diff, `"HTTP status": int64(401)`) || !strings.Contains(s.Diff, `"HTTP status": int64(200)`) {
		t.Errorf("diff:\n%s", s.Diff)
	}
}

// TestConversionSkippedWithoutSim: a target without /__sim/ (like
// Helthjem's) runs every flow but conversion, which is skipped.
func TestConversionSkippedWithoutSim(t *testing.T) {
	rep, out := run(t, drifttest.WithoutSim(drifttest.Sim(t)), func(c *Config) { c.Now = drifttest.Clock.Local })
	if rep.Failed() || rep.Sim.Available || rep.Summary.Skipped != 5 || rep.Summary.Passed != 13 {
		t.Fatalf("summary %+v sim %+v\n%s", rep.Summary, rep.Sim, out)
	}
	s := step(t, rep, "conversion/dropoff")
	if want := "needs the mock's /__sim/ control plane: the target exposes no /__sim/ control plane (GET /__sim/clock answered 404)"; s.Message != want {
		t.Errorf("skip message %q, want %q", s.Message, want)
	}
	if !strings.Contains(out, "SKIP  conversion/pickup-dates") {
		t.Errorf("output:\n%s", out)
	}
}

// TestSimToken: a mock with an admin token needs --sim-token for the
// conversion; without it the conversion is skipped with a hint.
func TestSimToken(t *testing.T) {
	mock := drifttest.Sim(t, func(o *sim.Options) { o.AdminToken = "admin-token-123" })
	rep, out := run(t, mock, flowsOf(FlowConversion))
	if rep.Summary.Skipped != 5 || !strings.Contains(rep.Steps[0].Message, "pass it with --sim-token") {
		t.Errorf("without the token: %v\n%s", results(rep), out)
	}
	rep, out = run(t, mock, flowsOf(FlowConversion), func(c *Config) { c.SimToken = "admin-token-123" })
	if rep.Failed() || rep.Summary.Passed != 6 {
		t.Errorf("with the token: %v\n%s", results(rep), out)
	}
	if strings.Contains(out, "admin-token-123") {
		t.Errorf("the sim token is printed:\n%s", out)
	}
}

func TestUnreachable(t *testing.T) {
	target := drifttest.ClosedPort(t)
	var out bytes.Buffer
	err := Execute(context.Background(), Config{Target: target, Timeout: time.Second}, &out, io.Discard)
	var re *RunError
	if !errors.As(err, &re) || re.Verdict != VerdictUnavailable || ExitCode(err) != 3 {
		t.Fatalf("err = %v (exit %d), want target unavailable, exit 3", err, ExitCode(err))
	}
	for _, want := range []string{"target unavailable: target " + target + " is unreachable", "connection refused", "go run ./cmd/mockhelthjem", "--wait"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if want := "FAIL  target unavailable (exit 3): target " + target + " is unreachable"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("report:\n%s\nwant it to start %q", out.String(), want)
	}
}

func TestProduction(t *testing.T) {
	tests := []struct {
		target        string
		allow, dryRun bool
		refused       bool
	}{
		{target: "https://api.helthjem.no", refused: true},
		{target: "http://api.helthjem.no", refused: true},
		{target: "https://API.Helthjem.NO:443/", refused: true},
		{target: "https://api.helthjem.no.:8443/base", refused: true},
		{target: "https://api.helthjem.no", allow: true},
		{target: "https://api.helthjem.no", dryRun: true},
		{target: "https://api.pre.helthjem.no"},
		{target: "https://helthjem.no"},
		{target: "http://127.0.0.1:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			_, err := New(Config{Target: tt.target, AllowProduction: tt.allow, DryRun: tt.dryRun})
			var ue *UsageError
			if got := errors.As(err, &ue); got != tt.refused {
				t.Fatalf("New: %v, want refused %v", err, tt.refused)
			}
			if tt.refused && (!strings.Contains(err.Error(), "--allow-production") || ExitCode(err) != 2) {
				t.Errorf("message %q (exit %d)", err, ExitCode(err))
			}
		})
	}
}

func TestBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"scheme", Config{Target: "ftp://127.0.0.1"}, "must be an http or https URL"},
		{"no host", Config{Target: "http://"}, "must be an http or https URL"},
		{"query", Config{Target: "http://127.0.0.1?x=1"}, "no query"},
		{"user", Config{Target: "http://u:p@127.0.0.1"}, `--target "http://<redacted>@127.0.0.1" must have no user info`},
		{"flow", Config{Flows: []string{"home-pickup", "returns"}}, `unknown flow "returns"`},
		{"no flow", Config{Flows: []string{" ", ""}}, "no flow selected"},
		{"timeout", Config{Timeout: -time.Second}, "positive durations"},
		{"wait", Config{Wait: -time.Second}, "positive durations"},
		{"retries", Config{Retries: MaxRetries + 1}, "--retries must be from 0 to 10"},
		{"two reports on stdout", Config{JSONPath: "-", JUnitPath: "-"}, "--junit and --json both write to standard output"},
		{"a report over the cassette", Config{RecordPath: "x.json", ComparePath: "x.json"}, "--record x.json would overwrite the cassette --compare x.json reads"},
		{"a report over the cassette, spelled another way", Config{JSONPath: "./x.json", ComparePath: "x.json"}, "--json ./x.json would overwrite the cassette --compare x.json reads"},
		{"two reports on one file", Config{JSONPath: "r.json", JUnitPath: "./r.json"}, "--junit ./r.json and --json r.json are one file"},
		{"no cassette", Config{ComparePath: "/nonexistent/c.json"}, "--compare: open /nonexistent/c.json"},
		{"shop", Config{ShopID: -1}, "--shop-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want a UsageError with %q", err, tt.want)
			}
		})
	}
}

func TestFlowSelectionOrder(t *testing.T) {
	got, err := selectFlows([]string{"negative", "home-pickup", "negative"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"home-pickup", "negative"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestDryRun prints the plan and sends nothing, even for production.
func TestDryRun(t *testing.T) {
	var hits atomic.Int32
	srv := drifttest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	for _, target := range []string{srv.URL, "https://api.helthjem.no"} {
		var out bytes.Buffer
		junit := t.TempDir() + "/junit.xml"
		err := Execute(context.Background(), Config{Target: target, DryRun: true, JUnitPath: junit}, &out, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"contracttest plan (dry run: nothing is sent)",
			"home-pickup\n  token ",
			"  booking                        POST /parcels/v1/bookings: TS 23 on the first pickup date",
			"conversion (only where the target exposes /__sim/; skipped elsewhere)",
			"postal codes: sender 0468, receiver 0751, uncovered 9170",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("plan lacks %q:\n%s", want, out.String())
			}
		}
		if strings.Contains(out.String(), "demo-secret") || strings.Contains(out.String(), "Test sender") {
			t.Errorf("the plan shows a secret or a name:\n%s", out.String())
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("dry run sent %d requests", n)
	}
}

// TestTimeouts: a request that hangs is retried at --timeout, and after the
// retries stops the run as the target unavailable; a run that outlives
// --deadline stops where it is.
func TestTimeouts(t *testing.T) {
	mock := drifttest.Sim(t)
	hang := func(path string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, path) {
				// With the body read, the server notices the client
				// hanging up and cancels the request's context.
				_, _ = io.Copy(io.Discard, r.Body)
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
				return
			}
			mock.ServeHTTP(w, r)
		})
	}
	t.Run("timeout", func(t *testing.T) {
		rep, out := run(t, hang("/parcels/v1/addresses/find/single"), flowsOf(FlowHomePickup),
			func(c *Config) { c.Timeout = 50 * time.Millisecond })
		s := step(t, rep, "home-pickup/coverage")
		if s.Result != Errored || s.Stop != VerdictUnavailable || len(s.Retries) != 2 ||
			s.Message != "no answer within the request timeout (--timeout 50ms) (after 2 retries)" {
			t.Errorf("coverage: %+v\n%s", s, out)
		}
		if rep.Verdict != VerdictUnavailable || rep.ExitCode != 3 || len(rep.Steps) != 2 {
			t.Errorf("verdict %s (exit %d), %d steps:\n%s", rep.Verdict, rep.ExitCode, len(rep.Steps), out)
		}
		for _, want := range []string{
			"STOP  home-pickup/coverage",
			"retry after attempt 1: no answer within --timeout 50ms; waited 1s",
			"retry after attempt 2: no answer within --timeout 50ms; waited 2s",
			"request: curl",
			"FAIL  target unavailable (exit 3): home-pickup/coverage: no answer within the request timeout (--timeout 50ms) (after 2 retries)",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("deadline", func(t *testing.T) {
		rep, out := run(t, hang("/parcels/v1/bookings"), flowsOf(FlowHomePickup),
			func(c *Config) { c.Deadline = 300 * time.Millisecond })
		want := []string{
			"home-pickup/token: passed",
			"home-pickup/coverage: passed",
			"home-pickup/pickup-dates: passed",
			"home-pickup/booking: error",
		}
		if diff := cmp.Diff(want, results(rep)); diff != "" {
			t.Errorf("(-want +got):\n%s\n%s", diff, out)
		}
		if s := step(t, rep, "home-pickup/booking"); s.Message != "the run's deadline (--deadline) passed before an answer" || rep.ExitCode != 3 {
			t.Errorf("booking: %q, exit %d", s.Message, rep.ExitCode)
		}
	})
}

// TestInterrupted: a cancelled run (Ctrl-C) stops at the step in flight,
// saying so, and exits 130.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mock := drifttest.Sim(t)
	srv := drifttest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/parcels/v1/bookings" {
			cancel()
		}
		mock.ServeHTTP(w, r)
	}))
	r, err := New(Config{Target: srv.URL, Flows: []string{FlowHomePickup}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep := r.Run(ctx, &out)
	if rep.Verdict != VerdictInterrupted || rep.ExitCode != ExitInterrupted || !strings.Contains(out.String(), "FAIL  interrupted (exit 130): ") {
		t.Errorf("verdict %s, exit %d: %v\n%s", rep.Verdict, rep.ExitCode, results(rep), out.String())
	}
}

// TestAddresses: the addresses come from a file, over the defaults.
func TestAddresses(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/a.json"
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"uncovered": {"name": "Far away", "address": "Nerveien 1", "zipCode": "9773", "postalName": "Nervei", "countryCode": "NO"}}`)
	a, err := LoadAddresses(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Uncovered.ZipCode != "9773" || a.Sender.ZipCode != "0468" {
		t.Errorf("addresses %+v", a)
	}
	rep, out := run(t, drifttest.Sim(t), flowsOf(FlowNegative), func(c *Config) { c.Addresses = a })
	if rep.Failed() {
		t.Errorf("%s", out)
	}
	for _, bad := range []string{`{"sendr": {}}`, `{"sender": {"name": ""}}`, `not json`} {
		write(bad)
		var ue *UsageError
		if _, err := LoadAddresses(path); !errors.As(err, &ue) {
			t.Errorf("LoadAddresses(%s) = %v, want a UsageError", bad, err)
		}
	}
	if _, err := LoadAddresses(dir + "/missing.json"); ExitCode(err) != 2 {
		t.Errorf("missing file: %v", err)
	}
}

// junitDoc is how a CI system reads the JUnit file.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Cases    []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestJUnit parses the JUnit report back.
func TestJUnit(t *testing.T) {
	h := drifttest.Rewrite(drifttest.WithoutSim(drifttest.Sim(t)), "POST", "/parcels/v1/bookings", drifttest.Set("orderId", "1"))
	rep, _ := run(t, h, func(c *Config) { c.Now = drifttest.Clock.Local })
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("parse: %v\n%s", err, buf.String())
	}
	type suite struct {
		Name                     string
		Tests, Failures, Skipped int
	}
	var suites []suite
	for _, s := range doc.Suites {
		suites = append(suites, suite{s.Name, s.Tests, s.Failures, s.Skipped})
		if _, err := time.ParseDuration(s.Time + "s"); err != nil {
			t.Errorf("suite %s time %q", s.Name, s.Time)
		}
	}
	want := []suite{
		{"contracttest.home-pickup", 6, 1, 0},
		{"contracttest.service-point", 3, 1, 0},
		{"contracttest.negative", 4, 0, 0},
		{"contracttest.conversion", 5, 0, 5},
	}
	if diff := cmp.Diff(want, suites); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	if doc.Tests != 18 || doc.Failures != 2 || doc.Skipped != 5 {
		t.Errorf("totals: %d tests, %d failures, %d skipped", doc.Tests, doc.Failures, doc.Skipped)
	}
	c := doc.Suites[0].Cases[3]
	if c.Classname != "contracttest.home-pickup" || c.Name != "booking" || c.Failure == nil {
		t.Fatalf("booking case %+v", c)
	}
	if c.Failure.Type != "type-changed" || !strings.HasPrefix(c.Failure.Message, "type changed: $.orderId: value must be an integer") {
		t.Errorf("failure %q %q", c.Failure.Type, c.Failure.Message)
	}
	for _, want := range []string{"request: curl -sS -X POST", "Bearer <redacted>", "diff (-want +got):"} {
		if !strings.Contains(c.Failure.Text, want) {
			t.Errorf("failure text lacks %q:\n%s", want, c.Failure.Text)
		}
	}
	if sk := doc.Suites[3].Cases[0].Skipped; sk == nil || !strings.Contains(sk.Message, "/__sim/") {
		t.Errorf("conversion case not skipped: %+v", doc.Suites[3].Cases[0])
	}
}

// TestJSONReport decodes the JSON report.
func TestJSONReport(t *testing.T) {
	h := drifttest.Rewrite(drifttest.Sim(t), "POST", "/parcels/v1/bookings", drifttest.Set("insurance", true, "items", 0))
	rep, _ := run(t, h, flowsOf(FlowHomePickup))
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tool    string
		Target  string
		Summary Summary
		Steps   []struct {
			Flow, Step, Result string
			Status             int
			Findings           []Finding
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tool != "contracttest" || got.Summary != (Summary{Steps: 6, Passed: 6, Warnings: 1}) {
		t.Errorf("report %+v", got)
	}
	b := got.Steps[3]
	want := []Finding{{Class: UndocumentedField, Path: "$.items[0].insurance", Message: "not a property of the spec's ItemOut schema", Severity: Warning}}
	if diff := cmp.Diff(want, b.Findings); diff != "" || b.Step != "booking" || b.Result != "passed" || b.Status != 200 {
		t.Errorf("booking %+v (-want +got):\n%s", b, diff)
	}
}
