package sim_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// guideClock is the guide's "today": its dates response starts 2026-06-17.
var guideClock = time.Date(2026, 6, 16, 10, 0, 0, 0, mustOslo())

func mustOslo() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return loc
}

// env is a simulator under test, called in-process through ServeHTTP.
type env struct {
	t   testing.TB
	srv *sim.Server
}

func newEnv(t testing.TB, mod ...func(*sim.Options)) *env {
	t.Helper()
	opts := sim.Options{Seed: 42, Clock: guideClock, StrictResponses: true}
	for _, m := range mod {
		m(&opts)
	}
	s, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: s}
}

type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return m
}

func (r reply) errorKey(t testing.TB) string {
	t.Helper()
	k, _ := r.json(t)["errorKey"].(string)
	return k
}

// do sends a request; body may be a string, []byte or a value to encode.
func (e *env) do(method, path, token string, body any, hdr ...string) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return reply{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// token logs in as a client of the default fixtures.
func (e *env) token(client, secret string) string {
	e.t.Helper()
	r := e.do("POST", "/auth/oauth2/v1/token", "", map[string]string{
		"client_id": client, "client_secret": secret, "grant_type": "client_credentials",
	})
	if r.Status != 200 {
		e.t.Fatalf("token for %s: %d %s", client, r.Status, r.Body)
	}
	return r.json(e.t)["token"].(string)
}

func (e *env) demo() string { return e.token("demo", "demo-secret") }

// state is /__sim/state, for checking that a request changed nothing.
func (e *env) state() string {
	e.t.Helper()
	r := e.do("GET", "/__sim/state", "", nil)
	if r.Status != 200 {
		e.t.Fatalf("state: %d %s", r.Status, r.Body)
	}
	return string(r.Body)
}

func (e *env) advance(d string) {
	e.t.Helper()
	r := e.do("POST", "/__sim/clock", "", map[string]string{"advance": d})
	if r.Status != 200 {
		e.t.Fatalf("advance %s: %d %s", d, r.Status, r.Body)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// generated are the keys whose values the simulator makes up; golden files
// hold a placeholder, and checkForms checks their shape instead.
var generated = map[string]*regexp.Regexp{
	"token":               regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`),
	"shipmentId":          regexp.MustCompile(`^\(401\)7072476[0-9]{10}$`),
	"orderId":             regexp.MustCompile(`^[0-9]{9}$`),
	"trackingReference":   regexp.MustCompile(`^\(00\)37072476[0-9]{10}$`),
	"returnCode":          regexp.MustCompile(`^T-[A-Z0-9]{5}$`),
	"shortItemIdentifier": regexp.MustCompile(`^\.\.\.[0-9]{4}$`),
}

// normalize replaces generated values with "<key>" after checking their form.
func normalize(t testing.TB, v any) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if re, ok := generated[k]; ok && val != nil {
				s := strings.TrimSuffix(strings.TrimPrefix(jsonString(val), `"`), `"`)
				if !re.MatchString(s) {
					t.Errorf("%s = %q does not match %s", k, s, re)
				}
				out[k] = "<" + k + ">"
				continue
			}
			out[k] = normalize(t, val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = normalize(t, val)
		}
		return out
	}
	return v
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// golden compares a reply with testdata/<name>.golden.json (status and
// normalised body), rewriting it under -update.
func golden(t *testing.T, name string, r reply) {
	t.Helper()
	var body any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("%s: body is not JSON: %s", name, r.Body)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"status": r.Status, "body": normalize(t, body)}); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readFile(t, path)
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s\n(run go test ./internal/sim -run %s -update to accept)", path, diff, t.Name())
	}
}

func assertDiff(t testing.TB, what string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// sameInstant compares two RFC 3339 times as instants.
func sameInstant(t testing.TB, a, b string) bool {
	t.Helper()
	ta, err := time.Parse(time.RFC3339, a)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := time.Parse(time.RFC3339, b)
	if err != nil {
		t.Fatal(err)
	}
	return ta.Equal(tb)
}

// newRunningEnv is newEnv with a running simulated clock (no
// Options.Clock) on a wall clock the test moves with tick; start is the
// wall clock's first reading.
func newRunningEnv(t testing.TB) (e *env, tick func(time.Duration), start time.Time) {
	t.Helper()
	var mu sync.Mutex
	start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	wall := start
	tick = func(d time.Duration) { mu.Lock(); wall = wall.Add(d); mu.Unlock() }
	e = newEnv(t, func(o *sim.Options) {
		o.Clock = time.Time{}
		o.Wall = func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }
	})
	return e, tick, start
}

// refusedTooLong reports whether path is longer than -max-path's default,
// and then that got is the 414 uri.too.long the edge promises for it,
// whatever the path names.
func refusedTooLong(t *testing.T, path string, got reply) bool {
	t.Helper()
	if len(path) <= sim.DefaultMaxPath {
		return false
	}
	if got.Status != 414 || got.errorKey(t) != sim.KeyURITooLong {
		t.Fatalf("a %d-byte path: %d %s", len(path), got.Status, got.Body)
	}
	return true
}
