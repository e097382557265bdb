// Package chromiumtest starts Debian's headless chromium for a test,
// driven with chromedp, with the flags this project's machines need (no
// sandbox as root, no GPU, no network of its own). It is for tests only.
//
// When chromium is missing a test is skipped with the install command,
// except under CI=true, where it fails: .ci/run installs chromium.
package chromiumtest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Install is how chromium is installed on Debian.
const Install = "apt-get install --no-install-recommends chromium"

// Path returns the chromium executable, or skips t (fails it under
// CI=true) when there is none.
func Path(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium is missing; CI must have it (.ci/run installs it: %s)", Install)
	}
	t.Skipf("chromium is not installed, skipping this check (install: %s)", Install)
	return ""
}

// Browser starts a headless chromium and returns a chromedp context for
// one tab in it. The browser stops when the test ends or limit has passed,
// whichever is first, so a browser that hangs fails the test in time
// rather than the whole run. Actions may then run with timeouts of their
// own, on contexts derived from it.
func Browser(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	chromium := Path(t)
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
