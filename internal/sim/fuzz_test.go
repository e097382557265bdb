package sim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// fuzzOp is an operation FuzzRequest sends its input to. The input's extra
// string is the query (body operations) or the path identifier (tracking).
type fuzzOp struct {
	name, method, path string
	auth               bool // send the demo client's token
	identifier         bool // extra is the {identifier} path segment
}

// fuzzOps is every operation that takes input, carrier and control plane.
// The index is the fuzz input's op byte modulo len(fuzzOps).
var fuzzOps = []fuzzOp{
	{name: "token", method: "POST", path: pathToken},
	{name: "find-single", method: "POST", path: pathSingle, auth: true},
	{name: "nearby", method: "POST", path: pathNearby, auth: true},
	{name: "dates", method: "POST", path: pathDates, auth: true},
	{name: "booking", method: "POST", path: pathBooking, auth: true},
	{name: "tracking", method: "GET", path: "/parcels/v1/tracking/fetch/%s/NO/false", auth: true, identifier: true},
	{name: "clock", method: "POST", path: "/__sim/clock"},
	{name: "dropoff", method: "POST", path: "/__sim/dropoffs"},
	{name: "reset", method: "POST", path: "/__sim/reset"},
	{name: "state", method: "GET", path: "/__sim/state"},
	{name: "faults", method: "POST", path: "/__sim/faults"},
	{name: "requests", method: "GET", path: "/__sim/requests"},
}

// fuzzContentTypes are the Content-Type variants, chosen by op / len(fuzzOps).
var fuzzContentTypes = []string{"application/json", "", "application/json; charset=utf-8", "text/plain"}

func opIndex(name string) uint8 {
	for i, op := range fuzzOps {
		if op.name == name {
			return uint8(i)
		}
	}
	panic("no fuzz operation " + name)
}

// fuzzEnv is a simulator holding a fixed baseline of orders, so that
// tracking and drop-offs have something to find. Every input starts from
// the same state: after an input that changed it, the state is reset and
// the baseline booked again (same seed, same ids), which keeps a failing
// input reproducible from the corpus alone.
type fuzzEnv struct {
	*env
	demoTok, demo2Tok string
	baseline          string // snapshot() with the baseline booked
	// parcels are the baseline's identifiers: demo's first, demo2's last.
	parcels []fuzzParcel
}

type fuzzParcel struct {
	client                              string
	shipmentID, trackingRef, returnCode string
}

func newFuzzEnv(t testing.TB) *fuzzEnv {
	t.Helper()
	fe := &fuzzEnv{env: newEnv(t)}
	fe.demoTok = fe.demo()
	fe.demo2Tok = fe.token("demo2", "demo2-secret")
	fe.book()
	fe.baseline = fe.snapshot()
	return fe
}

// snapshot is what a 4xx must leave alone: the orders and the clock
// (/__sim/state) and the fault rules. The request journal records every
// call by design and is not part of it.
func (fe *fuzzEnv) snapshot() string {
	fe.t.Helper()
	r := fe.do("GET", "/__sim/faults", "", nil)
	if r.Status != 200 {
		fe.t.Fatalf("faults: %d %s", r.Status, r.Body)
	}
	return fe.state() + "\n" + string(r.Body)
}

// book books the baseline: for demo a TS 23 parcel with a pickup date, a TS
// 113 parcel and a TS 23 parcel converted at a service point (a journey of
// two orders); for demo2 a TS 113 parcel in shop 17.
func (fe *fuzzEnv) book() {
	fe.t.Helper()
	fe.parcels = fe.parcels[:0]
	b23 := guideRequest(fe.t, "booking-23")
	b113 := guideRequest(fe.t, "booking-113")
	fe.parcels = append(fe.parcels,
		fe.bookOne("demo", fe.demoTok, b23),
		fe.bookOne("demo", fe.demoTok, b113))
	conv := fe.bookOne("demo", fe.demoTok, b23)
	r := fe.do("POST", "/__sim/dropoffs", "", map[string]string{"code": conv.returnCode, "servicePointId": "49003"})
	var d dropped
	if err := json.Unmarshal(r.Body, &d); r.Status != 200 || err != nil || len(d.Order.Items) != 1 {
		fe.t.Fatalf("baseline conversion: %d %v %s", r.Status, err, r.Body)
	}
	fe.parcels = append(fe.parcels, conv, fuzzParcel{
		client: "demo", shipmentID: d.Order.ShipmentID,
		trackingRef: d.Order.Items[0].TrackingReference, returnCode: conv.returnCode,
	})
	shop17 := bytes.Replace(b113, []byte(`"shopId": 16`), []byte(`"shopId": 17`), 1)
	fe.parcels = append(fe.parcels, fe.bookOne("demo2", fe.demo2Tok, shop17))
}

