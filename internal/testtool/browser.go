package testtool

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts a headless chromium and returns a chromedp context for
// one tab in it. The browser stops when the test ends or limit has passed,
// whichever is first, so a browser that hangs fails the test in time
// rather than the whole run. Actions may then run with timeouts of their
// own, on contexts derived from it.
func Browser(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	chromium := Require(t, "chromium", "apt-get install --no-install-recommends chromium")
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancel()
	})
	// Started here, on the context itself: the first action starts the
	// browser and the browser lives as long as that action's context, so a
	// caller's per-action timeout must not be the first.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return browser
}
