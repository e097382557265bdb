package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/loopback"
	"github.com/mockhelthjem/mockhelthjem/internal/version"
)

// The tests here run the program as a subprocess: exit codes, signals,
// stderr and the listening socket are what users and Docker see. The
// subprocess is this test binary, which runs main instead of the tests
// when runMainEnv is set (TestMain): the same main, built the same way
// (with -race under -race), without linking a second binary for every
// test run. The Dockerfile's own build, and its -ldflags version stamp,
// are run and checked by internal/buildcheck's TestStaticBuild.

const testVersion = "v0.0.0-subprocess-test"

// runMainEnv makes the test binary run main, with testVersion as the
// version the real build stamps with -ldflags -X.
const runMainEnv = "MOCKHELTHJEM_TEST_RUN_MAIN"

// bin is the program the tests start: this test binary (see runMainEnv).
var bin string

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Unsetenv(runMainEnv)
		version.Version = testVersion
		main()
		return // main exits
	}
	var err error
	if bin, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// environ is the test process's environment without MOCKHELTHJEM_
// variables, plus extra ("KEY=value") and runMainEnv. A race-enabled
// binary does not wait its default second at exit; a race it finds exits
// 66, which fails the test that ran it.
func environ(extra ...string) []string {
	env := []string{runMainEnv + "=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOCKHELTHJEM_") && !strings.HasPrefix(kv, "GORACE=") {
			env = append(env, kv)
		}
	}
	if raceEnabled {
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return append(env, extra...)
}

// run runs the binary to completion and returns its exit code and output.
func run(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = environ(env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}

// mock is the binary serving on a loopback port.
type mock struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // host:port it listens on
	logs *lines
	done chan struct{} // closed when the process has exited
}

// lines collects stderr line by line.
type lines struct {
	mu   sync.Mutex
	all  []string
	more chan struct{} // closed and replaced on each new line
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, s)
	close(l.more)
	l.more = make(chan struct{})
}

func (l *lines) snapshot() ([]string, chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...), l.more
}

// launch starts the binary with args and collects its stderr; the
// process is killed when the test ends if it still runs.
func launch(t *testing.T, env []string, args ...string) *mock {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = environ(env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &mock{t: t, cmd: cmd, logs: &lines{more: make(chan struct{})}, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			m.logs.add(sc.Text())
		}
		_ = cmd.Wait()
		close(m.done)
	}()
	t.Cleanup(func() {
		select {
		case <-m.done:
		default:
			_ = cmd.Process.Kill()
			<-m.done
		}
	})
	return m
}

// start runs the binary on 127.0.0.1:0 with JSON logs (args may add flags)
// and reads the port it got from its start-up line.
func start(t *testing.T, env []string, args ...string) *mock {
	t.Helper()
	m := launch(t, env, append([]string{"-addr", "127.0.0.1:0", "-log-format", "json"}, args...)...)
	line := m.waitLog("mockhelthjem listening")
	var rec struct {
		Addr string `json:"addr"`
	}
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Addr == "" {
		t.Fatalf("no addr in the start-up line %q: %v", line, err)
	}
	m.addr = rec.Addr
	return m
}

// startAt runs the binary on addr, whatever its log format and level, and
// waits until it accepts connections.
func startAt(t *testing.T, addr string, env []string, args ...string) *mock {
	t.Helper()
	m := launch(t, env, append(args, "-addr", addr)...)
	m.addr = addr
	for deadline := time.Now().Add(startWait); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return m
		}
		select {
		case <-m.done:
			all, _ := m.logs.snapshot()
			t.Fatalf("the process exited; stderr:\n%s", strings.Join(all, "\n"))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s after %s", addr, startWait)
		}
	}
}

// startWait bounds the waits for the binary to start or log: a passing
// test never waits it out, and a race-built binary on a 2-core machine
// shared with other builds took over 10 s to start once.
const startWait = 30 * time.Second

// waitLog waits up to startWait for a stderr line containing s and
// returns it.
func (m *mock) waitLog(s string) string {
	m.t.Helper()
	timeout := time.After(startWait)
	for {
		all, more := m.logs.snapshot()
		for _, l := range all {
			if strings.Contains(l, s) {
				return l
			}
		}
		select {
		case <-more:
		case <-m.done:
			all, _ := m.logs.snapshot()
			for _, l := range all {
				if strings.Contains(l, s) {
					return l
				}
			}
			m.t.Fatalf("the process exited without logging %q; stderr:\n%s", s, strings.Join(all, "\n"))
		case <-timeout:
			m.t.Fatalf("no log line with %q within %s; stderr:\n%s", s, startWait, strings.Join(all, "\n"))
		}
	}
}

