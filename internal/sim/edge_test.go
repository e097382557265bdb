package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// Tests of issue 11 (no request can hurt another, every answer keeps the
// rules) at the simulator's level, each named after the finding it pins.
// The abuse suite (internal/server/abuse_test.go) sends the same attacks
// through the real http.Server.

// TestCaseVariantKeysAreUnknown: encoding/json matched "Items" to the
// items field, so a booking with 50,000 items under "Items" passed the
// spec (an unknown key) and was then stored with every one of them,
// freezing the server. A key that differs from a field only in case is an
// unknown key, ignored like any other.
func TestCaseVariantKeysAreUnknown(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	// The variants come after the real keys: encoding/json let the last
	// of "items" and "Items" win.
	b, err := json.Marshal(booking(t, 113, nil))
	if err != nil {
		t.Fatal(err)
	}
	many := strings.TrimSuffix(strings.Repeat(`{"itemNumber":1,"trackingReference":"","weight":1},`, 50), ",")
	body := string(b[:len(b)-1]) + `,"Items":[` + many + `],"SHIPMENTID":"case-variant-id",` +
		`"Parties":[{"type":"consignee"}],"ShopId":"17"}`
	resp := e.book(token, body)
	if n := len(resp["items"].([]any)); n != 1 {
		t.Errorf("booked %d items, want the 1 under \"items\"", n)
	}
	if id := resp["shipmentId"].(string); id == "case-variant-id" {
		t.Errorf("shipmentId = %q, taken from SHIPMENTID", id)
	}
	if n := len(resp["parties"].([]any)); n != 3 { // consignee, consignor, the point
		t.Errorf("answer has %d parties, want the request's 2 and the service point", n)
	}

	// Without the real key, the case variant does not stand in for it.
	r := e.do("POST", pathBooking, token, booking(t, 113, func(b map[string]any) { b["Items"] = b["items"]; delete(b, "items") }))
	if r.Status != 400 || !strings.Contains(string(r.Body), `"items"`) {
		t.Errorf("booking with only \"Items\" = %d %s, want 400 naming items", r.Status, r.Body)
	}

	// The control plane is closed: a case variant is refused, not ignored.
	before := e.do("GET", "/__sim/clock", "", nil).Body
	r = e.do("POST", "/__sim/clock", "", `{"Advance":"1h","set":"2026-06-16T11:00:00+02:00"}`)
	if r.Status != 400 || r.errorKey(t) != "invalid.request" {
		t.Errorf("clock with a case-variant key = %d %s, want 400 invalid.request", r.Status, r.Body)
	}
	if after := e.do("GET", "/__sim/clock", "", nil).Body; string(after) != string(before) {
		t.Errorf("the clock moved from %s to %s", before, after)
	}
}

// TestDuplicateKeysLastWins: the spec validates the last of a key sent
// twice (as encoding/json's map did), so decoding takes the last one too:
// otherwise a first "items" of 50,000 would be stored past the check of
// the second.
func TestDuplicateKeysLastWins(t *testing.T) {
	e := newEnv(t)
	b, err := json.Marshal(booking(t, 113, nil))
	if err != nil {
		t.Fatal(err)
	}
	many := `"items":[` + strings.Repeat(`{"itemNumber":1,"trackingReference":"","weight":1},`, 11)
	many = strings.TrimSuffix(many, ",") + "],"
	body := "{" + many + string(b[1:])
	r := e.do("POST", pathBooking, e.demo(), body)
	if r.Status != 200 {
		t.Fatalf("= %d %s", r.Status, r.Body)
	}
	if n := len(r.json(t)["items"].([]any)); n != 1 {
		t.Errorf("booked %d items, want the last \"items\" (1)", n)
	}
}

// journalEntry is an entry of GET /__sim/requests as the agreed shape has it.
type journalEntry struct {
	Seq          int64
	Method       string
	Path         string
	Operation    string
	Status       int
	ClientID     string
	Fault        string
	ErrorKey     string
	ErrorFields  []string
	RequestBody  json.RawMessage
	ResponseBody json.RawMessage
}

