package sim_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

// TestServedEndpoints: health, readiness and the served specs.
func TestServedEndpoints(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		path   string
		status int
		body   []byte
	}{
		{"/healthz", 200, []byte(`{"status":"ok"}`)},
		{"/readyz", 200, []byte(`{"status":"ok"}`)},
		{"/openapi.yaml", 200, spec.Helthjem},
		{"/__sim/openapi.yaml", 200, spec.Sim},
	} {
		t.Run(tt.path, func(t *testing.T) {
			r := e.do("GET", tt.path, "", nil)
			if r.Status != tt.status || !bytes.Equal(r.Body, tt.body) {
				t.Errorf("= %d %.80s", r.Status, r.Body)
			}
		})
	}
	e.srv.Shutdown()
	if r := e.do("GET", "/readyz", "", nil); r.Status != 503 {
		t.Errorf("readyz while stopping = %d, want 503", r.Status)
	}
	if r := e.do("GET", "/healthz", "", nil); r.Status != 200 {
		t.Errorf("healthz while stopping = %d, want 200", r.Status)
	}
}

// TestAdminToken: with an admin token, /__sim/ needs it; health and the
// carrier API do not.
func TestAdminToken(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.AdminToken = "s3cret-admin" })
	for _, tt := range []struct {
		name, method, path, auth string
		status                   int
	}{
		{"no token", "GET", "/__sim/state", "", 401},
		{"wrong token", "GET", "/__sim/state", "Bearer nope", 401},
		{"client token is not admin", "POST", "/__sim/reset", "Bearer " + e.demo(), 401},
		{"admin token", "GET", "/__sim/state", "Bearer s3cret-admin", 200},
		{"health stays open", "GET", "/healthz", "", 200},
		{"spec stays open", "GET", "/openapi.yaml", "", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, "", nil, "Authorization", tt.auth)
			if r.Status != tt.status {
				t.Errorf("= %d %s, want %d", r.Status, r.Body, tt.status)
			}
		})
	}
}

// TestRunningClockFollowsWall: without Options.Clock the simulated clock
// runs with the injected wall clock; advances add to it, reset drops them.
func TestRunningClockFollowsWall(t *testing.T) {
	e, tick, start := newRunningEnv(t)
	now := func() time.Time {
		t.Helper()
		var c struct {
			Now    time.Time
			Frozen bool
		}
		if err := json.Unmarshal(e.do("GET", "/__sim/clock", "", nil).Body, &c); err != nil {
			t.Fatal(err)
		}
		if c.Frozen {
			t.Fatal("the clock is frozen without Options.Clock")
		}
		return c.Now
	}
	for _, step := range []struct {
		name string
		act  func()
		want time.Time
	}{
		{"at start", func() {}, start},
		{"wall moves", func() { tick(90 * time.Minute) }, start.Add(90 * time.Minute)},
		{"advance", func() { e.advance("24h") }, start.Add(90*time.Minute + 24*time.Hour)},
		{"wall moves on", func() { tick(time.Minute) }, start.Add(91*time.Minute + 24*time.Hour)},
		{"reset drops the advance", func() { e.do("POST", "/__sim/reset", "", nil) }, start.Add(91 * time.Minute)},
	} {
		step.act()
		if got := now(); !got.Equal(step.want) {
			t.Errorf("%s: now = %s, want %s", step.name, got, step.want)
		}
	}
}

// TestRepeatedQueryParameterWipedEveryClient: validation checked one
// value of a repeated parameter (the first that is not empty) and the
// handler read another (the first), so POST
// /__sim/reset?clientId=&clientId=demo2 passed as a reset of demo2 and
// reset every client and the clock. A parameter given twice is refused and
// nothing changes; dates' limit and the state's clientId too.
func TestRepeatedQueryParameterWipedEveryClient(t *testing.T) {
	e := newEnv(t)
	e.book(e.demo(), booking(t, 23, nil))
	e.book(e.token("demo2", "demo2-secret"), booking(t, 23, func(b map[string]any) { b["shopId"] = 17 }))
	e.advance("1h")
	before := e.state() + string(e.do("GET", "/__sim/clock", "", nil).Body)
	for _, tc := range []struct{ method, path, param, token string }{
		{"POST", "/__sim/reset?clientId=&clientId=demo2", "clientId", ""},
		{"POST", "/__sim/reset?clientId=demo2&clientId=", "clientId", ""},
		{"POST", "/__sim/reset?clientId=demo2&clientId=demo2", "clientId", ""},
		{"GET", "/__sim/state?clientId=&clientId=demo2", "clientId", ""},
		{"GET", "/__sim/requests?limit=&limit=5", "limit", ""},
		{"GET", "/__sim/ui?order=&order=1", "order", ""},
		{"POST", pathDates + "?limit=&limit=3", "limit", e.demo()},
		{"POST", pathDates + "?limit=3&limit=3", "limit", e.demo()},
	} {
		var body any
		if tc.token != "" {
			body = guideRequest(t, "dates")
		}
		r := e.do(tc.method, tc.path, tc.token, body)
		fields, _ := r.json(t)["errorMap"].(map[string]any)
		if r.Status != 400 || r.errorKey(t) != "invalid.request" || len(fields) != 1 || fields[tc.param] != "is given more than once" {
			t.Errorf("%s %s = %d %s, want 400 invalid.request: %s is given more than once", tc.method, tc.path, r.Status, r.Body, tc.param)
		}
	}
	assertDiff(t, "state and clock", before, e.state()+string(e.do("GET", "/__sim/clock", "", nil).Body))
}