// stop sends SIGTERM and returns the exit code.
func (m *mock) stop() int {
	m.t.Helper()
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		m.t.Fatalf("SIGTERM: %v", err)
	}
	return m.wait()
}

func (m *mock) wait() int {
	m.t.Helper()
	select {
	case <-m.done:
		return m.cmd.ProcessState.ExitCode()
	case <-time.After(15 * time.Second):
		m.t.Fatal("the process did not exit within 15s")
		return -1
	}
}

// request sends a JSON request and returns the status and body.
func (m *mock) request(method, path string, hdr map[string]string, body any) (int, []byte) {
	m.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			m.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+m.addr+path, rd)
	if err != nil {
		m.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		m.t.Fatal(err)
	}
	return res.StatusCode, b
}

// demoToken gets a token for the demo client (demo / demo-secret).
func (m *mock) demoToken() string {
	m.t.Helper()
	status, b := m.request("POST", "/auth/oauth2/v1/token", nil, map[string]string{
		"client_id": "demo", "client_secret": "demo-secret", "grant_type": "client_credentials",
	})
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &tok); status != 200 || err != nil || tok.Token == "" {
		m.t.Fatalf("token: %d %s", status, b)
	}
	return tok.Token
}

// TestExitCodes: 0 for -version and -h (help on stdout), 2 for a bad
// flag, argument or environment variable, before anything is allocated
// (-journal-size 200000000 died out of memory), 1 when the program fails
// to start.
func TestExitCodes(t *testing.T) {
	closed := loopback.Addr(t)
	tests := []struct {
		name       string
		env        []string
		args       []string
		code       int
		stdout     string // exact, unless it starts with "~": then a substring
		stderrHas  string
		stderrNone bool
	}{
		{"-version", nil, []string{"-version"}, 0, "mockhelthjem " + testVersion + "\n", "", true},
		{"--version", nil, []string{"--version"}, 0, "mockhelthjem " + testVersion + "\n", "", true},
		{"-h", nil, []string{"-h"}, 0, "~Usage: mockhelthjem [flags]", "", true},
		{"--help", nil, []string{"--help"}, 0, "~(env MOCKHELTHJEM_ADMIN_TOKEN)", "", true},
		{"unknown flag", nil, []string{"-nope"}, 2, "", "flag provided but not defined: -nope", false},
		{"argument", nil, []string{"serve"}, 2, "", `mockhelthjem: unexpected argument "serve"`, false},
		{"bad env", []string{"MOCKHELTHJEM_SEED=abc"}, nil, 2, "", "mockhelthjem: MOCKHELTHJEM_SEED (for --seed): must be a non-negative integer", false},
		{"address without a port", nil, []string{"-addr", "18203"}, 2, "", "mockhelthjem: -addr (MOCKHELTHJEM_ADDR) must be host:port or :port", false},
		{"journal too large to allocate", nil, []string{"-journal-size", "200000000"}, 2, "", "mockhelthjem: -journal-size (MOCKHELTHJEM_JOURNAL_SIZE) must be an integer from 1 to 1000000", false},
		{"bad flag value", nil, []string{"-read-timeout", "soon"}, 2, "", `invalid value "soon" for flag -read-timeout`, false},
		{"bad log format", []string{"MOCKHELTHJEM_LOG_FORMAT=xml"}, nil, 2, "", "-log-format (MOCKHELTHJEM_LOG_FORMAT) must be text or json", false},
		{"bad log level", nil, []string{"--log-level", "loud"}, 2, "", "-log-level (MOCKHELTHJEM_LOG_LEVEL) must be", false},
		{"cannot start", nil, []string{"-addr", "127.0.0.1:0", "-fixtures", filepath.Join(t.TempDir(), "absent")}, 1, "", "not a readable directory", false},
		{"healthcheck -h", nil, []string{"healthcheck", "-h"}, 0, "~(env MOCKHELTHJEM_HEALTHCHECK_TIMEOUT)", "", true},
		{"healthcheck bad flag", nil, []string{"healthcheck", "-nope"}, 2, "", "flag provided but not defined: -nope", false},
		{"healthcheck bad addr", nil, []string{"healthcheck", "-addr", "nonsense"}, 2, "", "-addr (MOCKHELTHJEM_ADDR) must be host:port or :port", false},
		{"healthcheck bad timeout", []string{"MOCKHELTHJEM_HEALTHCHECK_TIMEOUT=0s"}, []string{"healthcheck"}, 2, "", "must be a positive duration", false},
		{"healthcheck port closed", nil, []string{"healthcheck", "-addr", closed}, 1, "", "connection refused", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each a process of its own
			code, stdout, stderr := run(t, tc.env, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if has, ok := strings.CutPrefix(tc.stdout, "~"); ok {
				if !strings.Contains(stdout, has) {
					t.Errorf("stdout lacks %q:\n%s", has, stdout)
				}
			} else if stdout != tc.stdout {
				t.Errorf("stdout = %q, want %q", stdout, tc.stdout)
			}
			if !strings.Contains(stderr, tc.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderrHas, stderr)
			}
			if tc.stderrNone && stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
		})
	}
}