func (fe *fuzzEnv) bookOne(client, token string, body []byte) fuzzParcel {
	fe.t.Helper()
	r := fe.do("POST", pathBooking, token, body)
	if r.Status != 200 {
		fe.t.Fatalf("baseline booking for %s: %d %s", client, r.Status, r.Body)
	}
	var b booked
	if err := json.Unmarshal(r.Body, &b); err != nil || len(b.Items) != 1 {
		fe.t.Fatalf("baseline booking for %s: %v: %s", client, err, r.Body)
	}
	return fuzzParcel{client: client, shipmentID: b.ShipmentID, trackingRef: b.Items[0].TrackingReference, returnCode: b.Items[0].ReturnCode}
}

// booked is the part of a booking response the concurrency and fuzz tests read.
type booked struct {
	ShipmentID string `json:"shipmentId"`
	OrderID    int64  `json:"orderId"`
	Items      []struct {
		TrackingReference string `json:"trackingReference"`
		ReturnCode        string `json:"returnCode"`
	} `json:"items"`
}

// dropped is the part of a /__sim/dropoffs response the tests read.
type dropped struct {
	Kind  string `json:"kind"`
	Order struct {
		OrderID    int64  `json:"orderId"`
		ShipmentID string `json:"shipmentId"`
		Items      []struct {
			TrackingReference string `json:"trackingReference"`
			ReturnCode        string `json:"returnCode"`
		} `json:"items"`
	} `json:"order"`
}

