// Package testtool finds the programs tests hand their output to, the real
// readers (zbarimg, pdfinfo, pdftoppm, chromium). Locally a test whose
// program is missing skips with the command that installs it; under
// CI=true it fails, since CI must run every check (.ci/run installs them).
//
// Browser starts headless chromium with the flags this project's machines
// need (no sandbox as root, no GPU, no network of its own), driven with
// chromedp.
//
// It is for tests only and holds no state.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of program name, or skips t (fails it under
// CI=true) saying how to install it, e.g. "apt-get install zbar-tools".
func Require(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing; CI must have it (.ci/run installs it: %s)", name, install)
	}
	t.Skipf("%s is not installed, skipping this check (install: %s)", name, install)
	return ""
}