// TestHealthcheck runs the subcommand as Docker's HEALTHCHECK does, against
// the mock while it is up and after it stopped.
func TestHealthcheck(t *testing.T) {
	m := start(t, nil)
	_, port, err := net.SplitHostPort(m.addr)
	if err != nil {
		t.Fatal(err)
	}
	up := []struct {
		name string
		env  []string
		args []string
	}{
		{"-addr", nil, []string{"healthcheck", "-addr", m.addr}},
		// The image sets MOCKHELTHJEM_ADDR=0.0.0.0:8080 and runs plain
		// "healthcheck": the wildcard host is checked on loopback.
		{"image env", []string{"MOCKHELTHJEM_ADDR=0.0.0.0:" + port}, []string{"healthcheck"}},
	}
	for _, tc := range up {
		t.Run("up/"+tc.name, func(t *testing.T) {
			if code, _, stderr := run(t, tc.env, tc.args...); code != 0 {
				t.Errorf("exit code %d, want 0; stderr:\n%s", code, stderr)
			}
		})
	}
	if code := m.stop(); code != 0 {
		t.Fatalf("mock exit code %d, want 0", code)
	}
	t.Run("down", func(t *testing.T) {
		code, _, stderr := run(t, []string{"MOCKHELTHJEM_ADDR=0.0.0.0:" + port}, "healthcheck")
		if code != 1 {
			t.Errorf("exit code %d, want 1; stderr:\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "mockhelthjem: healthcheck http://127.0.0.1:"+port+"/healthz") {
			t.Errorf("stderr does not say what failed:\n%s", stderr)
		}
	})
}

// TestGracefulShutdown: SIGTERM while a request is in flight (its body half
// sent) stops accepting connections, lets the request finish with 200 and
// exits 0.
func TestGracefulShutdown(t *testing.T) {
	m := start(t, nil, "-shutdown-timeout", "10s")
	conn, err := net.Dial("tcp", m.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"client_id":"demo","client_secret":"demo-secret","grant_type":"client_credentials"}`
	head := "POST /auth/oauth2/v1/token HTTP/1.1\r\nHost: " + m.addr + "\r\nContent-Type: application/json\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))
	if _, err := io.WriteString(conn, head+body[:20]); err != nil {
		t.Fatal(err)
	}
	// Let the server read the head and start on the body.
	time.Sleep(200 * time.Millisecond)

	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	m.waitLog(`"msg":"shutting down"`)
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", m.addr, time.Second)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Error("new connections are still accepted 5s after SIGTERM")
	}
	select {
	case <-m.done:
		t.Fatal("the process exited with a request in flight")
	case <-time.After(100 * time.Millisecond):
	}

	if _, err := io.WriteString(conn, body[20:]); err != nil {
		t.Fatalf("send the rest of the body: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the in-flight response: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"token"`)) {
		all, _ := m.logs.snapshot()
		t.Errorf("in-flight request: %d %s, want 200 with a token; stderr:\n%s", res.StatusCode, b, strings.Join(all, "\n"))
	}
	if code := m.wait(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	m.waitLog(`"msg":"stopped"`)
}

