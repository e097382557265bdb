package helthjemtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/helthjemtest"
)

// fatalT records the first Fatalf and stops the function under test, so a
// test can check that helthjemtest fails a test, and with what message.
type fatalT struct {
	testing.TB
	msg string
}

type fatalStop struct{}

func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(fatalStop{})
}

// fatalOf runs fn and returns the message it failed with ("" if none).
func fatalOf(t *testing.T, fn func(tb testing.TB)) (msg string) {
	t.Helper()
	f := &fatalT{TB: t}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatalStop); !ok {
				panic(r)
			}
			msg = f.msg
		}
	}()
	fn(f)
	return ""
}

func TestFailures(t *testing.T) {
	guide := helthjemtest.WithClock(guideNow)
	tests := []struct {
		name string
		fn   func(tb testing.TB)
		want string // substring of the Fatalf message
	}{
		{"advance backwards", func(tb testing.TB) {
			helthjemtest.NewServer(tb, guide).Advance(tb, -time.Hour)
		}, "helthjemtest: POST /__sim/clock: 400 Bad Request: "},
		{"set clock backwards", func(tb testing.TB) {
			helthjemtest.NewServer(tb, guide).SetClock(tb, guideNow.Add(-time.Minute))
		}, "helthjemtest: POST /__sim/clock: 400 Bad Request: clock.backwards: "},
		{"dropoff of an unknown code", func(tb testing.TB) {
			helthjemtest.NewServer(tb, guide).Dropoff(tb, "T-AAAAA", "49003")
		}, "helthjemtest: POST /__sim/dropoffs: 404 Not Found: cannot.find.order"},
		{"dropoff at an unknown point", func(tb testing.TB) {
			helthjemtest.NewServer(tb, guide).Dropoff(tb, "T-AAAAA", "nowhere")
		}, "helthjemtest: POST /__sim/dropoffs: 400 Bad Request: unknown.servicePoint: no Helthjem service point with that id (servicePointId unknown service point)"},
		{"token of an unknown client", func(tb testing.TB) {
			helthjemtest.NewServer(tb).Token(tb, "nobody")
		}, `helthjemtest: Token("nobody"): no such client (add it with WithClient)`},
		// TestWithClientErrorNamesTheOption: these named clients.json
		// clients[4], a file the test never wrote.
		{"client without a secret", func(tb testing.TB) {
			helthjemtest.NewServer(tb, helthjemtest.WithClient("acme", ""))
		}, `helthjemtest: WithClient option 1 of 1 (id "acme"): empty secret`},
		{"second client without an id", func(tb testing.TB) {
			helthjemtest.NewServer(tb, helthjemtest.WithClient("acme", "s"), helthjemtest.WithSeed(1), helthjemtest.WithClient("", "s"))
		}, `helthjemtest: WithClient option 2 of 2 (id ""): empty id`},
		{"client with a shop id of 0", func(tb testing.TB) {
			helthjemtest.NewServer(tb, helthjemtest.WithClient("acme", "s", 16, 0))
		}, `helthjemtest: WithClient option 1 of 1 (id "acme"): shop id 0 is not positive`},
		{"bad client after own fixtures", func(tb testing.TB) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "clients.json"), `{"clients":[{"clientId":"own","clientSecret":"own-secret","name":"Own","shops":[16]}]}`)
			helthjemtest.NewServer(tb, helthjemtest.WithFixturesDir(dir), helthjemtest.WithClient("own", ""))
		}, `helthjemtest: WithClient option 1 of 1 (id "own"): empty secret`},
		{"missing fixtures directory", func(tb testing.TB) {
			helthjemtest.NewServer(tb, helthjemtest.WithFixturesDir(filepath.Join(t.TempDir(), "absent")))
		}, `not a readable directory`},
		{"invalid fixtures", func(tb testing.TB) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "clients.json"), `{"clients":[]}`)
			helthjemtest.NewServer(tb, helthjemtest.WithFixturesDir(dir))
		}, "helthjemtest: load fixtures: clients.json: no clients"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := fatalOf(t, tc.fn)
			if !strings.Contains(got, tc.want) {
				t.Errorf("Fatalf message = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// raw sends a request with an optional Authorization header.
func raw(t testing.TB, srv *helthjemtest.Server, method, path, auth string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestAdminToken(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithAdminToken("s3cret"), helthjemtest.WithClock(guideNow))
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"none", "", http.StatusUnauthorized},
		{"wrong", "Bearer nope", http.StatusUnauthorized},
		{"right", "Bearer s3cret", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, body := raw(t, srv, http.MethodGet, "/__sim/clock", tc.auth, nil); got != tc.want {
				t.Errorf("GET /__sim/clock with %q: status %d, want %d: %s", tc.auth, got, tc.want, body)
			}
		})
	}
	// The Server's own methods send the token.
	srv.Advance(t, time.Hour)
	if got, want := srv.Now(t), guideNow.Add(time.Hour); !got.Equal(want) {
		t.Errorf("Now() = %s, want %s", got, want)
	}
	if n := len(srv.State(t).Orders); n != 0 {
		t.Errorf("State() has %d orders, want 0", n)
	}
	srv.Reset(t)
}

