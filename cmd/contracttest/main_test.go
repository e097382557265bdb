package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/contract/drifttest"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/internal/version"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// envOf is an environment holding only vars.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, envOf(env), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// TestHelp is the golden -h output, on stdout (it went to stderr, unlike
// mockhelthjem's: contracttest -h | less showed nothing). It does not
// depend on the environment: defaults shown are the built-in ones, never
// a variable's value.
func TestHelp(t *testing.T) {
	golden := filepath.Join("testdata", "help.golden")
	r := runCmd(t, nil, "-h")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if *update {
		if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/contracttest -update)", err)
	}
	if diff := cmp.Diff(string(want), r.stdout); diff != "" {
		t.Errorf("-h (-want +got):\n%s", diff)
	}
	withEnv := runCmd(t, map[string]string{"CONTRACTTEST_TARGET": "http://elsewhere", "HELTHJEM_CLIENT_SECRET": "env-secret-value"}, "--help")
	if withEnv.stdout != r.stdout {
		t.Errorf("-h changes with the environment:\n%s", withEnv.stdout)
	}
	for _, f := range []string{"target", "client-id", "client-secret", "shop-id", "flows", "addresses", "strict", "junit", "json", "timeout", "deadline", "dry-run", "allow-production", "sim-token",
		"retries", "wait", "require-sim", "record", "compare"} {
		if !strings.Contains(r.stdout, "  -"+f+" ") && !strings.Contains(r.stdout, "  -"+f+"\n") {
			t.Errorf("-h lacks -%s", f)
		}
	}
}