// TestAdminToken: with MOCKHELTHJEM_ADMIN_TOKEN set, /__sim/ needs it and
// the carrier API and health do not.
func TestAdminToken(t *testing.T) {
	const token = "adm-7f3e9c-token"
	m := start(t, []string{"MOCKHELTHJEM_ADMIN_TOKEN=" + token})
	tests := []struct {
		name, method, path, auth string
		want                     int
	}{
		{"no token", "GET", "/__sim/clock", "", 401},
		{"wrong token", "GET", "/__sim/clock", "Bearer wrong", 401},
		{"wrong scheme", "GET", "/__sim/clock", "Basic " + token, 401},
		{"right token", "GET", "/__sim/clock", "Bearer " + token, 200},
		{"state without", "GET", "/__sim/state", "", 401},
		{"state with", "GET", "/__sim/state", "Bearer " + token, 200},
		{"reset without", "POST", "/__sim/reset", "", 401},
		{"health needs none", "GET", "/healthz", "", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.auth != "" {
				hdr["Authorization"] = tc.auth
			}
			if got, body := m.request(tc.method, tc.path, hdr, nil); got != tc.want {
				t.Errorf("%s %s with %q: %d, want %d: %s", tc.method, tc.path, tc.auth, got, tc.want, body)
			}
		})
	}
	if code := m.stop(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	all, _ := m.logs.snapshot()
	if logs := strings.Join(all, "\n"); strings.Contains(logs, token) {
		t.Errorf("the admin token is in the log:\n%s", logs)
	}
}

// booking113 is a TS 113 booking for the demo client.
var booking113 = map[string]any{
	"shopId": 16, "transportSolutionId": 113,
	"parties": []any{
		map[string]any{"type": "consignee", "name": "Kari Nordmann", "address": "Vækerøveien 164d", "zipCode": "0751", "postalName": "Oslo", "countryCode": "NO", "phone1": "12345678", "email": "test@gmail.com"},
		map[string]any{"type": "consignor", "name": "Test sender", "address": "Herslebsgate 2F", "zipCode": "0561", "postalName": "Oslo", "countryCode": "NO", "phone1": "12345678", "email": ""},
	},
	"items": []any{map[string]any{"itemNumber": 1, "trackingReference": "", "weight": 1000}},
}

