// Command check is the project's one test command, the one the README
// gives and .ci/run calls:
//
//	go run ./tools/check
//
// It runs `go vet ./...`, then staticcheck (`go tool staticcheck ./...`,
// the version pinned by the tool line in go.mod), then
// `go test -race -vet=off ./...` (go vet has run already). The race detector
// needs cgo and a C compiler; on a machine with only Go installed it runs
// `go test ./...` instead and says so, so the command works everywhere and
// CI (CI=true, which has gcc) must get -race and fails without it. Extra arguments go to `go test`
// (e.g. `go run ./tools/check -short -run TestGuide`).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(1)
	}
}

func run(extra []string) error {
	if err := step("go", "vet", "./..."); err != nil {
		return err
	}
	if err := step("go", "tool", "staticcheck", "./..."); err != nil {
		return err
	}
	args := []string{"test"}
	if ok, why := raceAvailable(); ok {
		args = append(args, "-race")
	} else if os.Getenv("CI") == "true" {
		return fmt.Errorf("CI must run the race detector: %s", why)
	} else {
		fmt.Fprintf(os.Stderr, "check: running without -race: %s\n", why)
	}
	// go vet ./... has run every analyzer go test would run before the
	// tests; its own pass would redo them for every package changed.
	args = append(args, "-vet=off")
	args = append(args, extra...)
	args = append(args, "./...")
	return step("go", args...)
}

func step(name string, args ...string) error {
	fmt.Fprintf(os.Stderr, "check: %s %s\n", name, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, args[0], err)
	}
	return nil
}

// raceAvailable reports whether `go test -race` can build here: cgo on and
// the C compiler that go env names found on PATH.
func raceAvailable() (bool, string) {
	out, err := exec.Command("go", "env", "CGO_ENABLED", "CC").Output()
	if err != nil {
		return false, "go env failed"
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "1" {
		return false, "cgo is disabled (CGO_ENABLED=0)"
	}
	if _, err := exec.LookPath(f[1]); err != nil {
		return false, "no C compiler (" + f[1] + ") on PATH; install gcc for the race detector"
	}
	return true, ""
}
