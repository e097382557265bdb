// Package drifttest serves the project's simulator in-process for the tests
// and benchmarks of contracttest, optionally with the responses of one
// operation changed on purpose (a renamed field, a changed type, an extra
// field, another status), so that tests can check that each drift is found
// and named; or failing the way a real target fails (429 and 5xx answers,
// a server that starts late).
//
// It is test support only: nothing outside tests should import it.
package drifttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/loopback"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// Clock is the simulated time the mock starts at: the C2C guide's "today"
// (its pickup dates start 2026-06-17).
var Clock = time.Date(2026, 6, 16, 10, 0, 0, 0, time.FixedZone("CEST", 2*60*60))

// Sim returns a simulator with a fixed seed and clock that answers 500 to
// any response of its own that breaks the spec. mod may change the options.
func Sim(tb testing.TB, mod ...func(*sim.Options)) *sim.Server {
	tb.Helper()
	opts := sim.Options{Seed: 1, Clock: Clock, StrictResponses: true}
	for _, m := range mod {
		m(&opts)
	}
	s, err := sim.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// WithClient replaces the fixture clients with one client of shop 16, so
// that a test can use a secret of its own.
func WithClient(tb testing.TB, id, secret string) func(*sim.Options) {
	tb.Helper()
	fx, err := fixture.Default()
	if err == nil {
		fx, err = fx.WithClients([]fixture.Client{{ID: id, Secret: secret, Name: "contracttest", Shops: []int64{16}}})
	}
	if err != nil {
		tb.Fatal(err)
	}
	return func(o *sim.Options) { o.Fixtures = fx }
}

// Serve starts an HTTP server on 127.0.0.1 for h, closed when the test ends.
func Serve(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// ClosedPort returns a URL on 127.0.0.1 where nothing listens.
func ClosedPort(tb testing.TB) string {
	tb.Helper()
	return "http://" + loopback.Addr(tb)
}

// ServeLater returns the URL of a 127.0.0.1 port where nothing listens yet,
// and a function that starts serving h there (once; later calls do
// nothing). The server is closed when the test ends.
func ServeLater(tb testing.TB, h http.Handler) (url string, start func()) {
	tb.Helper()
	addr := loopback.Addr(tb)
	var once sync.Once
	return "http://" + addr, func() {
		once.Do(func() {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				tb.Errorf("drifttest: listen on %s: %v", addr, err)
				return
			}
			srv := httptest.NewUnstartedServer(h)
			srv.Listener.Close()
			srv.Listener = ln
			srv.Start()
			tb.Cleanup(srv.Close)
		})
	}
}

// Unavailable answers status, in Helthjem's error shape and with the
// given headers (name, value, ...), to the first n requests match accepts
// (every one when n is negative), and passes the others to h.
func Unavailable(h http.Handler, status, n int, match func(*http.Request) bool, header ...string) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := match(r) && n != 0
		if fail && n > 0 {
			n--
		}
		mu.Unlock()
		if !fail {
			h.ServeHTTP(w, r)
			return
		}
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		key := map[int]string{429: errorkey.TooManyRequests, 502: errorkey.BadGateway, 503: errorkey.ServiceUnavailable, 504: errorkey.GatewayTimeout}[status]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errorKey": key, "message": http.StatusText(status), "statusCode": status, "code": status, "errorMap": map[string]any{}})
	})
}

// Carrier matches the requests of Helthjem's API: all but /__sim/,
// /healthz and /readyz.
func Carrier(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/__sim/") && r.URL.Path != "/healthz" && r.URL.Path != "/readyz"
}

// Path matches the requests of one method below a path prefix.
func Path(method, prefix string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Method == method && strings.HasPrefix(r.URL.Path, prefix) }
}

// WithoutSim hides the mock's /__sim/ control plane behind 404s, as on
// Helthjem's own API.
func WithoutSim(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__sim/") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Edit changes a response: its status and its decoded JSON body (numbers
// as json.Number). It returns the new status and body.
type Edit func(status int, body any) (int, any)

// Rewrite wraps h: the responses to method requests for path go through
// the edits, in order; others pass untouched. A path ending in "/" matches
// every path below it.
func Rewrite(h http.Handler, method, path string, edits ...Edit) http.Handler {
	match := func(p string) bool { return p == path }
	if strings.HasSuffix(path, "/") {
		match = func(p string) bool { return strings.HasPrefix(p, path) }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method || !match(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status := rec.Code
		var body any
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			http.Error(w, "drifttest: the response to rewrite is not JSON", http.StatusInternalServerError)
			return
		}
		for _, e := range edits {
			status, body = e(status, body)
		}
		b, err := json.Marshal(body)
		if err != nil {
			http.Error(w, "drifttest: "+err.Error(), http.StatusInternalServerError)
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		_, _ = w.Write(b)
	})
}

// Status answers code instead.
func Status(code int) Edit {
	return func(_ int, body any) (int, any) { return code, body }
}

// Rename renames key from to to in the object at path (keys and indexes
// from the root, e.g. "items", 0).
func Rename(from, to string, path ...any) Edit {
	return onObject(path, func(m map[string]any) {
		if v, ok := m[from]; ok {
			delete(m, from)
			m[to] = v
		}
	})
}

// Set sets key to v in the object at path.
func Set(key string, v any, path ...any) Edit {
	return onObject(path, func(m map[string]any) { m[key] = v })
}

// Delete removes key from the object at path.
func Delete(key string, path ...any) Edit {
	return onObject(path, func(m map[string]any) { delete(m, key) })
}

// Replace replaces the whole body.
func Replace(body any) Edit {
	return func(status int, _ any) (int, any) { return status, body }
}

func onObject(path []any, fn func(map[string]any)) Edit {
	return func(status int, body any) (int, any) {
		cur := body
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m, _ := cur.(map[string]any)
				cur = m[k]
			case int:
				a, _ := cur.([]any)
				if k >= len(a) {
					panic(fmt.Sprintf("drifttest: no index %d in %v", k, path))
				}
				cur = a[k]
			}
		}
		m, ok := cur.(map[string]any)
		if !ok {
			panic(fmt.Sprintf("drifttest: no object at %v", path))
		}
		fn(m)
		return status, body
	}
}