func TestVersion(t *testing.T) {
	r := runCmd(t, nil, "--version")
	if r.code != 0 || r.stdout != "contracttest "+version.String()+"\n" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestExitCodes(t *testing.T) {
	mock := drifttest.Serve(t, drifttest.Sim(t)).URL
	drifted := drifttest.Serve(t, drifttest.Rewrite(drifttest.Sim(t), "POST", "/parcels/v1/bookings",
		drifttest.Delete("returnCode", "items", 0))).URL
	closed := drifttest.ClosedPort(t)
	// Retry-After 0: the retries do not sleep.
	down := drifttest.Serve(t, drifttest.Unavailable(drifttest.Sim(t), 503, -1, drifttest.Carrier, "Retry-After", "0")).URL
	noSim := drifttest.Serve(t, drifttest.WithoutSim(drifttest.Sim(t))).URL
	adminMock := drifttest.Serve(t, drifttest.Sim(t, func(o *sim.Options) { o.AdminToken = "admin-token-123" })).URL
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{name: "all pass", args: []string{"--target", mock}, code: 0, stdout: "PASS  18 steps: 18 passed"},
		{name: "drift", args: []string{"--target", drifted, "--flows", "home-pickup"}, code: 1, stdout: "FAIL  home-pickup/booking"},
		{name: "target from env", env: map[string]string{"CONTRACTTEST_TARGET": mock, "CONTRACTTEST_FLOWS": "negative"}, code: 0, stdout: "5 steps: 5 passed"},
		{name: "flag beats env", env: map[string]string{"CONTRACTTEST_TARGET": closed}, args: []string{"-target", mock, "-flows", "negative"}, code: 0},
		{name: "credentials from env", env: map[string]string{"HELTHJEM_CLIENT_ID": "demo2", "HELTHJEM_CLIENT_SECRET": "demo2-secret", "HELTHJEM_SHOP_ID": "17"},
			args: []string{"--target", mock, "--flows", "home-pickup"}, code: 0},
		{name: "wrong secret", args: []string{"--target", mock, "--client-secret", "not-the-secret"}, code: 2,
			stdout: "FAIL  configuration error (exit 2): home-pickup/token: the token call refused the credentials of client \"demo\" (401 authentication.failed)",
			stderr: "contracttest: configuration error: home-pickup/token: the token call refused"},
		{name: "shop not granted", env: map[string]string{"HELTHJEM_SHOP_ID": "17"}, args: []string{"--target", mock, "--flows", "home-pickup"}, code: 2,
			stdout: "STOP  home-pickup/coverage", stderr: `the token of client "demo" does not grant shop 17; check --shop-id (HELTHJEM_SHOP_ID)`},
		{name: "bad env retries", env: map[string]string{"CONTRACTTEST_RETRIES": "many"}, code: 2, stderr: "CONTRACTTEST_RETRIES (for --retries)"},
		{name: "too many retries", args: []string{"--retries", "11"}, code: 2, stderr: "--retries must be from 0 to 10"},
		// Zero became the default (shop 16, 15s, 2m) without a word.
		{name: "shop 0", args: []string{"--target", closed, "--shop-id", "0"}, code: 2, stderr: "--shop-id (HELTHJEM_SHOP_ID) must be a positive integer, not 0\n"},
		{name: "shop 0 from env", env: map[string]string{"HELTHJEM_SHOP_ID": "0"}, args: []string{"--target", closed}, code: 2, stderr: "--shop-id (HELTHJEM_SHOP_ID) must be a positive integer, not 0"},
		{name: "negative shop", args: []string{"--target", closed, "--shop-id", "-3"}, code: 2, stderr: "--shop-id (HELTHJEM_SHOP_ID) must be a positive integer, not -3"},
		{name: "timeout 0", args: []string{"--target", closed, "--timeout", "0"}, code: 2, stderr: "--timeout (CONTRACTTEST_TIMEOUT) must be a positive duration such as 15s, not 0s\n"},
		{name: "deadline 0", args: []string{"--target", closed, "--deadline", "0s"}, code: 2, stderr: "--deadline (CONTRACTTEST_DEADLINE) must be a positive duration such as 2m0s, not 0s\n"},
		{name: "deadline 0 from env", env: map[string]string{"CONTRACTTEST_DEADLINE": "0"}, args: []string{"--target", closed}, code: 2, stderr: "--deadline (CONTRACTTEST_DEADLINE) must be a positive duration"},
		{name: "wait 0", args: []string{"--target", mock, "--wait", "0", "--flows", "negative"}, code: 0, stdout: "PASS  5 steps: 5 passed"},
		{name: "user info", args: []string{"--target", "https://ops:Hunter2-pass@api.pre.helthjem.no"}, code: 2, stderr: `--target "https://<redacted>@api.pre.helthjem.no" must have no user info`},
		{name: "unknown flag", args: []string{"--nope"}, code: 2, stderr: "flag provided but not defined: -nope"},
		{name: "argument", args: []string{"run"}, code: 2, stderr: `unexpected argument "run"`},
		{name: "unknown flow", args: []string{"--flows", "home-pickup,returns"}, code: 2, stderr: `unknown flow "returns"`},
		{name: "bad env bool", env: map[string]string{"CONTRACTTEST_STRICT": "maybe"}, code: 2, stderr: "CONTRACTTEST_STRICT (for --strict)"},
		{name: "bad env duration", env: map[string]string{"CONTRACTTEST_TIMEOUT": "soon"}, code: 2, stderr: "CONTRACTTEST_TIMEOUT (for --timeout)"},
		{name: "production", args: []string{"--target", "https://api.helthjem.no"}, code: 2, stderr: "refusing api.helthjem.no"},
		{name: "production from env", env: map[string]string{"CONTRACTTEST_TARGET": "https://Api.Helthjem.no:443"}, code: 2, stderr: "--allow-production"},
		{name: "production dry run", args: []string{"--target", "https://api.helthjem.no", "--dry-run"}, code: 0, stdout: "a real run needs --allow-production"},
		{name: "unreachable", args: []string{"--target", closed}, code: 3, stdout: "FAIL  target unavailable (exit 3): target " + closed + " is unreachable",
			stderr: "contracttest: target unavailable: target " + closed + " is unreachable"},
		{name: "always 503", args: []string{"--target", down}, code: 3,
			stdout: "FAIL  target unavailable (exit 3): home-pickup/token: POST /auth/oauth2/v1/token answered 503 service.unavailable (after 2 retries)",
			stderr: "contracttest: target unavailable: home-pickup/token: POST /auth/oauth2/v1/token answered 503"},
		{name: "no retries", args: []string{"--target", down, "--retries", "0"}, code: 3,
			stdout: "FAIL  target unavailable (exit 3): home-pickup/token: POST /auth/oauth2/v1/token answered 503 service.unavailable\n",
			stderr: "answered 503 service.unavailable\n"},
		{name: "require-sim", env: map[string]string{"CONTRACTTEST_REQUIRE_SIM": "true"}, args: []string{"--target", noSim}, code: 2,
			stderr: "contracttest: configuration error: --require-sim: the target exposes no /__sim/ control plane"},
		// A wrong --sim-token was told to "pass --sim-token".
		{name: "wrong sim token", env: map[string]string{"MOCKHELTHJEM_ADMIN_TOKEN": "not-the-admin-token"}, args: []string{"--target", adminMock, "--require-sim"}, code: 2,
			stderr: "contracttest: configuration error: --require-sim: GET /__sim/clock answered 401: the mock refused the admin token given; check --sim-token (MOCKHELTHJEM_ADMIN_TOKEN)\n"},
		{name: "no sim token", args: []string{"--target", adminMock, "--require-sim"}, code: 2,
			stderr: "contracttest: configuration error: --require-sim: GET /__sim/clock answered 401: the mock runs with an admin token; pass it with --sim-token (MOCKHELTHJEM_ADMIN_TOKEN)\n"},
		{name: "sim token right", args: []string{"--target", adminMock, "--require-sim", "--sim-token", "admin-token-123", "--flows", "conversion"}, code: 0, stdout: "PASS  6 steps: 6 passed"},
		{name: "addresses missing", args: []string{"--addresses", "/nonexistent/a.json"}, code: 2, stderr: "--addresses"},
		{name: "report dir missing", args: []string{"--target", mock, "--junit", "/nonexistent/dir/r.xml"}, code: 2, stderr: "--junit"},
		{name: "dry run", args: []string{"--target", closed, "--dry-run"}, code: 0, stdout: "dry run: nothing is sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout (want %q):\n%s\nstderr (want %q):\n%s", r.code, tt.code, tt.stdout, r.stdout, tt.stderr, r.stderr)
			}
			if tt.code < 2 && r.stderr != "" {
				t.Errorf("stderr: %s", r.stderr)
			}
			if tt.code >= 2 && strings.Count(r.stderr, "\n") != 1 && !strings.Contains(r.stderr, "Usage") {
				t.Errorf("stderr has more than one line:\n%s", r.stderr)
			}
		})
	}
}