func (e *env) entries(query string) ([]journalEntry, []byte) {
	e.t.Helper()
	r := e.do("GET", "/__sim/requests"+query, "", nil)
	var got struct{ Requests []journalEntry }
	if err := json.Unmarshal(r.Body, &got); err != nil {
		e.t.Fatalf("journal: %v: %s", err, r.Body)
	}
	return got.Requests, r.Body
}

// TestUnknownControlInputsChangeNothing (finding 4): POST
// /__sim/reset?clientid=demo (a lower-case d) ignored the unknown
// parameter and reset every client and the clock. An unknown query
// parameter or body key, or a body sent where none is taken, is now a 400
// that changes nothing and does not repeat the name that was sent.
func TestUnknownControlInputsChangeNothing(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	e.book(token, booking(t, 113, nil))
	e.advance("1h")
	before := e.state()
	const marker = "clientidmarker"
	for _, tc := range []struct{ name, method, path, body string }{
		{"reset, misspelt parameter", "POST", "/__sim/reset?" + marker + "=demo", ""},
		{"reset, lower-case d", "POST", "/__sim/reset?clientid=demo", ""},
		{"reset, parameter in a body", "POST", "/__sim/reset", `{"clientId":"demo"}`},
		{"state", "GET", "/__sim/state?" + marker + "=x", ""},
		{"requests", "GET", "/__sim/requests?limt=1&" + marker + "=1", ""},
		{"clock, unknown key", "POST", "/__sim/clock", `{"advance":"1h","` + marker + `":1}`},
		{"clock, query", "POST", "/__sim/clock?" + marker + "=1", `{"advance":"1h"}`},
		{"dropoff, unknown key", "POST", "/__sim/dropoffs", `{"code":"T-AAAAA","servicePointId":"49003","` + marker + `":true}`},
		{"fault, case variant", "POST", "/__sim/faults", `{"Operation":"*","operation":"*","fault":"503"}`},
		{"clear faults, query", "DELETE", "/__sim/faults?" + marker + "=1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, "", body)
			if r.Status != 400 || r.errorKey(t) != "invalid.request" {
				t.Errorf("= %d %s, want 400 invalid.request", r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), marker) {
				t.Errorf("the answer repeats the name sent: %s", r.Body)
			}
		})
	}
	if after := e.state(); after != before {
		t.Errorf("state changed:\n%s\n%s", before, after)
	}
	if r := e.do("GET", "/__sim/faults", "", nil); !strings.Contains(string(r.Body), `"rules":[]`) {
		t.Errorf("a fault rule was added: %s", r.Body)
	}
	// Health probes and the served specs are not the control plane: a
	// cache-busting or probe parameter is no reason to fail them.
	for _, path := range []string{"/healthz?probe=1", "/readyz?x", "/openapi.yaml?v=2"} {
		if r := e.do("GET", path, "", nil); r.Status != 200 {
			t.Errorf("GET %s = %d %s", path, r.Status, r.Body)
		}
	}
	// The names the spec lists still work.
	if r := e.do("POST", "/__sim/reset?clientId=demo", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"removedOrders":1`) {
		t.Errorf("reset?clientId=demo = %d %s", r.Status, r.Body)
	}
}

// TestControlPlaneTakesJSONWhateverContentType: curl -d sends
// application/x-www-form-urlencoded; the control plane read it as 415.
// The carrier API keeps its 415.
func TestControlPlaneTakesJSONWhateverContentType(t *testing.T) {
	e := newEnv(t)
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if r := e.do("POST", "/__sim/clock", "", `{"advance":"1h"}`, form...); r.Status != 200 {
		t.Errorf("clock with a form type = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/__sim/faults", "", `{"operation":"fetchTracking","fault":"503","times":1}`, "Content-Type", "text/plain"); r.Status != 201 {
		t.Errorf("fault with text/plain = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", pathToken, "", `{}`, form...); r.Status != 415 || r.errorKey(t) != "unsupported.media.type" {
		t.Errorf("carrier API with a form type = %d %s, want 415", r.Status, r.Body)
	}
}

// TestAdvanceInDays: advance takes days ("1d", "2d3h"), and a bad value
// gets a message a person can read, not a regular expression.
func TestAdvanceInDays(t *testing.T) {
	e := newEnv(t)
	now := func() time.Time {
		var c struct{ Now time.Time }
		if err := json.Unmarshal(e.do("GET", "/__sim/clock", "", nil).Body, &c); err != nil {
			t.Fatal(err)
		}
		return c.Now
	}
	start := now()
	e.advance("1d")
	e.advance("2d3h")
	e.advance("90m")
	if got, want := now().Sub(start), 24*time.Hour+51*time.Hour+90*time.Minute; got != want {
		t.Errorf("advanced %s, want %s", got, want)
	}
	for _, bad := range []string{"1.5d", "d", "-1h", "1d-1h", "2 days", "1h2d", "", "36501d"} {
		r := e.do("POST", "/__sim/clock", "", map[string]string{"advance": bad})
		if r.Status != 400 || r.errorKey(t) != "clock.invalid" {
			t.Errorf("advance %q = %d %s, want 400 clock.invalid", bad, r.Status, r.Body)
			continue
		}
		if msg := string(r.Body); strings.Contains(msg, "^") || strings.Contains(msg, "regular expression") {
			t.Errorf("advance %q: the message is not for people: %s", bad, msg)
		}
	}
}

// TestSetClockToNow (finding 7): setting a running clock to the current
// instant, as read from the clock or sent to the second, answered
// clock.backwards. It is taken as now; a second more is still backwards.
func TestSetClockToNow(t *testing.T) {
	e, tick, _ := newRunningEnv(t)
	tick(400 * time.Millisecond)
	read := e.do("GET", "/__sim/clock", "", nil).json(t)["now"].(string)
	tick(300 * time.Millisecond)
	for _, set := range []string{read, "2026-11-25T12:00:00Z"} {
		if r := e.do("POST", "/__sim/clock", "", map[string]string{"set": set}); r.Status != 200 {
			t.Errorf("set %s (now) = %d %s", set, r.Status, r.Body)
		}
	}
	if r := e.do("POST", "/__sim/clock", "", map[string]string{"set": "2026-11-25T11:59:58Z"}); r.Status != 400 || r.errorKey(t) != "clock.backwards" {
		t.Errorf("set 2 s back = %d %s, want 400 clock.backwards", r.Status, r.Body)
	}
}

// TestNoAnswerRepeatsSubmittedValue (finding 5): 405 repeated the method
// (a 5,000-character method came back), and messages repeated shopId,
// transportSolutionId and zipCode.
func TestNoAnswerRepeatsSubmittedValue(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	long := "X" + strings.Repeat("METHODMARKER", 400)
	for _, tc := range []struct {
		name, method, path, body, marker string
		status                           int
	}{
		{"405 method", long, pathBooking, "", "METHODMARKER", 405},
		{"405 control method", long, "/__sim/clock", "", "METHODMARKER", 405},
		{"shopId", "POST", pathSingle, `{"shopId":987651,"transportSolutionId":23,"address":"Eksempelveien 12","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`, "987651", 403},
		{"shopId in a booking", "POST", pathBooking, jsonString(booking(t, 113, func(b map[string]any) { b["shopId"] = 987652 })), "987652", 403},
		{"transportSolutionId", "POST", pathSingle, `{"shopId":16,"transportSolutionId":987653,"address":"Eksempelveien 12","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`, "987653", 400},
		{"transportSolutionId of nearby", "POST", pathNearby, `{"shopId":16,"transportSolutionId":987654,"address":"Eksempelveien 12","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`, "987654", 400},
		{"transportSolutionId of a booking", "POST", pathBooking, jsonString(booking(t, 987655, nil)), "987655", 400},
		{"uncovered zipCode", "POST", pathSingle, `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"9170","postalName":"x","countryCode":"NO"}`, "9170", 400},
		{"uncovered zipCode of dates", "POST", pathDates, `{"shopId":16,"freightProductId":26,"address":"x","zipCode":"9170","postalName":"x","countryCode":"NO"}`, "9170", 400},
		{"uncovered consignor", "POST", pathBooking, jsonString(booking(t, 23, func(b map[string]any) { party(b, 1)["zipCode"] = "9170" })), "9170", 400},
		{"unknown zipCode", "POST", pathSingle, `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"0009","postalName":"x","countryCode":"NO"}`, "0009", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, token, body)
			if r.Status != tc.status {
				t.Errorf("= %d %s, want %d", r.Status, r.Body, tc.status)
			}
			if strings.Contains(string(r.Body), tc.marker) {
				t.Errorf("the answer repeats %q: %s", tc.marker, r.Body)
			}
		})
	}
}

