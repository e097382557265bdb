package helthjemtest_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/helthjemtest"
)

// TestFailsTheCallingTest: a refused call fails the test passed to that
// call, not the one the server was made with.
func TestFailsTheCallingTest(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithClock(guideNow))
	msg := fatalOf(t, func(tb testing.TB) { srv.Advance(tb, -time.Hour) })
	if want := "helthjemtest: POST /__sim/clock: 400 Bad Request: "; !strings.HasPrefix(msg, want) {
		t.Errorf("the calling test's Fatalf message = %q, want it to start with %q", msg, want)
	}
	// The server's own test was not failed (it would have failed this
	// test), and the server still serves.
	srv.Advance(t, time.Hour)

	// Subtests share the server; each call reports to its own subtest.
	t.Run("group", func(t *testing.T) {
		for _, name := range []string{"a", "b"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				if got := srv.Now(t); got.Before(guideNow) {
					t.Errorf("Now() = %s, before the start %s", got, guideNow)
				}
			})
		}
	})
}

// TestStart: a server started without a test serves until Close, which may
// be called again; a refused configuration is an error, not a panic.
func TestStart(t *testing.T) {
	srv, err := helthjemtest.Start(helthjemtest.WithClock(guideNow))
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Now(t); !got.Equal(guideNow) {
		t.Errorf("Now() = %s, want %s", got, guideNow)
	}
	srv.Close()
	srv.Close()
	if _, err := srv.Client().Get(srv.URL + "/healthz"); err == nil {
		t.Error("GET /healthz after Close succeeded")
	}
	msg := fatalOf(t, func(tb testing.TB) { srv.Now(tb) })
	if !strings.HasPrefix(msg, "helthjemtest: GET /__sim/clock: ") {
		t.Errorf("Now after Close: Fatalf message = %q", msg)
	}

	_, err = helthjemtest.Start(helthjemtest.WithFixturesDir(filepath.Join(t.TempDir(), "absent")))
	if err == nil || !strings.Contains(err.Error(), "not a readable directory") {
		t.Errorf("Start with a missing fixtures directory: err = %v", err)
	}
}

func TestFaults(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithSeed(5), helthjemtest.WithClock(guideNow))
	a := &api{t: t, srv: srv, token: srv.Token(t, helthjemtest.DefaultClientID)}

	first := srv.AddFault(t, helthjemtest.Fault{Operation: "createBooking", ClientID: helthjemtest.DefaultClientID, Fault: "503", Times: 2})
	second := srv.AddFault(t, helthjemtest.Fault{Operation: "*", Fault: "latency=1ms", Probability: 0.5})
	want := []helthjemtest.FaultRule{
		{ID: 1, Operation: "createBooking", ClientID: helthjemtest.DefaultClientID, Fault: "503", Times: 2},
		{ID: 2, Operation: "*", Fault: "latency=1ms", Probability: 0.5},
	}
	if diff := cmp.Diff(want, []helthjemtest.FaultRule{first, second}); diff != "" {
		t.Errorf("AddFault answers (-want +got):\n%s", diff)
	}
	if status, b := a.do(http.MethodPost, "/parcels/v1/bookings", bookingRequest(113, 0)); status != http.StatusServiceUnavailable {
		t.Errorf("booking under the fault: status %d, want 503: %s", status, b)
	}
	want[0].Times, want[0].Hits = 1, 1
	if diff := cmp.Diff(want, srv.Faults(t)); diff != "" {
		t.Errorf("Faults() after one hit (-want +got):\n%s", diff)
	}
	if n := srv.ClearFaults(t); n != 2 {
		t.Errorf("ClearFaults() = %d, want 2", n)
	}
	if got := srv.Faults(t); len(got) != 0 {
		t.Errorf("Faults() after ClearFaults = %+v", got)
	}
	var b booking
	a.ok(http.MethodPost, "/parcels/v1/bookings", bookingRequest(113, 0), &b)

	msg := fatalOf(t, func(tb testing.TB) { srv.AddFault(tb, helthjemtest.Fault{Operation: "createBooking", Fault: "418"}) })
	if want := "helthjemtest: POST /__sim/faults: 400 Bad Request: invalid.fault: "; !strings.HasPrefix(msg, want) {
		t.Errorf("AddFault of a bad fault: Fatalf message = %q, want it to start with %q", msg, want)
	}
}