// TestWaitForLateMock: --wait lets contracttest start before the mock.
func TestWaitForLateMock(t *testing.T) {
	url, start := drifttest.ServeLater(t, drifttest.Sim(t))
	timer := time.AfterFunc(300*time.Millisecond, start)
	defer timer.Stop()
	r := runCmd(t, nil, "--target", url, "--flows", "negative", "--wait", "20s")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "waiting up to 20s for "+url+" to answer (--wait)\nthe target answered after ") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, nil, "--target", drifttest.ClosedPort(t), "--wait", "300ms")
	if r.code != 3 || !strings.Contains(r.stderr, "did not answer within --wait 300ms") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestReportsToStdout pins the bug where --json - created a file named
// "-": a report or the cassette given "-" goes to stdout, and the human
// report moves to stderr so that stdout stays parseable.
func TestReportsToStdout(t *testing.T) {
	mock := drifttest.Serve(t, drifttest.Sim(t)).URL
	for _, tc := range []struct {
		flag  string
		parse func([]byte) error
	}{
		{"--json", func(b []byte) error {
			var rep struct{ Tool, Verdict string }
			if err := json.Unmarshal(b, &rep); err != nil || rep.Tool != "contracttest" || rep.Verdict != "pass" {
				return fmt.Errorf("report %+v: %v", rep, err)
			}
			return nil
		}},
		{"--junit", func(b []byte) error {
			var doc struct {
				XMLName xml.Name `xml:"testsuites"`
				Tests   int      `xml:"tests,attr"`
			}
			if err := xml.Unmarshal(b, &doc); err != nil || doc.Tests != 5 {
				return fmt.Errorf("JUnit with %d tests: %v", doc.Tests, err)
			}
			return nil
		}},
		{"--record", func(b []byte) error {
			var c struct{ Format string }
			if err := json.Unmarshal(b, &c); err != nil || c.Format != "contracttest-cassette" {
				return fmt.Errorf("cassette %+v: %v", c, err)
			}
			return nil
		}},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			r := runCmd(t, nil, "--target", mock, "--flows", "negative", tc.flag, "-")
			if r.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			if err := tc.parse([]byte(r.stdout)); err != nil {
				t.Errorf("stdout: %v\n%s", err, r.stdout)
			}
			if !strings.Contains(r.stderr, "PASS  5 steps: 5 passed") {
				t.Errorf("stderr lacks the human report:\n%s", r.stderr)
			}
			if _, err := os.Stat("-"); err == nil {
				os.Remove("-")
				t.Errorf("%s - created a file named -", tc.flag)
			}
		})
	}
}