// TestMethodNotAllowedNamesAllowed (issue 15): a 405 names the methods the
// path takes, in its message and an Allow header.
func TestMethodNotAllowedNamesAllowed(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"GET", pathBooking, "POST"},
		{"PUT", "/__sim/faults", "DELETE, GET, POST"},
		{"DELETE", "/__sim/clock/", "GET, POST"},
	} {
		r := e.do(tc.method, tc.path, "", nil)
		if r.Status != 405 || r.errorKey(t) != "method.not.allowed" || r.Header.Get("Allow") != tc.allow ||
			!strings.Contains(r.json(t)["message"].(string), tc.allow) {
			t.Errorf("%s %s = %d Allow %q %s, want 405 allowing %s", tc.method, tc.path, r.Status, r.Header.Get("Allow"), r.Body, tc.allow)
		}
	}
}

// TestNotFoundNamesNearestPath (issue 15): a 404 names the nearest path of
// the specs, and never the path that was sent.
func TestNotFoundNamesNearestPath(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ method, path, want string }{
		{"POST", "/parcels/v1/servicepoints/nearby", "did you mean /parcels/v1/service-points/nearby (POST)?"},
		{"POST", "/parcels/v2/bookings", "did you mean /parcels/v1/bookings (POST)?"},
		{"POST", "/Parcels/V1/Bookings", "did you mean /parcels/v1/bookings (POST)?"},
		{"GET", "/parcels/v1/tracking/fetch/T-NXXW9", "did you mean /parcels/v1/tracking/fetch/{identifier}/{locale}/{onlyLastEvent} (GET)?"},
		{"GET", "/__sim/clocks", "did you mean /__sim/clock (GET, POST)?"},
		{"POST", "/auth/oauth2/token", "did you mean /auth/oauth2/v1/token (POST)?"},
		{"GET", "/zzzqqqxxx", "no such path; the carrier API is described at /openapi.yaml"},
		{"GET", "/", "no such path; the carrier API is described at /openapi.yaml"},
		{"GET", "/" + strings.Repeat("a/", 200), "no such path; the carrier API is described at /openapi.yaml"},
	} {
		r := e.do(tc.method, tc.path, "", nil)
		msg, _ := r.json(t)["message"].(string)
		if r.Status != 404 || r.errorKey(t) != "not.found" || !strings.Contains(msg, tc.want) {
			t.Errorf("%s %s = %d %s, want 404 saying %q", tc.method, tc.path, r.Status, r.Body, tc.want)
		}
		if len(tc.path) > 1 && strings.Contains(msg, tc.path) {
			t.Errorf("%s: the message repeats the path: %s", tc.path, msg)
		}
	}
}

