package sim_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Regression tests, each named after the bug it pins (found by fuzzing
// and review, see docs/benchmarks.md).

// TestClockAdvanceOverflow: two huge advances overflowed the offset and
// moved the clock backwards; a far "set" stopped short silently.
func TestClockAdvanceOverflow(t *testing.T) {
	e := newEnv(t)
	before := e.do("GET", "/__sim/clock", "", nil).json(t)["now"]
	for _, body := range []string{`{"advance":"2562047h"}`, `{"advance":"2562047h"}`, `{"set":"9999-12-31T23:59:59Z"}`} {
		if r := e.do("POST", "/__sim/clock", "", body); r.Status != 400 || r.errorKey(t) != "clock.invalid" {
			t.Errorf("%s = %d %s, want 400 clock.invalid", body, r.Status, r.Body)
		}
	}
	if after := e.do("GET", "/__sim/clock", "", nil).json(t)["now"]; after != before {
		t.Errorf("clock moved from %v to %v", before, after)
	}
	e.advance("8760h") // a year is fine
}

// TestHugeShopIDIsNotAParseError: an integer past int64 was answered
// "not valid JSON" (failed.to.parse.request) although the body was JSON.
func TestHugeShopIDIsNotAParseError(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", pathSingle, e.demo(), `{"shopId":9223372036854775808,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`)
	if r.Status != 400 || r.errorKey(t) != "invalid.request" || !strings.Contains(string(r.Body), `"shopId"`) {
		t.Fatalf("= %d %s, want 400 invalid.request naming shopId", r.Status, r.Body)
	}
}

// TestEscapedTrackingIdentifier: path parameters were matched escaped, so
// T%2DQ7HHX (a client escaping the dash) was not found.
func TestEscapedTrackingIdentifier(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	rc := firstItem(e.book(token, booking(t, 113, nil)))["returnCode"].(string)
	escaped := strings.Replace(rc, "-", "%2D", 1)
	if r := e.do("GET", "/parcels/v1/tracking/fetch/"+escaped+"/NO/false", token, nil); r.Status != 200 {
		t.Fatalf("%s = %d %s", escaped, r.Status, r.Body)
	}
}

// TestMalformedQuery: ?limit=%zz was dropped silently and the default used.
func TestMalformedQuery(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", pathDates+"?limit=%zz", e.demo(), `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`)
	if r.Status != 400 || r.errorKey(t) != "invalid.request" {
		t.Fatalf("= %d %s", r.Status, r.Body)
	}
}

// journal is GET /__sim/requests, decoded.
func (e *env) journal() []struct {
	Operation string
	Status    int
	ClientID  string
	SimTime   time.Time
} {
	e.t.Helper()
	var got struct {
		Requests []struct {
			Operation string
			Status    int
			ClientID  string
			SimTime   time.Time
		}
	}
	if err := json.Unmarshal(e.do("GET", "/__sim/requests", "", nil).Body, &got); err != nil {
		e.t.Fatal(err)
	}
	return got.Requests
}

// TestJournalHoldsOnlyCarrierRequests: the journal kept GET /openapi.yaml
// (an operation of spec/sim.yaml outside /__sim/), though it lists carrier
// API requests only; the filter was a path prefix plus named exceptions.
func TestJournalHoldsOnlyCarrierRequests(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/openapi.yaml", "/__sim/openapi.yaml", "/healthz", "/readyz", "/__sim/clock"} {
		if r := e.do("GET", path, "", nil); r.Status != 200 {
			t.Fatalf("GET %s = %d", path, r.Status)
		}
	}
	e.do("GET", "/no/such/path", "", nil)
	e.demo()
	var ops []string
	for _, r := range e.journal() {
		ops = append(ops, r.Operation)
	}
	if diff := cmp.Diff([]string{"getToken"}, ops); diff != "" {
		t.Errorf("journal operations (-want +got):\n%s", diff)
	}
}

// TestDroppedRequestJournaledWithSimTime: a request whose connection a
// drop fault cut was journaled with simTime 0001-01-01, because the client
// and time were copied only after the handler returned.
func TestDroppedRequestJournaledWithSimTime(t *testing.T) {
	h := newHTTPEnv(t)
	if _, err := h.send("POST", pathSingle, h.demo(), []byte(`{}`), "X-Sim-Fault", "drop"); err == nil {
		t.Fatal("the connection was not dropped")
	}
	got := h.journal()[0]
	if got.Operation != "findSingleAddress" || got.Status != 0 || got.ClientID != "demo" || !got.SimTime.Equal(guideClock) {
		t.Errorf("journal entry = %+v, want findSingleAddress, status 0, demo at %s", got, guideClock)
	}
}

// TestFaultErrorDoesNotEchoInput: an unknown fault option was quoted back
// in errorMap ("unknown fault option \"foo\""), which never repeats what
// the client sent.
func TestFaultErrorDoesNotEchoInput(t *testing.T) {
	e := newEnv(t)
	const marker = "echoed-option-xyz"
	for _, tc := range []struct{ name, path, token, hdr, body string }{
		{"header", pathSingle, e.demo(), "503;" + marker + "=1", `{}`},
		{"rule", "/__sim/faults", "", "", `{"operation":"*","fault":"503;` + marker + `=1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.hdr != "" {
				hdr = []string{"X-Sim-Fault", tc.hdr}
			}
			r := e.do("POST", tc.path, tc.token, tc.body, hdr...)
			if r.Status != 400 || r.errorKey(t) != "invalid.fault" {
				t.Fatalf("= %d %s, want 400 invalid.fault", r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), marker) {
				t.Errorf("the answer repeats the submitted option: %s", r.Body)
			}
		})
	}
}