// TestInvalidFaultMessageNotRepeated: the answer to a fault that does not
// parse gives its reason as the message and as the errorMap's "fault"
// entry; the test's failure said it twice ("… 504 (fault status must be
// 429, …)").
func TestInvalidFaultMessageNotRepeated(t *testing.T) {
	srv := helthjemtest.NewServer(t)
	msg := fatalOf(t, func(tb testing.TB) { srv.AddFault(tb, helthjemtest.Fault{Operation: "createBooking", Fault: "418"}) })
	want := "helthjemtest: POST /__sim/faults: 400 Bad Request: invalid.fault: status must be 429, 500, 502, 503 or 504 (fault)"
	if msg != want {
		t.Errorf("AddFault of status 418: Fatalf message\n got %q\nwant %q", msg, want)
	}
}

func TestRequests(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithClock(guideNow))
	a := &api{t: t, srv: srv, token: srv.Token(t, helthjemtest.DefaultClientID)}
	srv.AddFault(t, helthjemtest.Fault{Operation: "fetchTracking", Fault: "502", Times: 1})
	a.do(http.MethodGet, "/parcels/v1/tracking/fetch/T-AAAAA/EN/false", nil)
	a.do(http.MethodGet, "/parcels/v1/tracking/fetch/T-AAAAA/EN/false", nil)
	srv.State(t) // the control plane is not journaled

	got := srv.Requests(t)
	want := []helthjemtest.Request{
		{Seq: 3, Method: "GET", Path: "/parcels/v1/tracking/fetch/T-AAAAA/EN/false", Operation: "fetchTracking", Status: 404, ClientID: "demo", ErrorKey: errorkey.CannotFindOrder},
		{Seq: 2, Method: "GET", Path: "/parcels/v1/tracking/fetch/T-AAAAA/EN/false", Operation: "fetchTracking", Status: 502, ClientID: "demo", Fault: "rule-1: 502", ErrorKey: errorkey.BadGateway},
		{Seq: 1, Method: "POST", Path: "/auth/oauth2/v1/token", Operation: "getToken", Status: 200, ClientID: "demo"},
	}
	opts := cmpopts.IgnoreFields(helthjemtest.Request{}, "Time", "Duration", "SimTime")
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("Requests() (-want +got):\n%s", diff)
	}
	for _, r := range got {
		if !r.SimTime.Equal(guideNow) || r.Time.IsZero() || r.Duration <= 0 {
			t.Errorf("request %d: simTime %s, time %s, duration %s", r.Seq, r.SimTime, r.Time, r.Duration)
		}
	}
}

