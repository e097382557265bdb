package sim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/internal/testtool"
)

// screenshot is where -update writes the dashboard's screenshot that the
// README shows.
var screenshot = filepath.Join("..", "..", "docs", "dashboard.png")

// page is a chromium tab on the dashboard.
type page struct {
	t   *testing.T
	ctx context.Context
}

// do runs actions with a time limit.
func (p page) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", step, err)
	}
}

// text is the visible text of the first element sel matches ("" if none
// appears within a few seconds).
func (p page) text(sel string) string {
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	return strings.TrimSpace(s)
}

// waitText waits until the element sel matches shows want (the page may be
// loading after a form post). The page's policy allows no script, so this
// polls from Go rather than in the page.
func (p page) waitText(step, sel, want string) {
	p.t.Helper()
	var got string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = p.text(sel); strings.Contains(got, want) {
			return
		}
	}
	p.t.Fatalf("%s: %s shows %q, want %q", step, sel, got, want)
}

// TestDashboardInChromium drives the dashboard in headless Debian chromium:
// log in with the admin token, book through the API, advance the clock in
// the page and see the parcel picked up, add a fault in the page, make a
// request that it fails, and see that request in the journal. With
// -update it writes docs/dashboard.png.
func TestDashboardInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	const admin = "dashboard-admin-token"
	s, err := sim.New(sim.Options{Seed: 42, Clock: guideClock, StrictResponses: true, AdminToken: admin})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	e := &env{t: t, srv: s}
	bearer := []string{"Authorization", "Bearer " + admin}

	// A demo world to look at, and the parcel this test follows, booked
	// now (the newest order, first in the list).
	if r := e.do("POST", "/__sim/populate", "", `{"orders":40}`, bearer...); r.Status != 200 {
		t.Fatalf("populate: %d %s", r.Status, r.Body)
	}
	b := e.book(e.demo(), booking(t, 23, nil))
	order := fmt.Sprint(int64(b["orderId"].(float64)))
	row := `tr[data-order="` + order + `"]`

	p := page{t: t, ctx: testtool.Browser(t, 3*time.Minute)}
	p.do("open the dashboard",
		chromedp.EmulateViewport(1400, 1000),
		chromedp.Navigate(srv.URL+"/__sim/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=token]`)),
	)
	p.do("log in",
		chromedp.SendKeys(chromedp.CSS(`input[name=token]`), admin),
		chromedp.Click(chromedp.CSS(`.login button[type=submit]`)),
	)
	p.waitText("the dashboard after login", "#now", "2026-06-16 10:00")
	p.waitText("the new booking", row+" .status", "WAITING_FOR_PACKAGE")

	p.do("advance 26h",
		chromedp.SendKeys(chromedp.CSS("#advance"), "26h"),
		chromedp.Click(chromedp.CSS("#advance-submit")),
	)
	p.waitText("the clock after advancing", "#now", "2026-06-17 12:00")
	p.waitText("the parcel after its pickup", row+" .status", "PICKED_UP")

	p.do("add a fault rule",
		chromedp.SetValue(chromedp.CSS("#fault-operation"), "fetchTracking"),
		chromedp.SendKeys(chromedp.CSS("#fault"), "503"),
		chromedp.Click(chromedp.CSS("#fault-submit")),
	)
	p.waitText("the fault rule", "#faults tbody tr:first-child", "fetchTracking")

	code := firstItem(b)["returnCode"].(string)
	if r := e.do("GET", "/parcels/v1/tracking/fetch/"+code+"/EN/false", e.demo(), nil); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("tracking under the fault: %d %s", r.Status, r.Body)
	}
	p.do("reload", chromedp.Navigate(srv.URL+"/__sim/ui?order="+order))
	p.waitText("the failed request", "#requests tbody tr:first-child .req-status", "503")
	p.waitText("why it failed", "#requests tbody tr:first-child .req-key", "service.unavailable (rule-1: 503)")
	p.waitText("the timeline", "#timeline", "The parcel has been picked up")

	// The label preview (of the newest B2C order: the one followed here is
	// C2C, labelless) is an image the browser could decode.
	width, err := chromedp.Run(p.ctx, chromedp.JavascriptAttribute[float64](chromedp.CSS("#label img"), "naturalWidth"))
	if err != nil || width < 800 { // 102 mm at 203 dpi is 816 px
		t.Errorf("the label preview: naturalWidth %v, %v", width, err)
	}

	// A cross-site form post from this browser is refused even with the
	// session cookie; the state is unchanged.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<form method="post" action="%s/__sim/ui/clock"><input name="advance" value="1h"><button id="go">go</button></form>`, srv.URL)
	}))
	defer evil.Close()
	p.do("a cross-site post", chromedp.Navigate(evil.URL), chromedp.Click(chromedp.CSS("#go")))
	p.waitText("the refusal", "body", "only from its own pages")
	if now := e.do("GET", "/__sim/clock", "", nil, bearer...).json(t)["now"].(string); !strings.HasPrefix(now, "2026-06-17T12:00:00") {
		t.Errorf("the cross-site post moved the clock to %s", now)
	}

	if *update {
		p.do("back", chromedp.Navigate(srv.URL+"/__sim/ui?order="+order))
		p.waitText("the dashboard", "#now", "2026-06-17 12:00")
		ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", screenshot)
	}
}
