package sim_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// The dashboard over plain HTTP; ui_browser_test.go drives it in chromium.

const origin = "http://example.com" // httptest.NewRequest's host

// form posts a dashboard form from the dashboard's own origin.
func (e *env) form(path string, values url.Values, hdr ...string) reply {
	e.t.Helper()
	return e.do("POST", path, "", values.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded", "Origin", origin}, hdr...)...)
}

func TestUIRoutes(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/__sim", "/__sim/"} {
		if r := e.do("GET", path, "", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/__sim/ui" {
			t.Errorf("GET %s: %d, Location %q; want 303 to /__sim/ui", path, r.Status, r.Header.Get("Location"))
		}
	}
	r := e.do("GET", "/__sim/ui", "", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /__sim/ui: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(string(r.Body), "<script") {
		t.Error("the dashboard has a script")
	}
	// Without an admin token, the login form leads to the dashboard.
	if r := e.do("GET", "/__sim/ui/login", "", nil); r.Status != http.StatusSeeOther {
		t.Errorf("GET /__sim/ui/login without an admin token: %d", r.Status)
	}
}

func TestUIActions(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	b := e.book(token, booking(t, 23, nil))
	page := func() string { return string(e.do("GET", "/__sim/ui", "", nil).Body) }
	if p := page(); !strings.Contains(p, "WAITING_FOR_PACKAGE") || !strings.Contains(p, firstItem(b)["returnCode"].(string)) {
		t.Fatalf("the dashboard does not show the booking:\n%s", p)
	}

	if r := e.form("/__sim/ui/clock", url.Values{"advance": {"26h"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("advance: %d %s", r.Status, r.Body)
	}
	if p := page(); !strings.Contains(p, "2026-06-17 12:00") || !strings.Contains(p, "PICKED_UP") {
		t.Errorf("after +26h the dashboard shows no pickup:\n%s", p)
	}
	if r := e.form("/__sim/ui/clock", url.Values{"set": {"2026-06-17T13:30"}}); r.Status != http.StatusSeeOther {
		t.Errorf("set as datetime-local: %d %s", r.Status, r.Body)
	}
	if r := e.form("/__sim/ui/clock", url.Values{"set": {"2026-06-01T00:00"}}); r.Status != 400 || !strings.Contains(string(r.Body), "clock.backwards") {
		t.Errorf("set backwards: %d, want the dashboard with 400 clock.backwards:\n%s", r.Status, r.Body)
	}

	if r := e.form("/__sim/ui/faults", url.Values{"operation": {"createBooking"}, "clientId": {""}, "fault": {"503"}, "times": {"1"}, "probability": {""}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add fault: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/parcels/v1/bookings", e.demo(), booking(t, 113, nil)); r.Status != 503 {
		t.Errorf("booking under the fault: %d", r.Status)
	}
	if p := page(); !strings.Contains(p, "503") || !strings.Contains(p, "service.unavailable") || !strings.Contains(p, "rule-1: 503") {
		t.Errorf("the dashboard does not show the failed request:\n%s", p)
	}
	if r := e.form("/__sim/ui/faults", url.Values{"operation": {"createBooking"}, "fault": {"418"}}); r.Status != 400 || !strings.Contains(string(r.Body), "invalid.fault") {
		t.Errorf("a bad fault: %d, want the dashboard with 400 invalid.fault", r.Status)
	}
	e.form("/__sim/ui/faults", url.Values{"operation": {"*"}, "fault": {"500"}})
	if r := e.form("/__sim/ui/faults/clear", url.Values{}); r.Status != http.StatusSeeOther {
		t.Errorf("clear: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/__sim/faults", "", nil); !strings.Contains(string(r.Body), `"rules":[]`) {
		t.Errorf("after clear: %s", r.Body)
	}
	if r := e.form("/__sim/ui/populate", url.Values{"orders": {"5"}}); r.Status != http.StatusSeeOther {
		t.Errorf("populate: %d %s", r.Status, r.Body)
	}
}

// TestUIEscapes: what clients send is shown escaped.
func TestUIEscapes(t *testing.T) {
	e := newEnv(t)
	hostile := `<script>alert("x")</script>`
	if r := e.do("POST", "/__sim/faults", "", map[string]any{"operation": "*", "clientId": hostile, "fault": "latency=1ms"}); r.Status != 201 {
		t.Fatalf("fault rule: %d %s", r.Status, r.Body)
	}
	p := string(e.do("GET", "/__sim/ui", "", nil).Body)
	if strings.Contains(p, hostile) || !strings.Contains(p, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("the client id is not escaped:\n%s", p)
	}
}

func TestUIRefusals(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"advance": {"1h"}}.Encode()
	ct := "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		hdr    []string
		status int
	}{
		{"no origin", "POST", "/__sim/ui/clock", form, []string{"Content-Type", ct}, 403},
		{"another origin", "POST", "/__sim/ui/clock", form, []string{"Content-Type", ct, "Origin", "http://evil.example"}, 403},
		{"another referer", "POST", "/__sim/ui/clock", form, []string{"Content-Type", ct, "Referer", "http://evil.example/x"}, 403},
		{"origin null", "POST", "/__sim/ui/clock", form, []string{"Content-Type", ct, "Origin", "null"}, 403},
		{"unknown field", "POST", "/__sim/ui/clock", form + "&x=1", []string{"Content-Type", ct, "Origin", origin}, 400},
		{"field twice", "POST", "/__sim/ui/clock", form + "&advance=2h", []string{"Content-Type", ct, "Origin", origin}, 400},
		{"unknown query", "GET", "/__sim/ui?x=1", "", nil, 400},
		{"a query on a form post", "POST", "/__sim/ui/clock?advance=1h", form, []string{"Content-Type", ct, "Origin", origin}, 400},
		{"bad order", "GET", "/__sim/ui?order=abc", "", nil, 400},
		{"GET an action", "GET", "/__sim/ui/clock", "", nil, 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state() + string(e.do("GET", "/__sim/clock", "", nil).Body)
			var body any
			if tc.body != "" {
				body = tc.body
			}
			if r := e.do(tc.method, tc.path, "", body, tc.hdr...); r.Status != tc.status {
				t.Errorf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			assertDiff(t, "state and clock", before, e.state()+string(e.do("GET", "/__sim/clock", "", nil).Body))
		})
	}
	// A JSON body is taken as it is, whatever its Content-Type (curl -d).
	if r := e.do("POST", "/__sim/ui/clock", "", `{"advance":"1h"}`, "Content-Type", ct, "Origin", origin); r.Status != http.StatusSeeOther {
		t.Errorf("a JSON body: %d %s", r.Status, r.Body)
	}
	// The same origin by Referer is enough.
	if r := e.do("POST", "/__sim/ui/clock", "", form, "Content-Type", ct, "Referer", origin+"/__sim/ui"); r.Status != http.StatusSeeOther {
		t.Errorf("with the Referer of the dashboard: %d %s", r.Status, r.Body)
	}
}

// TestUIFormBehindHTTPSProxy (every form refused behind a TLS proxy): the
// dashboard compared the Origin's scheme with the connection's, so behind
// a reverse proxy that ends TLS (Origin https://host, plain HTTP to the
// mock) every form answered 403, while the JSON control plane took the
// same Origin. Both now compare the host only.
func TestUIFormBehindHTTPSProxy(t *testing.T) {
	e := newEnv(t)
	if r := e.form("/__sim/ui/clock", url.Values{"advance": {"1h"}}, "Origin", "https://example.com"); r.Status != http.StatusSeeOther {
		t.Errorf("a form from https://example.com to example.com: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/__sim/clock", "", `{"advance":"1h"}`, "Origin", "https://example.com"); r.Status != 200 {
		t.Errorf("the control plane with the same Origin: %d %s", r.Status, r.Body)
	}
}

// TestUIFaultProbabilityNotANumber (NaN taken as a probability): the fault
// form parsed "NaN" and "Inf" as numbers, which JSON cannot carry; the
// encoding error was dropped and the page said "body: is required". Such
// a value, or one outside 0..1, is refused on its own field and nothing
// is added.
func TestUIFaultProbabilityNotANumber(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"NaN", "nan", "Inf", "+Infinity", "-0.5", "1.5"} {
		r := e.form("/__sim/ui/faults", url.Values{"operation": {"fetchTracking"}, "fault": {"503"}, "probability": {p}})
		if r.Status != 400 || !strings.Contains(string(r.Body), "probability") || strings.Contains(string(r.Body), "is required") {
			t.Errorf("probability %q: %d, want the dashboard with 400 on probability:\n%s", p, r.Status, r.Body)
		}
	}
	if r := e.do("GET", "/__sim/faults", "", nil); !strings.Contains(string(r.Body), `"rules":[]`) {
		t.Errorf("a refused form added a rule: %s", r.Body)
	}
}

// TestUIAdminToken: with an admin token the dashboard wants the session
// cookie of the login form (or the bearer token); the cookie is HttpOnly,
// SameSite=Strict, does not hold the token, and opens only the dashboard.
func TestUIAdminToken(t *testing.T) {
	const secret = "s3cret-admin"
	e := newEnv(t, func(o *sim.Options) { o.AdminToken = secret })
	if r := e.do("GET", "/__sim/ui", "", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/__sim/ui/login" {
		t.Fatalf("GET /__sim/ui without a session: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := e.do("GET", "/__sim/ui/login", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), `name="token"`) {
		t.Fatalf("GET /__sim/ui/login: %d %s", r.Status, r.Body)
	}
	if r := e.form("/__sim/ui/login", url.Values{"token": {"wrong"}}); r.Status != http.StatusForbidden || r.Header.Get("Set-Cookie") != "" {
		t.Errorf("a wrong token: %d, Set-Cookie %q", r.Status, r.Header.Get("Set-Cookie"))
	}
	if r := e.form("/__sim/ui/clock", url.Values{"advance": {"1h"}}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/__sim/ui/login" {
		t.Errorf("an action without a session: %d %q", r.Status, r.Header.Get("Location"))
	}
	r := e.form("/__sim/ui/login", url.Values{"token": {secret}})
	cookie := r.Header.Get("Set-Cookie")
	if r.Status != http.StatusSeeOther || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") || strings.Contains(cookie, secret) {
		t.Fatalf("login: %d, Set-Cookie %q", r.Status, cookie)
	}
	session, _, _ := strings.Cut(cookie, ";")
	if r := e.do("GET", "/__sim/ui", "", nil, "Cookie", session); r.Status != 200 {
		t.Errorf("GET /__sim/ui with the session: %d", r.Status)
	}
	if r := e.do("GET", "/__sim/ui", "", nil, "Authorization", "Bearer "+secret); r.Status != 200 {
		t.Errorf("GET /__sim/ui with the bearer token: %d", r.Status)
	}
	if r := e.form("/__sim/ui/clock", url.Values{"advance": {"1h"}}, "Cookie", session); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/__sim/ui" {
		t.Errorf("an action with the session: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := e.do("POST", "/__sim/clock", "", `{"advance":"1h"}`, "Cookie", session); r.Status != http.StatusUnauthorized {
		t.Errorf("the JSON control plane with the cookie only: %d, want 401", r.Status)
	}
	if r := e.do("GET", "/__sim/ui", "", nil, "Cookie", "mockhelthjem_session="+secret); r.Status != http.StatusSeeOther {
		t.Errorf("the token itself as the cookie: %d, want 303 to the login", r.Status)
	}
	if r := e.form("/__sim/ui/logout", url.Values{}, "Cookie", session); r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d, Set-Cookie %q", r.Status, r.Header.Get("Set-Cookie"))
	}
}

// TestUILabel: the preview is the PNG the labels operation answers the
// order's client; a C2C order has none.
func TestUILabel(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	b2c := e.book(token, booking(t, 2, nil))
	c2c := e.book(token, booking(t, 113, nil))
	id := func(b map[string]any) string { return strconv.FormatInt(int64(b["orderId"].(float64)), 10) }

	r := e.do("GET", "/__sim/ui/label?order="+id(b2c), "", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("the B2C order's label: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	api := e.do("GET", "/parcels/v1/labels/"+url.PathEscape(b2c["shipmentId"].(string))+"/unified-large", token, nil, "Accept", "image/png")
	if api.Status != 200 || !bytes.Equal(api.Body, r.Body) {
		t.Errorf("the preview differs from the labels operation's PNG (%d, %d and %d bytes)", api.Status, len(api.Body), len(r.Body))
	}
	if _, err := png.Decode(bytes.NewReader(r.Body)); err != nil {
		t.Errorf("the preview is no PNG: %v", err)
	}
	for _, tc := range []struct {
		query  string
		status int
		key    string
	}{
		{"order=" + id(c2c), 400, errorkey.LabelNotApplicable},
		{"order=1", 404, errorkey.CannotFindOrder},
		{"", 400, errorkey.InvalidRequest},
		{"order=" + id(b2c) + "&x=1", 400, errorkey.InvalidRequest},
	} {
		if r := e.do("GET", "/__sim/ui/label?"+tc.query, "", nil); r.Status != tc.status || r.errorKey(t) != tc.key {
			t.Errorf("?%s: %d %s, want %d %s", tc.query, r.Status, r.errorKey(t), tc.status, tc.key)
		}
	}
	// The dashboard of the C2C order previews the newest labelled order.
	if p := string(e.do("GET", "/__sim/ui?order="+id(c2c), "", nil).Body); !strings.Contains(p, `src="/__sim/ui/label?order=`+id(b2c)+`"`) {
		t.Errorf("the dashboard does not preview the B2C label:\n%s", p)
	}
	admin := newEnv(t, func(o *sim.Options) { o.AdminToken = "x" })
	if r := admin.do("GET", "/__sim/ui/label?order=1", "", nil); r.Status != http.StatusSeeOther {
		t.Errorf("the preview without a session: %d", r.Status)
	}
}

// TestUISubmittedNamesNotEchoed: an unknown query parameter of /__sim
// (which the closed check, then run only under /__sim/, did not see) and a
// form field given twice came back as errorMap keys, before any
// authentication: `GET /__sim?%3Cimg%20src%3Dx%3E=1` answered
// "errorMap":{"<img src=x>":…}. The errorMap names "query" and "body".
func TestUISubmittedNamesNotEchoed(t *testing.T) {
	const name = "Ola Nordmann 98765432"
	for _, admin := range []string{"", "s3cret-admin"} {
		e := newEnv(t, func(o *sim.Options) { o.AdminToken = admin })
		for _, tc := range []struct {
			name, method, path string
			body               string
			field, marker      string
		}{
			{"a parameter of /__sim", "GET", "/__sim?%3Cimg%20src%3Dx%3E=1", "", "query", "img"},
			{"a parameter of /__sim/", "GET", "/__sim/?%3Cimg%20src%3Dx%3E=1", "", "query", "img"},
			{"a parameter of /__sim/ui", "GET", "/__sim/ui?%3Cimg%20src%3Dx%3E=1", "", "query", "img"},
			{"a parameter of the login form", "GET", "/__sim/ui/login?" + url.QueryEscape(name) + "=1", "", "query", "Nordmann"},
			{"a field of the login form twice", "POST", "/__sim/ui/login", "token=x&" + url.QueryEscape(name) + "=1&" + url.QueryEscape(name) + "=2", "body", "Nordmann"},
			{"a field of the clock form twice", "POST", "/__sim/ui/clock", url.QueryEscape(name) + "=1&" + url.QueryEscape(name) + "=2", "body", "Nordmann"},
		} {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, "", body, "Content-Type", "application/x-www-form-urlencoded", "Origin", origin)
			m := r.json(t)
			fields, _ := m["errorMap"].(map[string]any)
			if r.Status != 400 || m["errorKey"] != errorkey.InvalidRequest || len(fields) != 1 || fields[tc.field] == nil || bytes.Contains(r.Body, []byte(tc.marker)) {
				t.Errorf("admin token %q, %s: %d %s; want 400 invalid.request naming only %q", admin, tc.name, r.Status, r.Body, tc.field)
			}
		}
	}
}

// TestUIRefusedXSimAdminToken: the dashboard checked the admin token
// itself and took it only as a bearer token, while README and
// docs/security.md say that every /__sim/ operation takes either header.
func TestUIRefusedXSimAdminToken(t *testing.T) {
	const secret = "s3cret-admin"
	e := newEnv(t, func(o *sim.Options) { o.AdminToken = secret })
	for _, tc := range []struct {
		name, method, path string
		form               url.Values
		status             int
		location           string
	}{
		{"the dashboard", "GET", "/__sim/ui", nil, 200, ""},
		{"the label preview", "GET", "/__sim/ui/label?order=1", nil, 404, ""},
		{"an action", "POST", "/__sim/ui/clock", url.Values{"advance": {"1h"}}, http.StatusSeeOther, "/__sim/ui"},
	} {
		send := func(token string) reply {
			if tc.form != nil {
				return e.form(tc.path, tc.form, sim.AdminTokenHeader, token)
			}
			return e.do(tc.method, tc.path, "", nil, sim.AdminTokenHeader, token)
		}
		if r := send(secret); r.Status != tc.status || r.Header.Get("Location") != tc.location {
			t.Errorf("%s with %s: %d, Location %q; want %d %q", tc.name, sim.AdminTokenHeader, r.Status, r.Header.Get("Location"), tc.status, tc.location)
		}
		if r := send(secret + "x"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/__sim/ui/login" {
			t.Errorf("%s with a wrong %s: %d %q, want 303 to the login", tc.name, sim.AdminTokenHeader, r.Status, r.Header.Get("Location"))
		}
	}
}