// TestRequestMirrorsJournal: Request has a field for every key of a
// journal entry (the agreed shape of wave 2), and no other.
func TestRequestMirrorsJournal(t *testing.T) {
	var keys []string
	rt := reflect.TypeFor[helthjemtest.Request]()
	for i := range rt.NumField() {
		if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ","); tag != "-" {
			keys = append(keys, tag)
		}
	}
	keys = append(keys, "durationMs")
	slices.Sort(keys)
	want := []string{"clientId", "durationMs", "errorFields", "errorKey", "fault", "method", "operation", "path",
		"requestBody", "responseBody", "seq", "simTime", "status", "time"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("Request's JSON keys (-want +got):\n%s", diff)
	}

	var r helthjemtest.Request
	if err := json.Unmarshal([]byte(`{"seq":7,"durationMs":1.5,"errorKey":"invalid.request","errorFields":["shopId"]}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Seq != 7 || r.Duration != 1500*time.Microsecond || r.ErrorKey != "invalid.request" || len(r.ErrorFields) != 1 {
		t.Errorf("decoded %+v", r)
	}
}

// TestFaultRuleMirrorsControlPlane decodes /__sim/faults strictly into
// FaultRule: a field the simulator adds must be added here too.
func TestFaultRuleMirrorsControlPlane(t *testing.T) {
	srv := helthjemtest.NewServer(t)
	srv.AddFault(t, helthjemtest.Fault{Operation: "*", ClientID: "demo", Fault: "500", Times: 3, Probability: 0.25})
	_, b := raw(t, srv, http.MethodGet, "/__sim/faults", "", nil)
	var got struct {
		Rules []helthjemtest.FaultRule `json:"rules"`
	}
	strict(t, b, &got)
	if diff := cmp.Diff(srv.Faults(t), got.Rules); diff != "" {
		t.Errorf("Faults() differs from /__sim/faults (-want +got):\n%s", diff)
	}
}

func TestResetClient(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithClock(guideNow), helthjemtest.WithClient("other", "other-secret"))
	for _, client := range []string{helthjemtest.DefaultClientID, "other", "other"} {
		a := &api{t: t, srv: srv, token: srv.Token(t, client)}
		var b booking
		a.ok(http.MethodPost, "/parcels/v1/bookings", bookingRequest(113, 0), &b)
	}
	if n := srv.ResetClient(t, "other"); n != 2 {
		t.Errorf("ResetClient(other) = %d, want 2", n)
	}
	if st := srv.State(t); len(st.Orders) != 1 || st.Orders[0].ClientID != helthjemtest.DefaultClientID {
		t.Errorf("State() after ResetClient = %+v", st.Orders)
	}
}

// TestStateForAndRequestsFor: tests that share a server, each with its own
// client, see their own orders and requests only. The client ids need
// escaping in a query string.
func TestStateForAndRequestsFor(t *testing.T) {
	const other = "shop a+b&clientId=demo"
	srv := helthjemtest.NewServer(t, helthjemtest.WithClock(guideNow), helthjemtest.WithClient(other, "other-secret"))
	booked := map[string][]int64{}
	for _, client := range []string{helthjemtest.DefaultClientID, other, other} {
		a := &api{t: t, srv: srv, token: srv.Token(t, client)}
		var b booking
		a.ok(http.MethodPost, "/parcels/v1/bookings", bookingRequest(113, 0), &b)
		booked[client] = append(booked[client], b.OrderID)
	}
	// Requests without a client: no token, and a token the simulator refuses.
	(&api{t: t, srv: srv}).do(http.MethodGet, "/parcels/v1/tracking/fetch/T-AAAAA/EN/false", nil)
	(&api{t: t, srv: srv, token: "not-a-token"}).do(http.MethodGet, "/parcels/v1/tracking/fetch/T-AAAAA/EN/false", nil)

	for _, client := range []string{helthjemtest.DefaultClientID, other} {
		t.Run(client, func(t *testing.T) {
			st := srv.StateFor(t, client)
			var got []int64
			for _, o := range st.Orders {
				if o.ClientID != client {
					t.Errorf("StateFor(%q) has order %d of client %q", client, o.OrderID, o.ClientID)
				}
				got = append(got, o.OrderID)
			}
			if diff := cmp.Diff(booked[client], got); diff != "" {
				t.Errorf("StateFor(%q) orders (-want +got):\n%s", client, diff)
			}
			if !st.Now.Equal(guideNow) {
				t.Errorf("StateFor(%q).Now = %s, want %s", client, st.Now, guideNow)
			}

			var ops []string
			for _, r := range srv.RequestsFor(t, client) {
				if r.ClientID != client {
					t.Errorf("RequestsFor(%q) has request %d of client %q", client, r.Seq, r.ClientID)
				}
				ops = append(ops, r.Operation)
			}
			want := []string{"createBooking", "getToken"}
			if client == other {
				want = []string{"createBooking", "getToken", "createBooking", "getToken"}
			}
			if diff := cmp.Diff(want, ops); diff != "" {
				t.Errorf("RequestsFor(%q) operations, newest first (-want +got):\n%s", client, diff)
			}
		})
	}
	if n := len(srv.Requests(t)); n != 8 {
		t.Errorf("Requests() has %d entries, want 8: 3 tokens, 3 bookings, 2 without a client", n)
	}
	if st := srv.StateFor(t, "nobody"); len(st.Orders) != 0 || !st.Now.Equal(guideNow) {
		t.Errorf("StateFor(nobody) = %+v, want no orders at %s", st, guideNow)
	}
	if got := srv.RequestsFor(t, "nobody"); len(got) != 0 {
		t.Errorf("RequestsFor(nobody) = %+v, want none", got)
	}

	msg := fatalOf(t, func(tb testing.TB) { srv.StateFor(tb, "") })
	if want := "helthjemtest: GET /__sim/state?clientId=: 400 Bad Request: invalid.request: "; !strings.HasPrefix(msg, want) {
		t.Errorf("StateFor(\"\"): Fatalf message = %q, want it to start with %q", msg, want)
	}
}

func TestPopulate(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithSeed(9), helthjemtest.WithClock(guideNow))
	w := srv.Populate(t, 40)
	st := srv.State(t)
	if w.Booked != 40 || len(w.OrderIDs) != len(st.Orders) || len(st.Orders) != 40+w.Converted {
		t.Errorf("Populate(40) = %+v; State has %d orders", w, len(st.Orders))
	}
	if !srv.Now(t).Equal(guideNow) {
		t.Errorf("Populate moved the clock to %s", srv.Now(t))
	}
	msg := fatalOf(t, func(tb testing.TB) { srv.Populate(tb, 1001) })
	if want := "helthjemtest: POST /__sim/populate: 400 Bad Request: invalid.request"; !strings.HasPrefix(msg, want) {
		t.Errorf("Populate(1001): Fatalf message = %q, want it to start with %q", msg, want)
	}
}