// restore returns the simulator to the baseline if an input changed it:
// it clears fault rules (a full reset keeps them) and resets and rebooks.
func (fe *fuzzEnv) restore(t *testing.T, after string) {
	if after == fe.baseline {
		return
	}
	fe.t = t
	if r := fe.do("DELETE", "/__sim/faults", "", nil); r.Status != 200 {
		t.Fatalf("clear faults: %d %s", r.Status, r.Body)
	}
	if r := fe.do("POST", "/__sim/reset", "", nil); r.Status != 200 {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	fe.book()
	if got := fe.snapshot(); got != fe.baseline {
		t.Fatalf("the baseline is not reproducible after a reset (-want +got):\n%s\n%s", fe.baseline, got)
	}
}

// send builds the request an HTTP client would put on the wire for the
// input, or reports false when no client could send it (a target that
// url.ParseRequestURI refuses, as net/http's server does).
func (fe *fuzzEnv) send(op fuzzOp, contentType, extra string, body []byte) (reply, bool) {
	target := op.path
	if op.identifier {
		target = fmt.Sprintf(op.path, url.PathEscape(extra))
	} else if extra != "" {
		target += "?" + extra
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return reply{}, false
	}
	req := httptest.NewRequest(op.method, "/", bytes.NewReader(body))
	req.URL, req.RequestURI = u, target
	if op.method == "GET" {
		req.Body, req.ContentLength = http.NoBody, 0
	} else if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if op.auth {
		req.Header.Set("Authorization", "Bearer "+fe.demoTok)
	}
	rec := httptest.NewRecorder()
	fe.srv.ServeHTTP(rec, req)
	return reply{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}, true
}

// checkError asserts the carrier's error shape on a 4xx.
func checkError(t *testing.T, r reply) {
	t.Helper()
	var body struct {
		ErrorKey   string `json:"errorKey"`
		StatusCode int    `json:"statusCode"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("status %d with a body that is not JSON: %v: %q", r.Status, err, r.Body)
	}
	if body.ErrorKey == "" || body.StatusCode != r.Status {
		t.Fatalf("status %d with errorKey %q, statusCode %d: %s", r.Status, body.ErrorKey, body.StatusCode, r.Body)
	}
}

// FuzzRequest sends raw bytes to each operation through routing,
// authentication, validation and the handler, with strict response
// validation. Invariants: no panic; no 5xx (the input never injects a
// fault: it sends no X-Sim-Fault header, and a rule it creates through
// /__sim/faults is cleared before the next input, so every 5xx is a bug;
// with StrictResponses a response that breaks the spec is a 500); every
// 4xx is an error in the carrier's shape and leaves the orders, the clock
// and the fault rules byte-identical.
func FuzzRequest(f *testing.F) {
	fe := newFuzzEnv(f)
	for _, op := range fuzzOps {
		switch op.name {
		case "token", "find-single", "nearby", "dates":
			f.Add(opIndex(op.name), "", guideRequest(f, op.name))
		}
	}
	f.Add(opIndex("booking"), "", guideRequest(f, "booking-23"))
	f.Add(opIndex("booking"), "", guideRequest(f, "booking-113"))
	f.Add(opIndex("dates")+uint8(len(fuzzOps)), "limit=30", guideRequest(f, "dates"))
	for _, p := range fe.parcels {
		for _, id := range []string{p.returnCode, p.trackingRef, p.shipmentID, strings.ToLower(p.returnCode), strings.TrimPrefix(p.trackingRef, "(00)")} {
			f.Add(opIndex("tracking"), id, []byte(nil))
		}
		dropoff, _ := json.Marshal(map[string]string{"code": p.returnCode, "servicePointId": "49003"})
		f.Add(opIndex("dropoff"), "", dropoff)
	}
	f.Add(opIndex("clock"), "", []byte(`{"advance":"26h"}`))
	f.Add(opIndex("reset"), "clientId=demo", []byte(nil))
	f.Add(opIndex("state"), "clientId=demo2", []byte(nil))
	f.Add(opIndex("faults"), "", []byte(`{"operation":"createBooking","fault":"503","times":1}`))
	f.Add(opIndex("faults"), "", []byte(`{"operation":"*","clientId":"demo","fault":"latency=100ms..2s","probability":0.5}`))
	f.Add(opIndex("requests"), "limit=2&clientId=demo", []byte(nil))
	// Bad inputs are committed in testdata/fuzz/FuzzRequest.

	f.Fuzz(func(t *testing.T, opByte uint8, extra string, body []byte) {
		op := fuzzOps[int(opByte)%len(fuzzOps)]
		ct := fuzzContentTypes[int(opByte)/len(fuzzOps)%len(fuzzContentTypes)]
		fe.t = t
		r, sent := fe.send(op, ct, extra, body)
		if !sent {
			return
		}
		if r.Status >= 500 {
			t.Fatalf("%s %q %q: %d (no fault was injected): %s", op.name, extra, body, r.Status, r.Body)
		}
		after := fe.snapshot()
		if r.Status >= 400 {
			checkError(t, r)
			if after != fe.baseline {
				t.Fatalf("%s %q %q answered %d but changed the state:\nbefore %s\nafter  %s", op.name, extra, body, r.Status, fe.baseline, after)
			}
		}
		fe.restore(t, after)
	})
}

// FuzzTrackingIdentifier sends any identifier, path-escaped as a client
// would, to tracking as the baseline parcels' owner and as another client.
// Invariants: 200, 400 or 404 only, or 414 uri.too.long for a path over
// DefaultMaxPath and only then; a 200 answers the order the canonical
// form of the identifier (ids.Parse) names, exactly as the canonical form
// itself does; another client never sees it (404).
func FuzzTrackingIdentifier(f *testing.F) {
	fe := newFuzzEnv(f)
	for _, p := range fe.parcels {
		f.Add(p.returnCode)
		f.Add(p.trackingRef)
		f.Add(p.shipmentID)
		f.Add(strings.ToLower(p.returnCode))
		f.Add("%2800%29" + strings.TrimPrefix(p.trackingRef, "(00)"))
		f.Add("%28401%29" + strings.TrimPrefix(p.shipmentID, "(401)"))
		f.Add(" " + p.returnCode + "\t")
	}
	for _, s := range []string{"", " ", "T-", "(00)", "(401)", "..", "/", "%", "%zz", "\x00", "T-NXXW9/NO/false", "37072476000000000"} {
		f.Add(s)
	}
	owner := map[string]string{} // canonical identifier -> client
	for _, p := range fe.parcels {
		for _, id := range []string{p.returnCode, p.trackingRef, p.shipmentID} {
			_, canon := ids.Parse(id)
			owner[canon] = p.client
		}
	}
	track := func(t *testing.T, token, id string) reply {
		fe.t = t
		return fe.do("GET", fmt.Sprintf("/parcels/v1/tracking/fetch/%s/NO/false", url.PathEscape(id)), token, nil)
	}

	f.Fuzz(func(t *testing.T, id string) {
		path := fmt.Sprintf("/parcels/v1/tracking/fetch/%s/NO/false", url.PathEscape(id))
		if _, err := url.ParseRequestURI(path); err != nil {
			return
		}
		got := track(t, fe.demoTok, id)
		if refusedTooLong(t, path, got) {
			return
		}
		switch got.Status {
		case 200:
		case 400, 404:
			checkError(t, got)
			return
		default:
			t.Fatalf("tracking %q: %d %s", id, got.Status, got.Body)
		}
		kind, canon := ids.Parse(id)
		if kind == ids.KindUnknown {
			t.Fatalf("tracking %q (not an identifier ids.Parse knows) found an order: %s", id, got.Body)
		}
		if owner[canon] != "demo" {
			t.Fatalf("tracking %q as demo found %s, whose owner is %q: %s", id, canon, owner[canon], got.Body)
		}
		want := track(t, fe.demoTok, canon)
		if !bytes.Equal(want.Body, got.Body) {
			t.Fatalf("tracking %q and its canonical form %q differ:\n%s\n%s", id, canon, got.Body, want.Body)
		}
		if other := track(t, fe.demo2Tok, id); other.Status != 404 {
			t.Fatalf("demo2 tracking demo's %q: %d, want 404: %s", id, other.Status, other.Body)
		}
	})
}