// TestCrashRecovery books, kills the process with SIGKILL right after the
// 200, restarts it on the same state file and tracks the parcel with the
// token issued before the crash: an acknowledged booking, and the
// generated signing key, survive a crash.
func TestCrashRecovery(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.jsonl")
	args := []string{"-seed", "7", "-clock", "2026-06-16T10:00:00+02:00", "-state-file", state}
	m := start(t, nil, args...)
	auth := map[string]string{"Authorization": "Bearer " + m.demoToken()}
	status, b := m.request("POST", "/parcels/v1/bookings", auth, booking113)
	var booked struct {
		Items []struct {
			ReturnCode string `json:"returnCode"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &booked); status != 200 || err != nil || len(booked.Items) != 1 || booked.Items[0].ReturnCode == "" {
		t.Fatalf("booking: %d %s", status, b)
	}
	if err := m.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-m.done

	again := start(t, nil, args...)
	if status, b := again.request("GET", "/parcels/v1/tracking/fetch/"+booked.Items[0].ReturnCode+"/NO/false", auth, nil); status != 200 {
		t.Fatalf("tracking %s after kill -9 and restart: %d %s", booked.Items[0].ReturnCode, status, b)
	}
}

// TestAccessLog: one JSON line per request on stderr, with the operation
// and status, and no secret, token, body or personal data.
func TestAccessLog(t *testing.T) {
	m := start(t, []string{"MOCKHELTHJEM_CLOCK=2026-06-16T10:00:00+02:00", "MOCKHELTHJEM_SEED=9"})
	const (
		secret = "demo-secret"
		name   = "Quintessa Vondrakowski"
		street = "Vækerøveien 164d"
		phone  = "98765432"
		email  = "quintessa@example.org"
	)
	token := m.demoToken()
	auth := map[string]string{"Authorization": "Bearer " + token}
	status, b := m.request("POST", "/parcels/v1/bookings", auth, map[string]any{
		"shopId": 16, "transportSolutionId": 23, "desiredDeliveryDate": 20260617,
		"parties": []any{
			map[string]any{"type": "consignee", "name": name, "address": street, "zipCode": "0751", "postalName": "Oslo",
				"countryCode": "NO", "phone1": phone, "email": email},
			map[string]any{"type": "consignor", "name": "Test sender", "address": "Herslebsgate 2F", "zipCode": "0561",
				"postalName": "Oslo", "countryCode": "NO", "phone1": "12345678", "email": ""},
		},
		"items": []any{map[string]any{"itemNumber": 1, "trackingReference": "", "weight": 1000, "contents": "a red scarf"}},
	})
	var booked struct {
		Items []struct {
			ReturnCode string `json:"returnCode"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &booked); status != 200 || err != nil || len(booked.Items) != 1 {
		t.Fatalf("booking: %d %s", status, b)
	}
	requests := []struct {
		method, path string
		hdr          map[string]string
		body         any
		want         int
	}{
		{"GET", "/parcels/v1/tracking/fetch/" + booked.Items[0].ReturnCode + "/EN/false", auth, nil, 200},
		{"GET", "/__sim/state", nil, nil, 200},
		{"POST", "/auth/oauth2/v1/token", nil, map[string]string{"client_id": "demo", "client_secret": "wrong-" + secret, "grant_type": "client_credentials"}, 401},
		{"GET", "/nowhere", nil, nil, 404},
	}
	for _, r := range requests {
		if got, b := m.request(r.method, r.path, r.hdr, r.body); got != r.want {
			t.Fatalf("%s %s: %d, want %d: %s", r.method, r.path, got, r.want, b)
		}
	}
	sent := 2 + len(requests)
	if code := m.stop(); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}

	all, _ := m.logs.snapshot()
	var ops []string
	for _, line := range all {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line is not JSON: %q", line)
			continue
		}
		for _, leak := range []string{secret, token, name, "Quintessa", street, phone, email, "a red scarf"} {
			if strings.Contains(line, leak) {
				t.Errorf("log line contains %q: %s", leak, line)
			}
		}
		if rec["msg"] == "request" {
			ops = append(ops, fmt.Sprintf("%v %v %v", rec["method"], rec["operation"], rec["status"]))
		}
	}
	want := []string{
		"POST getToken 200", "POST createBooking 200", "GET fetchTracking 200", "GET getState 200", "POST getToken 401", "GET  404",
	}
	if len(ops) != sent || strings.Join(ops, "\n") != strings.Join(want, "\n") {
		t.Errorf("request lines (%d for %d requests):\n%s\nwant:\n%s", len(ops), sent, strings.Join(ops, "\n"), strings.Join(want, "\n"))
	}
}

// TestLogOptions: --log-format text writes logfmt lines, health probes
// log at debug, --log-level warn drops the info-level access lines.
func TestLogOptions(t *testing.T) {
	tests := []struct {
		name        string
		env         []string
		args        []string
		wantRequest string // "" when no request line may appear
		alsoGet     string // a path requested after /healthz
	}{
		// Health probes log at debug, so a Docker HEALTHCHECK does not flood info.
		{"text", nil, []string{"--log-format", "text", "--log-level", "debug"}, "level=DEBUG msg=request method=GET operation=healthz status=200", ""},
		{"info hides health probes", nil, []string{"--log-format", "text"}, "", ""},
		{"json, debug from env", []string{"MOCKHELTHJEM_LOG_FORMAT=json", "MOCKHELTHJEM_LOG_LEVEL=debug"}, nil,
			`"msg":"request","method":"GET","operation":"healthz","status":200`, ""},
		// /openapi.yaml logs at info, so only the level can hide it.
		{"warn", nil, []string{"--log-format", "text", "--log-level", "warn"}, "", "/openapi.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := startAt(t, loopback.Addr(t), tc.env, tc.args...)
			for _, path := range []string{"/healthz", tc.alsoGet} {
				if path == "" {
					continue
				}
				if got, _ := m.request("GET", path, nil, nil); got != 200 {
					t.Fatalf("GET %s: %d", path, got)
				}
			}
			if code := m.stop(); code != 0 {
				t.Fatalf("exit code %d", code)
			}
			all, _ := m.logs.snapshot()
			logs := strings.Join(all, "\n")
			switch {
			case tc.wantRequest == "" && strings.Contains(logs, "msg=request"):
				t.Errorf("an unexpected request line:\n%s", logs)
			case tc.wantRequest != "" && !strings.Contains(logs, tc.wantRequest):
				t.Errorf("logs lack %q:\n%s", tc.wantRequest, logs)
			}
		})
	}
}
