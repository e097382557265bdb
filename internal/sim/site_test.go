package sim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/internal/testtool"
)

// TestCrossSiteSimpleRequestMovedTheClock: without an admin token, a page
// on another origin sent "simple" requests, which need no CORS preflight
// (fetch(url, {method: 'POST', mode: 'no-cors', body: '{"advance":"30d"}'})),
// and moved the clock and added a 503 rule through a developer's browser;
// and a page on a name resolved to the mock (DNS rebinding) could read
// /__sim/state. The control plane refuses both now; tools that send no
// Origin or Sec-Fetch-Site are not affected.
func TestCrossSiteSimpleRequestMovedTheClock(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.AllowedHosts = []string{"example.com", "mock.internal"} })
	host := "example.com" // httptest.NewRequest's
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		key                      string
	}{
		{"a clock move from another origin", "POST", "/__sim/clock", `{"advance":"30d"}`, []string{"Content-Type", "text/plain", "Origin", "http://evil.example"}, 403, errorkey.CrossSiteRequest},
		{"a fault rule from another origin", "POST", "/__sim/faults", `{"operation":"*","fault":"503"}`, []string{"Content-Type", "text/plain", "Origin", "http://evil.example"}, 403, errorkey.CrossSiteRequest},
		{"another port of the same host", "POST", "/__sim/reset", "", []string{"Origin", "http://" + host + ":3000"}, 403, errorkey.CrossSiteRequest},
		{"Origin null", "POST", "/__sim/clock", `{"advance":"1h"}`, []string{"Origin", "null"}, 403, errorkey.CrossSiteRequest},
		{"cross-site by Sec-Fetch-Site", "POST", "/__sim/clock", `{"advance":"1h"}`, []string{"Sec-Fetch-Site", "cross-site"}, 403, errorkey.CrossSiteRequest},
		{"same-site by Sec-Fetch-Site", "DELETE", "/__sim/faults", "", []string{"Sec-Fetch-Site", "same-site"}, 403, errorkey.CrossSiteRequest},
		{"a cross-site read of the state", "GET", "/__sim/state", "", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "cors"}, 403, errorkey.CrossSiteRequest},
		{"a cross-site navigation to the state", "GET", "/__sim/state", "", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate"}, 403, errorkey.CrossSiteRequest},
		{"a cross-site dashboard form", "POST", "/__sim/ui/clock", "advance=1h", []string{"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Origin", "http://evil.example"}, 403, errorkey.CrossSiteRequest},
		{"DNS rebinding", "GET", "/__sim/state", "", []string{"Host", "rebind.evil.example:8080", "Origin", "http://rebind.evil.example:8080", "Sec-Fetch-Site", "same-origin"}, 403, errorkey.HostNotAllowed},
		{"DNS rebinding, a simple GET", "GET", "/__sim/requests", "", []string{"Host", "rebind.evil.example"}, 403, errorkey.HostNotAllowed},

		{"a tool (curl, Go)", "POST", "/__sim/clock", `{"advance":"1h"}`, nil, 200, ""},
		{"the dashboard's own origin", "GET", "/__sim/state", "", []string{"Origin", "http://" + host, "Sec-Fetch-Site", "same-origin"}, 200, ""},
		{"a typed address", "GET", "/__sim/state", "", []string{"Sec-Fetch-Site", "none"}, 200, ""},
		{"a link to the dashboard from elsewhere", "GET", "/__sim/ui", "", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate"}, 200, ""},
		{"an allowed host", "GET", "/__sim/state", "", []string{"Host", "mock.internal:8080"}, 200, ""},
		{"localhost", "GET", "/__sim/state", "", []string{"Host", "localhost:8080"}, 200, ""},
		{"an IPv6 address", "GET", "/__sim/state", "", []string{"Host", "[::1]:8080"}, 200, ""},
		{"the carrier API from another site", "POST", "/auth/oauth2/v1/token", `{"client_id":"demo","client_secret":"demo-secret","grant_type":"client_credentials"}`, []string{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site", "Host", "rebind.evil.example"}, 200, ""},
		{"health from anywhere", "GET", "/healthz", "", []string{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site", "Host", "rebind.evil.example"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state() + string(e.do("GET", "/__sim/clock", "", nil).Body) + string(e.do("GET", "/__sim/faults", "", nil).Body)
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				if tc.hdr[i] == "Host" {
					req.Host = tc.hdr[i+1]
				} else {
					req.Header.Set(tc.hdr[i], tc.hdr[i+1])
				}
			}
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			r := reply{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
			if r.Status != tc.status || (tc.key != "" && r.errorKey(t) != tc.key) {
				t.Errorf("%d %.300s, want %d %s", r.Status, r.Body, tc.status, tc.key)
			}
			if tc.status == 403 {
				assertDiff(t, "state, clock and faults", before, e.state()+string(e.do("GET", "/__sim/clock", "", nil).Body)+string(e.do("GET", "/__sim/faults", "", nil).Body))
			}
		})
	}
}

// TestCrossSiteRequestsInChromium: the attack of
// TestCrossSiteSimpleRequestMovedTheClock made by a real browser, whose
// Origin and Sec-Fetch-Site headers are what the mock goes by: a page on
// another origin tries to move the clock, add a fault rule and read the
// state of a mock without an admin token.
func TestCrossSiteRequestsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	e := newEnv(t)
	srv := httptest.NewServer(e.srv)
	defer srv.Close()
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<p id="leak">nothing</p><script>
const mock = %q;
Promise.allSettled([
  fetch(mock + "/__sim/clock", {method: "POST", mode: "no-cors", body: '{"advance":"30d"}'}),
  fetch(mock + "/__sim/faults", {method: "POST", mode: "no-cors", body: '{"operation":"*","fault":"503"}'}),
  fetch(mock + "/__sim/state").then(r => r.text()).then(t => { document.getElementById("leak").textContent = t; }),
]).then(() => { document.title = "done"; });
</script>`, srv.URL)
	}))
	defer evil.Close()
	before := string(e.do("GET", "/__sim/clock", "", nil).Body) + string(e.do("GET", "/__sim/faults", "", nil).Body)

	ctx, cancel := context.WithTimeout(testtool.Browser(t, 2*time.Minute), time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(evil.URL)); err != nil {
		t.Fatal(err)
	}
	for {
		title, err := chromedp.Run(ctx, chromedp.Title())
		if err != nil {
			t.Fatalf("the page's requests did not finish: %v", err)
		}
		if title == "done" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	leak, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#leak")))
	if err != nil || leak != "nothing" {
		t.Errorf("the other site read %q (%v)", leak, err)
	}
	assertDiff(t, "clock and faults after the other site's requests", before,
		string(e.do("GET", "/__sim/clock", "", nil).Body)+string(e.do("GET", "/__sim/faults", "", nil).Body))
}
