package server

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/loopback"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/internal/version"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// clearEnv unsets every MOCKHELTHJEM_ variable for the test, so defaults
// come from the code and not from the machine running the tests.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "MOCKHELTHJEM_") {
			t.Setenv(k, "") // restores the value after the test
			os.Unsetenv(k)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/server -run %s -update to create it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s\n(run go test ./internal/server -run %s -update to accept)", path, diff, t.Name())
	}
}

func usageCode(t *testing.T, err error) int {
	t.Helper()
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("error = %v (%T), want a *UsageError", err, err)
	}
	return ue.Code()
}

// TestHelp pins -h of the program and of its healthcheck subcommand: the
// flags, their environment variables and defaults are the documented
// interface (README, docs/docker.md).
func TestHelp(t *testing.T) {
	clearEnv(t)
	for _, tc := range []struct {
		name   string
		args   []string
		golden string
	}{
		{"mockhelthjem", []string{"-h"}, "help.golden"},
		{"healthcheck", []string{"healthcheck", "-h"}, "help-healthcheck.golden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Main(context.Background(), tc.args, &stdout, &stderr)
			if code := usageCode(t, err); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q, want help on stdout only", stderr.String())
			}
			golden(t, tc.golden, stdout.String())
			checkEveryFlagHasEnv(t, stdout.String())
		})
	}
}

// TestHelpHidesSecretsFromEnv pins the bug where -h showed each variable's
// value as its flag's default, so a MOCKHELTHJEM_JWT_SECRET or
// MOCKHELTHJEM_ADMIN_TOKEN set in a container or CI job was printed by
// `mockhelthjem -h`. Help must be the same golden text whatever is set.
func TestHelpHidesSecretsFromEnv(t *testing.T) {
	clearEnv(t)
	t.Setenv("MOCKHELTHJEM_JWT_SECRET", "jwt-secret-from-env")
	t.Setenv("MOCKHELTHJEM_ADMIN_TOKEN", "admin-token-from-env")
	t.Setenv("MOCKHELTHJEM_ADDR", "127.0.0.1:9999")
	t.Setenv("MOCKHELTHJEM_HEALTHCHECK_TIMEOUT", "not a duration")
	for _, tc := range []struct {
		args   []string
		golden string
	}{
		{[]string{"-h"}, "help.golden"},
		{[]string{"healthcheck", "-h"}, "help-healthcheck.golden"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var stdout bytes.Buffer
			err := Main(context.Background(), tc.args, &stdout, io.Discard)
			if code := usageCode(t, err); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			for _, v := range []string{"jwt-secret-from-env", "admin-token-from-env", "9999"} {
				if strings.Contains(stdout.String(), v) {
					t.Errorf("help shows %q from the environment", v)
				}
			}
			if !*update {
				golden(t, tc.golden, stdout.String())
			}
		})
	}
}

// flagLine is a flag in PrintDefaults output: "  -name type".
var flagLine = regexp.MustCompile(`^  -([a-z][a-z0-9-]*)`)

// checkEveryFlagHasEnv checks that each flag in help (except -version, an
// action) names its environment variable, MOCKHELTHJEM_ plus its name.
func checkEveryFlagHasEnv(t *testing.T, help string) {
	t.Helper()
	var flags []string
	usage := map[string]string{}
	cur := ""
	for _, line := range strings.Split(help, "\n") {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			cur = m[1]
			flags = append(flags, cur)
			continue
		}
		if cur != "" && strings.HasPrefix(line, "    \t") {
			usage[cur] += strings.TrimSpace(line) + " "
		}
	}
	if len(flags) == 0 {
		t.Fatalf("no flags found in help:\n%s", help)
	}
	for _, f := range flags {
		if f == "version" {
			continue
		}
		env := "MOCKHELTHJEM_" + strings.ToUpper(strings.ReplaceAll(f, "-", "_"))
		if f == "timeout" || f == "wait" {
			env = "MOCKHELTHJEM_HEALTHCHECK_" + strings.ToUpper(f)
		}
		if !strings.Contains(usage[f], "(env "+env+")") {
			t.Errorf("flag -%s: usage %q does not name its environment variable %s", f, usage[f], env)
		}
	}
}