func TestWithClient(t *testing.T) {
	srv := helthjemtest.NewServer(t,
		helthjemtest.WithClient("acme", "acme-secret", 77),
		helthjemtest.WithClient(helthjemtest.DefaultClientID, "rotated"),
		helthjemtest.WithClock(guideNow),
	)
	acme := &api{t: t, srv: srv, token: srv.Token(t, "acme")}
	req := bookingRequest(113, 0)
	if status, body := acme.do(http.MethodPost, "/parcels/v1/bookings", req); status != http.StatusForbidden {
		t.Errorf("acme booking for shop 16: status %d, want 403: %s", status, body)
	}
	req["shopId"] = 77
	var b booking
	acme.ok(http.MethodPost, "/parcels/v1/bookings", req, &b)
	if o := stateOf(t, srv, b.OrderID); o.ClientID != "acme" || o.ShopID != 77 {
		t.Errorf("order = %+v, want client acme, shop 77", o)
	}

	// The replaced default client logs in with its new secret only.
	srv.Token(t, helthjemtest.DefaultClientID)
	if status, _ := raw(t, srv, http.MethodPost, "/auth/oauth2/v1/token", "", map[string]string{
		"client_id": helthjemtest.DefaultClientID, "client_secret": helthjemtest.DefaultClientSecret, "grant_type": "client_credentials",
	}); status != http.StatusUnauthorized {
		t.Errorf("token with the old secret: status %d, want 401", status)
	}
}

func TestWithFixturesDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "clients.json"), `{"clients":[{"clientId":"own","clientSecret":"own-secret","name":"Own","shops":[16]}]}`)
	srv := helthjemtest.NewServer(t, helthjemtest.WithFixturesDir(dir), helthjemtest.WithClient("extra", "x"))
	srv.Token(t, "own")
	srv.Token(t, "extra")
	if status, _ := raw(t, srv, http.MethodPost, "/auth/oauth2/v1/token", "", map[string]string{
		"client_id": helthjemtest.DefaultClientID, "client_secret": helthjemtest.DefaultClientSecret, "grant_type": "client_credentials",
	}); status != http.StatusUnauthorized {
		t.Errorf("token for demo: status %d, want 401: the fixtures directory replaced the clients", status)
	}
}

// TestClockAndReset: SetClock, Advance and Now agree, and Reset returns
// the clock and the id generators to their start.
func TestClockAndReset(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithSeed(3), helthjemtest.WithClock(guideNow))
	if got := srv.Now(t); !got.Equal(guideNow) {
		t.Errorf("Now() = %s, want %s", got, guideNow)
	}
	later := guideNow.Add(36*time.Hour + 500*time.Millisecond)
	srv.SetClock(t, later)
	if got := srv.Now(t); !got.Equal(later) {
		t.Errorf("after SetClock: Now() = %s, want %s", got, later)
	}
	srv.Advance(t, 90*time.Minute)
	if got, want := srv.Now(t), later.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("after Advance: Now() = %s, want %s", got, want)
	}

	srv.Reset(t)
	if got := srv.Now(t); !got.Equal(guideNow) {
		t.Errorf("after Reset: Now() = %s, want %s", got, guideNow)
	}
	book := func() booking {
		a := &api{t: t, srv: srv, token: srv.Token(t, helthjemtest.DefaultClientID)}
		var b booking
		a.ok(http.MethodPost, "/parcels/v1/bookings", bookingRequest(113, 0), &b)
		return b
	}
	first := book()
	srv.Reset(t)
	if n := len(srv.State(t).Orders); n != 0 {
		t.Errorf("after Reset: %d orders, want 0", n)
	}
	if diff := cmp.Diff(first, book()); diff != "" {
		t.Errorf("the same booking after Reset differs (-want +got):\n%s", diff)
	}
}

// TestTypesMirrorControlPlane decodes the control plane's answers strictly
// into State and DropoffResult: a field the simulator adds must be added
// here too.
func TestTypesMirrorControlPlane(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithClock(guideNow))
	a := &api{t: t, srv: srv, token: srv.Token(t, helthjemtest.DefaultClientID)}
	var b booking
	a.ok(http.MethodPost, "/parcels/v1/bookings", bookingRequest(23, 20260617), &b)

	_, dropoff := raw(t, srv, http.MethodPost, "/__sim/dropoffs", "", map[string]string{"code": b.Items[0].ReturnCode, "servicePointId": "49003"})
	var d helthjemtest.DropoffResult
	strict(t, dropoff, &d)
	if d.CancelledOrder == nil || d.CancelledOrder.PickupDate != "2026-06-17" || d.Order.ReplacesOrderID != b.OrderID {
		t.Errorf("dropoff = %+v", d)
	}

	_, state := raw(t, srv, http.MethodGet, "/__sim/state", "", nil)
	var st helthjemtest.State
	strict(t, state, &st)
	if diff := cmp.Diff(st, srv.State(t)); diff != "" {
		t.Errorf("State() differs from /__sim/state (-want +got):\n%s", diff)
	}
	if len(st.Orders) != 2 || st.Orders[1].Items[0].TrackingReference == "" {
		t.Errorf("state = %+v, want the cancelled order and its replacement", st)
	}
}

func strict(t testing.TB, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s into %T: %v", b, v, err)
	}
}