// TestFaultHeaderNeedsAdminToken (finding 6): with an admin token, any
// caller could still ask for a fault with X-Sim-Fault (a 5-minute latency
// on the token call). Now the header needs the admin token, in
// X-Sim-Admin-Token, exactly as /__sim/ does, and without it no fault
// applies.
func TestFaultHeaderNeedsAdminToken(t *testing.T) {
	const admin = "adm1n-t0ken"
	e := newEnv(t, func(o *sim.Options) { o.AdminToken = admin })
	token := e.demo()
	body := `{"shopId":16,"transportSolutionId":23,"address":"Eksempelveien 12","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`
	for _, tc := range []struct {
		name   string
		hdr    []string
		status int
		key    string
	}{
		{"no admin token", []string{"X-Sim-Fault", "503"}, 401, "authentication.missing"},
		{"wrong admin token", []string{"X-Sim-Fault", "503", "X-Sim-Admin-Token", "guess"}, 401, "authentication.invalid"},
		{"admin token as the carrier's bearer is not it", []string{"X-Sim-Fault", "503", "Authorization", "Bearer " + admin}, 401, "authentication.missing"},
		{"admin token", []string{"X-Sim-Fault", "503", "X-Sim-Admin-Token", admin}, 503, "service.unavailable"},
		{"no fault, no admin token needed", []string{"X-Sim-Admin-Token", "guess"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", pathSingle, token, body, tc.hdr...)
			if r.Status != tc.status || (tc.key != "" && r.errorKey(t) != tc.key) {
				t.Errorf("= %d %s, want %d %s", r.Status, r.Body, tc.status, tc.key)
			}
			if strings.Contains(string(r.Body), admin) {
				t.Errorf("the answer shows the admin token: %s", r.Body)
			}
		})
	}
	// The token call is faulted the same way: no latency without the token.
	// The client gives up after 10 s (its context ends the fault's sleep),
	// so a regression fails in seconds, not after the 5-minute fault.
	const patience = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", pathToken,
		strings.NewReader(`{"client_id":"demo","client_secret":"demo-secret","grant_type":"client_credentials"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sim-Fault", "latency=5m")
	start := time.Now()
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if took := time.Since(start); rec.Code != 401 || took >= patience {
		t.Errorf("token call with a latency fault and no admin token = %d %s after %s, want 401 at once", rec.Code, rec.Body, took)
	}
	// The control plane takes X-Sim-Admin-Token too.
	if r := e.do("GET", "/__sim/clock", "", nil, "X-Sim-Admin-Token", admin); r.Status != 200 {
		t.Errorf("control plane with X-Sim-Admin-Token = %d %s", r.Status, r.Body)
	}
}

// TestFaultRuleLimit (finding 6): fault rules were unlimited (100,000
// rules took coverage p50 from 0.33 to 2.21 ms); past MaxFaultRules a
// rule is refused with 400 fault.limit.reached.
func TestFaultRuleLimit(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.MaxFaultRules = 3 })
	rule := `{"operation":"fetchTracking","fault":"503"}`
	for i := range 3 {
		if r := e.do("POST", "/__sim/faults", "", rule); r.Status != 201 {
			t.Fatalf("rule %d = %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := e.do("POST", "/__sim/faults", "", rule); r.Status != 400 || r.errorKey(t) != "fault.limit.reached" {
		t.Errorf("4th rule = %d %s, want 400 fault.limit.reached", r.Status, r.Body)
	}
	e.do("DELETE", "/__sim/faults", "", nil)
	if r := e.do("POST", "/__sim/faults", "", rule); r.Status != 201 {
		t.Errorf("rule after clearing = %d %s", r.Status, r.Body)
	}
}

// TestPathTooLong (finding 2): 65 KB paths went into the journal whole.
// A path longer than MaxPath gets 414 uri.too.long in the error shape,
// and the journal keeps at most 2 KiB of any path.
func TestPathTooLong(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.MaxPath = 8 << 10 })
	long := "/parcels/v1/tracking/fetch/" + strings.Repeat("é", 4<<10) + "/NO/false"
	r := e.do("GET", long, "", nil)
	if r.Status != 414 || r.errorKey(t) != "uri.too.long" {
		t.Errorf("%d-byte path = %d %s, want 414 uri.too.long", len(long), r.Status, r.Body)
	}
	kept := strings.Repeat("a", 3<<10)
	e.do("GET", "/"+kept, "", nil)
	got, _ := e.entries("?limit=2")
	if len(got) != 2 || got[1].Status != 414 || got[0].Status != 404 {
		t.Fatalf("journal = %+v, want the 404 and the 414", got)
	}
	for _, en := range got {
		if len(en.Path) > 2<<10 || !strings.HasSuffix(en.Path, "…") || !utf8.ValidString(en.Path) {
			t.Errorf("journaled path of %d bytes, want at most 2 KiB, cut on a character and marked", len(en.Path))
		}
	}
}

// TestJournalBoundedByBytes (finding 2): 3,000 calls with 65 KB paths
// took RSS from 19 to 150 MiB and GET /__sim/requests answered 65 MB. The
// journal is bounded by bytes as well as entries.
func TestJournalBoundedByBytes(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.JournalBytes = sim.JournalBytesMin; o.MaxPath = sim.MaxPathMax })
	// Each entry keeps 2 KiB of the path, however long, so about 30 fit
	// in the bound; 100 calls overflow it three times over and stay far
	// under the entry limit. (300 calls with 30 KB paths took 15 s under
	// -race, the router reading every byte.)
	path := "/parcels/v1/tracking/fetch/" + strings.Repeat("x", 8<<10) + "/NO/false"
	const calls = 100
	for range calls {
		e.do("GET", path, "", nil)
	}
	got, body := e.entries("")
	if len(got) == 0 || len(got) >= calls/2 {
		t.Errorf("%d entries kept of %d, want the bytes bound to keep under half", len(got), calls)
	}
	if len(body) > sim.JournalBytesMin {
		t.Errorf("the journal answered %d bytes, over its %d-byte bound", len(body), sim.JournalBytesMin)
	}
	if got[0].Seq != calls { // GET /__sim/requests is not journaled
		t.Errorf("newest seq = %d, want %d", got[0].Seq, calls)
	}
}

// TestJournalExplains (issue 15): each entry says which operation, which
// errorKey, which fields of the errorMap (names, never values), which
// fault; unrouted requests are journaled without an operation.
func TestJournalExplains(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	e.do("POST", pathBooking, token, booking(t, 113, func(b map[string]any) {
		party(b, 0)["zipCode"] = "Secret Street 1"
		item(b, 0)["weight"] = "heavy"
	}))
	e.do("POST", pathSingle, token, `{"shopId":16,"transportSolutionId":23,"address":"Eksempelveien 12","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`, "X-Sim-Fault", "503")
	e.do("POST", "/parcels/v1/servicepoints/nearby", token, `{}`)
	e.do("GET", "/parcels/v1/tracking/fetch/T-AAAAA/NO/false", token, nil)
	got, body := e.entries("?limit=4")
	want := []journalEntry{
		{Method: "GET", Path: "/parcels/v1/tracking/fetch/T-AAAAA/NO/false", Operation: "fetchTracking", Status: 404, ClientID: "demo", ErrorKey: "cannot.find.order"},
		{Method: "POST", Path: "/parcels/v1/servicepoints/nearby", Status: 404, ErrorKey: "not.found"},
		{Method: "POST", Path: pathSingle, Operation: "findSingleAddress", Status: 503, ClientID: "demo", Fault: "header: 503", ErrorKey: "service.unavailable"},
		{Method: "POST", Path: pathBooking, Operation: "createBooking", Status: 400, ClientID: "demo", ErrorKey: "invalid.request",
			ErrorFields: []string{"items[0].weight", "parties[0].zipCode"}},
	}
	for i := range got {
		got[i].Seq = 0
	}
	assertDiff(t, "journal", want, got)
	if strings.Contains(string(body), "Secret Street") || strings.Contains(string(body), "requestBody") {
		t.Errorf("the journal holds a body without -journal-bodies: %s", body)
	}
}

// TestJournalBodiesRedacted (issue 15): with JournalBodies, entries carry
// the request and response bodies with personal data and secrets
// redacted; what explains an answer (zipCode, ids) stays.
func TestJournalBodiesRedacted(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.JournalBodies = true })
	token := e.demo()
	e.book(token, booking(t, 113, nil))
	e.do("POST", pathSingle, token, `not json Kari Nordmann`)
	got, raw := e.entries("?limit=3")
	body := string(raw)
	for _, leak := range []string{"demo-secret", token, "Kristian Voie Danielsen", "Test shop", "47 980 50 370", "12345678",
		"test@gmail.com", "Vækerøveien", "Herslebsgate 2F", "consignee_reference", "contact2", "hello car", "hello con", "Kari Nordmann"} {
		if strings.Contains(body, leak) {
			t.Errorf("the journal holds %q", leak)
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d entries", len(got))
	}
	if s := string(got[0].RequestBody); s != `"<22 bytes, not JSON>"` {
		t.Errorf("a body that is not JSON = %s", s)
	}
	booked := string(got[1].RequestBody)
	for _, kept := range []string{`"zipCode":"0751"`, `"name":"<redacted>"`, `"coaddress":null`, `"coaddress":""`, `"transportSolutionId":113`} {
		if !strings.Contains(booked, kept) {
			t.Errorf("booking request %s lacks %s", booked, kept)
		}
	}
	if !strings.Contains(string(got[1].ResponseBody), `"returnCode":"T-`) {
		t.Errorf("booking answer %s lacks its returnCode", got[1].ResponseBody)
	}
	if s := string(got[2].ResponseBody); !strings.Contains(s, `"token":"<redacted>"`) {
		t.Errorf("token answer = %s", s)
	}
	if s := string(got[2].RequestBody); !strings.Contains(s, `"client_secret":"<redacted>"`) {
		t.Errorf("token request = %s", s)
	}
}

// TestAccessLogCarriesErrorKey (issue 15): the access log names the
// errorKey of an error answer (it never did, even at debug).
func TestAccessLogCarriesErrorKey(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, func(o *sim.Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	e.do("POST", pathSingle, e.demo(), `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"9170","postalName":"x","countryCode":"NO"}`)
	if !strings.Contains(logs.String(), "status=400") || !strings.Contains(logs.String(), "errorKey=no.carrier.support") {
		t.Errorf("access log lacks the errorKey:\n%s", logs.String())
	}
}

// TestConflictSameForEveryHolder (finding 5): a 409 for a supplied
// trackingReference or shipmentId is the same answer whichever client
// holds it, so it never tells one client about another.
func TestConflictSameForEveryHolder(t *testing.T) {
	e := newEnv(t)
	demo := e.demo()
	other := e.token("your-client-id", "your-secret")
	const sscc = "370724760000000017"
	own := booking(t, 113, func(b map[string]any) { item(b, 0)["trackingReference"] = sscc; b["shipmentId"] = "SHIP-1" })
	e.book(demo, own)
	again := booking(t, 113, func(b map[string]any) { item(b, 0)["trackingReference"] = sscc })
	mine := e.do("POST", pathBooking, demo, again)
	theirs := e.do("POST", pathBooking, other, again)
	if mine.Status != 409 || string(mine.Body) != string(theirs.Body) || theirs.Status != mine.Status {
		t.Errorf("trackingReference held: own %d %s, other client %d %s; want the same 409", mine.Status, mine.Body, theirs.Status, theirs.Body)
	}
	diff := booking(t, 113, func(b map[string]any) { b["shipmentId"] = "SHIP-1"; item(b, 0)["contents"] = "other" })
	mine, theirs = e.do("POST", pathBooking, demo, diff), e.do("POST", pathBooking, other, diff)
	if mine.Status != 409 || string(mine.Body) != string(theirs.Body) {
		t.Errorf("shipmentId held: own %d %s, other client %d %s; want the same 409", mine.Status, mine.Body, theirs.Status, theirs.Body)
	}
}

// TestJournalBodyOfNull: a request body of JSON null was journaled as
// requestBody null, which the journal's own schema refused (strict
// responses answered the journal 500).
func TestJournalBodyOfNull(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.JournalBodies = true })
	e.do("POST", pathSingle, e.demo(), "null")
	if r := e.do("GET", "/__sim/requests?limit=1", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"requestBody":null`) {
		t.Errorf("journal = %d %s", r.Status, r.Body)
	}
}

// TestJournalKeepsClientsStreetName (a client's streetName kept in the
// journal): streetName and visitingAddress are marked x-personal false on
// service points' answers, and that mark kept them in the journal when a
// client added them to its own party in a booking.
func TestJournalKeepsClientsStreetName(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.JournalBodies = true })
	tok := e.sampleToken()
	b := booking(t, 2, func(b map[string]any) {
		p := b["parties"].([]any)[0].(map[string]any)
		p["streetName"], p["visitingAddress"] = "Kari Street 9", "Karis hus 3"
	})
	if r := e.do("POST", "/parcels/v1/bookings", tok, b); r.Status != 200 {
		t.Fatalf("booking with a party's own streetName = %d %s", r.Status, r.Body)
	}
	journal := e.do("GET", "/__sim/requests", "", nil)
	if !bytes.Contains(journal.Body, []byte(`"requestBody":{`)) {
		t.Fatalf("the journal kept no request body: %.300s", journal.Body)
	}
	for _, v := range []string{"Kari Street 9", "Karis hus 3"} {
		if bytes.Contains(journal.Body, []byte(v)) {
			t.Errorf("the journal holds the client's %q", v)
		}
	}
}