// parse returns the Config that env and args give.
func parse(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	cfg, _, err := parseFlags(args, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, io.Discard, io.Discard)
	return cfg, err
}

func TestConfig(t *testing.T) {
	// The documented defaults (README's flag table), written out: the
	// "defaults" row checks that parsing nothing gives them.
	defaults := Config{
		Addr: ":8080", LogFormat: "text", LogLevel: slog.LevelInfo,
		MaxOrders: sim.DefaultMaxOrders, JournalSize: sim.DefaultJournalSize, JournalBytes: sim.DefaultJournalBytes,
		MaxPath: sim.DefaultMaxPath, MaxFaultRules: sim.DefaultMaxFaultRules,
		ShutdownTimeout: 10 * time.Second, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second,
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		mod  func(*Config)
	}{
		{"defaults", nil, nil, func(c *Config) {}},
		{"env", map[string]string{
			"MOCKHELTHJEM_ADDR": "0.0.0.0:8080", "MOCKHELTHJEM_SEED": "42", "MOCKHELTHJEM_CLOCK": "2026-06-16T10:00:00+02:00",
			"MOCKHELTHJEM_LOG_FORMAT": "json", "MOCKHELTHJEM_LOG_LEVEL": "debug", "MOCKHELTHJEM_ADMIN_TOKEN": "adm",
			"MOCKHELTHJEM_JWT_SECRET": "k", "MOCKHELTHJEM_STRICT_RESPONSES": "true", "MOCKHELTHJEM_FIXTURES": "/fx",
			"MOCKHELTHJEM_SHUTDOWN_TIMEOUT": "2s", "MOCKHELTHJEM_READ_HEADER_TIMEOUT": "3s", "MOCKHELTHJEM_IDLE_TIMEOUT": "4m",
			"MOCKHELTHJEM_READ_TIMEOUT": "5s", "MOCKHELTHJEM_JOURNAL_BYTES": "65536", "MOCKHELTHJEM_JOURNAL_BODIES": "true",
			"MOCKHELTHJEM_MAX_PATH": "256", "MOCKHELTHJEM_MAX_FAULT_RULES": "1", "MOCKHELTHJEM_JOURNAL_SIZE": "1000000",
			"MOCKHELTHJEM_MAX_ORDERS": "1511654", "MOCKHELTHJEM_STATE_FILE": "/s",
		}, nil, func(c *Config) {
			c.Addr, c.Seed, c.Clock = "0.0.0.0:8080", 42, time.Date(2026, 6, 16, 10, 0, 0, 0, oslo)
			c.LogFormat, c.LogLevel, c.AdminToken, c.JWTSecret = "json", -4, "adm", "k"
			c.StrictResponses, c.FixturesDir, c.StateFile = true, "/fx", "/s"
			c.ShutdownTimeout, c.ReadHeaderTimeout, c.IdleTimeout, c.ReadTimeout = 2*time.Second, 3*time.Second, 4*time.Minute, 5*time.Second
			c.JournalBytes, c.JournalBodies, c.MaxPath, c.MaxFaultRules = 65536, true, 256, 1
			c.JournalSize, c.MaxOrders = 1_000_000, 1511654
		}},
		{"flags", nil, []string{"-addr", "127.0.0.1:9", "-seed", "7", "-log-format", "json", "-log-level", "warn", "-admin-token", "x"},
			func(c *Config) {
				c.Addr, c.Seed, c.LogFormat, c.LogLevel, c.AdminToken = "127.0.0.1:9", 7, "json", 4, "x"
			}},
		{"a flag beats its env", map[string]string{"MOCKHELTHJEM_SEED": "1", "MOCKHELTHJEM_LOG_LEVEL": "error"}, []string{"-seed", "2"},
			func(c *Config) { c.Seed, c.LogLevel = 2, 8 }},
		{"an empty env is its value", map[string]string{"MOCKHELTHJEM_FIXTURES": "", "MOCKHELTHJEM_LOG_FORMAT": "json"}, []string{"-fixtures", "/fx"},
			func(c *Config) { c.FixturesDir, c.LogFormat = "/fx", "json" }},
		{"typed flags", nil, []string{"-strict-responses", "-journal-bodies", "-read-timeout", "1m30s", "-max-path", "32768", "-seed", "18446744073709551615"},
			func(c *Config) {
				c.StrictResponses, c.JournalBodies, c.ReadTimeout, c.MaxPath, c.Seed = true, true, 90*time.Second, 32768, 18446744073709551615
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(t, tc.env, tc.args...)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			want := defaults
			tc.mod(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Config mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUsageErrors: a bad flag or environment variable is exit code 2 with
// a message naming both spellings, and nothing starts.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown flag", nil, []string{"-nope"}, "flag provided but not defined: -nope"},
		{"argument", nil, []string{"serve"}, `unexpected argument "serve"`},
		{"seed env", map[string]string{"MOCKHELTHJEM_SEED": "abc"}, nil, "MOCKHELTHJEM_SEED (for --seed): must be a non-negative integer"},
		{"seed flag", nil, []string{"-seed", "-1"}, `invalid value "-1" for flag -seed`},
		{"addr without a colon", nil, []string{"-addr", "18203"}, "-addr (MOCKHELTHJEM_ADDR) must be host:port or :port"},
		{"addr port out of range", map[string]string{"MOCKHELTHJEM_ADDR": ":65536"}, nil, "-addr (MOCKHELTHJEM_ADDR) must be host:port or :port"},
		{"addr empty", map[string]string{"MOCKHELTHJEM_ADDR": ""}, nil, "-addr (MOCKHELTHJEM_ADDR) must be host:port or :port"},
		{"journal size before anything is allocated", nil, []string{"-journal-size", "200000000"}, "-journal-size (MOCKHELTHJEM_JOURNAL_SIZE) must be an integer from 1 to 1000000"},
		{"journal size zero", map[string]string{"MOCKHELTHJEM_JOURNAL_SIZE": "0"}, nil, "-journal-size (MOCKHELTHJEM_JOURNAL_SIZE) must be an integer from 1 to 1000000"},
		{"journal size not a number", map[string]string{"MOCKHELTHJEM_JOURNAL_SIZE": "many"}, nil, "MOCKHELTHJEM_JOURNAL_SIZE (for --journal-size): must be an integer"},
		{"journal bytes", nil, []string{"-journal-bytes", "1000"}, "-journal-bytes (MOCKHELTHJEM_JOURNAL_BYTES) must be an integer from 65536 to 1073741824"},
		{"journal bytes too many", nil, []string{"-journal-bytes", "99999999999"}, "-journal-bytes (MOCKHELTHJEM_JOURNAL_BYTES) must be an integer from 65536 to 1073741824"},
		{"journal bodies", map[string]string{"MOCKHELTHJEM_JOURNAL_BODIES": "please"}, nil, "MOCKHELTHJEM_JOURNAL_BODIES (for --journal-bodies): must be true or false"},
		{"max path", nil, []string{"-max-path", "100000"}, "-max-path (MOCKHELTHJEM_MAX_PATH) must be an integer from 256 to 32768"},
		{"max fault rules", map[string]string{"MOCKHELTHJEM_MAX_FAULT_RULES": "0"}, nil, "-max-fault-rules (MOCKHELTHJEM_MAX_FAULT_RULES) must be an integer from 1 to 10000"},
		{"read timeout", nil, []string{"-read-timeout", "0s"}, "-read-timeout (MOCKHELTHJEM_READ_TIMEOUT) must be a duration from 1ns to 24h0m0s"},
		{"read timeout too long", map[string]string{"MOCKHELTHJEM_READ_TIMEOUT": "48h"}, nil, "-read-timeout (MOCKHELTHJEM_READ_TIMEOUT) must be a duration from 1ns to 24h0m0s"},
		{"clock", map[string]string{"MOCKHELTHJEM_CLOCK": "2026-06-16"}, nil, "-clock (MOCKHELTHJEM_CLOCK) must be RFC 3339"},
		{"log format", map[string]string{"MOCKHELTHJEM_LOG_FORMAT": "xml"}, nil, "-log-format (MOCKHELTHJEM_LOG_FORMAT) must be text or json"},
		{"log level", nil, []string{"-log-level", "loud"}, "-log-level (MOCKHELTHJEM_LOG_LEVEL) must be debug, info, warn or error"},
		{"max orders", nil, []string{"-max-orders", "0"}, "-max-orders (MOCKHELTHJEM_MAX_ORDERS) must be an integer from 1 to 1511654"},
		{"max orders past the returnCode space", map[string]string{"MOCKHELTHJEM_MAX_ORDERS": "1511655"}, nil, "-max-orders (MOCKHELTHJEM_MAX_ORDERS) must be an integer from 1 to 1511654"},
		{"strict", map[string]string{"MOCKHELTHJEM_STRICT_RESPONSES": "yes please"}, nil, "MOCKHELTHJEM_STRICT_RESPONSES (for --strict-responses): must be true or false"},
		{"zero duration", nil, []string{"-shutdown-timeout", "0s"}, "-shutdown-timeout (MOCKHELTHJEM_SHUTDOWN_TIMEOUT) must be a duration from 1ns to 24h0m0s"},
		{"bad duration", map[string]string{"MOCKHELTHJEM_IDLE_TIMEOUT": "forever"}, nil, "MOCKHELTHJEM_IDLE_TIMEOUT (for --idle-timeout): must be a duration"},
		{"healthcheck flag", nil, []string{"healthcheck", "-nope"}, "flag provided but not defined: -nope"},
		{"healthcheck addr", nil, []string{"healthcheck", "-addr", "nonsense"}, "-addr (MOCKHELTHJEM_ADDR) must be host:port or :port"},
		{"healthcheck timeout", map[string]string{"MOCKHELTHJEM_HEALTHCHECK_TIMEOUT": "soon"}, []string{"healthcheck"}, "MOCKHELTHJEM_HEALTHCHECK_TIMEOUT (for --timeout): must be a duration"},
		{"healthcheck zero timeout", nil, []string{"healthcheck", "-timeout", "0s"}, "-timeout (MOCKHELTHJEM_HEALTHCHECK_TIMEOUT) must be a positive duration"},
		{"healthcheck argument", nil, []string{"healthcheck", "now"}, `unexpected argument "now"`},
		{"healthcheck wait", map[string]string{"MOCKHELTHJEM_HEALTHCHECK_WAIT": "-1s"}, []string{"healthcheck"}, "-wait (MOCKHELTHJEM_HEALTHCHECK_WAIT) must be a duration"},
		{"healthcheck wait not a duration", map[string]string{"MOCKHELTHJEM_HEALTHCHECK_WAIT": "a while"}, []string{"healthcheck"}, "MOCKHELTHJEM_HEALTHCHECK_WAIT (for --wait): must be a duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			err := Main(context.Background(), tc.args, &stdout, &stderr)
			if code := usageCode(t, err); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestVersion(t *testing.T) {
	old := version.Version
	version.Version = "v1.2.3-test"
	t.Cleanup(func() { version.Version = old })
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"-version", nil, []string{"-version"}},
		{"--version", nil, []string{"--version"}},
		{"despite a bad env", map[string]string{"MOCKHELTHJEM_SEED": "abc"}, []string{"-version"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			if err := Main(context.Background(), tc.args, &stdout, &stderr); err != nil {
				t.Fatalf("Main: %v", err)
			}
			if got, want := stdout.String(), "mockhelthjem v1.2.3-test\n"; got != want {
				t.Errorf("stdout = %q, want %q", got, want)
			}
		})
	}
}

// TestRun serves on a loopback port until the context ends.
func TestRun(t *testing.T) {
	clearEnv(t)
	cfg, err := parse(t, nil, "-addr", "127.0.0.1:0", "-log-format", "json", "-seed", "5")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, &logs, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not become ready in 10s")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", path, res.StatusCode)
		}
	}
	if err := healthcheck(ctx, []string{"-addr", addr}, io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck of a running server: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop within 10s of cancel")
	}
	for _, msg := range []string{`"msg":"mockhelthjem listening"`, `"seed":5`, `"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("log lacks %s:\n%s", msg, logs.String())
		}
	}
}

func TestRunErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"port in use", []string{"-addr", busy.Addr().String()}, "listen on " + busy.Addr().String()},
		{"no fixtures directory", []string{"-addr", "127.0.0.1:0", "-fixtures", filepath.Join(t.TempDir(), "absent")}, "not a readable directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parse(t, nil, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			err = Run(context.Background(), cfg, io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestHealthcheck: nil only for a 200 from /healthz on the address, or
// with -wait from /readyz before the wait is over.
func TestHealthcheck(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	serve := func(status int) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
				http.NotFound(w, r)
				return
			}
			if status == 0 {
				select {
				case <-hang:
				case <-r.Context().Done():
				}
				return
			}
			w.WriteHeader(status)
		}))
		t.Cleanup(s.Close)
		return s.Listener.Addr().String()
	}
	up, down, slow := serve(200), serve(503), serve(0)
	_, upPort, _ := net.SplitHostPort(up)
	closed := loopback.Addr(t)
	// late answers /readyz 503 twice, then 200: a mock still starting.
	var readyz atomic.Int32
	lateSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || readyz.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(lateSrv.Close)
	late := lateSrv.Listener.Addr().String()
	// stalls answers /readyz 503 once, then never answers.
	var stallsN atomic.Int32
	stallsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stallsN.Add(1) > 1 {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(stallsSrv.Close)
	stalls := stallsSrv.Listener.Addr().String()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string // "" for none
	}{
		{"up", nil, []string{"-addr", up}, ""},
		{"up, address from the image's env", map[string]string{"MOCKHELTHJEM_ADDR": "0.0.0.0:" + upPort}, nil, ""},
		{"up, no host", nil, []string{"-addr", ":" + upPort}, ""},
		{"503", nil, []string{"-addr", down}, "status 503"},
		{"port closed", nil, []string{"-addr", closed}, "connect"},
		{"no answer in time", nil, []string{"-addr", slow, "-timeout", "200ms"}, "deadline exceeded"},
		{"timeout from env", map[string]string{"MOCKHELTHJEM_HEALTHCHECK_TIMEOUT": "200ms"}, []string{"-addr", slow}, "deadline exceeded"},
		{"-wait: ready on the third poll", nil, []string{"-addr", late, "-wait", "1s"}, ""},
		// The wait always ends inside the second poll, which gets no
		// answer: the error names the 503 the first poll saw, not the
		// deadline. (Regression: it said "context deadline exceeded"
		// whenever the wait ended inside a poll, which made this case
		// flaky on a busy machine.) Three seconds, so that even a heavily
		// loaded -race run finishes the first poll.
		{"-wait: never ready", nil, []string{"-addr", stalls, "-wait", "3s", "-timeout", "5s"}, "not ready within -wait 3s: healthcheck http://" + stalls + "/readyz: status 503"},
		{"-wait: port closed", map[string]string{"MOCKHELTHJEM_HEALTHCHECK_WAIT": "300ms"}, []string{"-addr", closed}, "not ready within -wait 300ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			start := time.Now()
			err := Main(context.Background(), append([]string{"healthcheck"}, tc.args...), io.Discard, io.Discard)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("healthcheck took %s, want under 10s (the timeouts here are at most 3s)", d.Round(time.Millisecond))
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("healthcheck: %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("healthcheck error = %v, want it to contain %q", err, tc.wantErr)
			case err != nil && errors.As(err, new(*UsageError)):
				t.Errorf("healthcheck error %v is a usage error (exit 2), want exit 1", err)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a server goroutine to write while
// the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