// TestReportOverwritesCassette pins the bug where a report written to the
// --compare path replaced the cassette silently: only --record was
// compared with --compare, as strings, so --json c.json, --junit c.json,
// ./c.json against c.json and a symlink all got past the check. Every
// output is compared with the cassette and with the others as files; a
// clash is a usage error (exit 2) before anything is sent or written.
func TestReportOverwritesCassette(t *testing.T) {
	cassette, err := os.ReadFile(filepath.Join("..", "..", "internal", "contract", "testdata", "mock.cassette.json"))
	if err != nil {
		t.Fatal(err)
	}
	closed := drifttest.ClosedPort(t) // a run that got past the check exits 3
	tests := []struct {
		name  string
		setup func(t *testing.T)
		env   map[string]string
		args  []string
		code  int
		msg   string
	}{
		{name: "--json on the cassette", args: []string{"--compare", "c.json", "--json", "c.json"}, code: 2,
			msg: "contracttest: --json c.json would overwrite the cassette --compare c.json reads: write it to another file\n"},
		{name: "--junit on the cassette", args: []string{"--compare", "c.json", "--junit", "c.json"}, code: 2,
			msg: "--junit c.json would overwrite the cassette --compare c.json reads"},
		{name: "--record, spelled another way", args: []string{"--compare", "./c.json", "--record", "c.json"}, code: 2,
			msg: "--record c.json would overwrite the cassette --compare ./c.json reads"},
		{name: "--record through a symlink", setup: func(t *testing.T) { symlink(t, "c.json", "link.json") },
			args: []string{"--compare", "c.json", "--record", "link.json"}, code: 2, msg: "--record link.json would overwrite"},
		{name: "--json through a symlinked directory", setup: func(t *testing.T) { symlink(t, ".", "here") },
			args: []string{"--compare", "c.json", "--json", "here/c.json"}, code: 2, msg: "--json here/c.json would overwrite"},
		{name: "--record, a hard link", setup: func(t *testing.T) {
			if err := os.Link("c.json", "hard.json"); err != nil {
				t.Skip("no hard links here:", err)
			}
		}, args: []string{"--compare", "c.json", "--record", "hard.json"}, code: 2, msg: "--record hard.json would overwrite"},
		{name: "--compare from the environment", env: map[string]string{"CONTRACTTEST_COMPARE": "c.json"},
			args: []string{"--json", "c.json"}, code: 2, msg: "--json c.json would overwrite the cassette --compare c.json reads"},
		{name: "two reports, one file", args: []string{"--json", "r.json", "--junit", "./r.json"}, code: 2,
			msg: "--junit ./r.json and --json r.json are one file: give each report its own"},
		{name: "two reports through a symlink", setup: func(t *testing.T) { write(t, "r.json", "{}"); symlink(t, "r.json", "rl.json") },
			args: []string{"--json", "r.json", "--record", "rl.json"}, code: 2, msg: "--json r.json and --record rl.json are one file"},
		{name: "other files", args: []string{"--compare", "c.json", "--json", "r.json", "--junit", "r.xml", "--record", "c2.json"}, code: 3},
		{name: "stdout is not a file", args: []string{"--compare", "c.json", "--json", "-"}, code: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			write(t, "c.json", string(cassette))
			if tt.setup != nil {
				tt.setup(t)
			}
			r := runCmd(t, tt.env, append([]string{"--target", closed}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("exit %d (want %d)\nstderr (want %q):\n%s\nstdout:\n%s", r.code, tt.code, tt.msg, r.stderr, r.stdout)
			}
			if got, err := os.ReadFile("c.json"); err != nil || !bytes.Equal(got, cassette) {
				t.Errorf("the cassette was changed (%v):\n%.300s", err, got)
			}
			if tt.code == 2 {
				for _, f := range []string{"r.xml", "c2.json"} {
					if _, err := os.Stat(f); err == nil {
						t.Errorf("a refused run created %s", f)
					}
				}
			}
		})
	}
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Skip("no symlinks here:", err)
	}
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
