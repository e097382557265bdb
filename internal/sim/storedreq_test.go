package sim

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jsonKey is what an order kept of its request before storedReq: the
// decoded request re-encoded by json.Marshal, its date compacted.
func jsonKey(t *testing.T, req *bookingReq) []byte {
	t.Helper()
	norm := *req
	var date bytes.Buffer
	if len(req.DesiredDeliveryDate) > 0 && json.Compact(&date, req.DesiredDeliveryDate) == nil {
		norm.DesiredDeliveryDate = date.Bytes()
	}
	b, err := json.Marshal(norm)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// randomRequest is a decoded booking request of tricky values; its
// strings are valid UTF-8, as decode leaves every string.
func randomRequest(r *rand.Rand) bookingReq {
	str := func() *string {
		if p := randomNullString(r); p != nil {
			return ptr(strings.ToValidUTF8(*p, "\uFFFD"))
		}
		return nil
	}
	flexI := func() flexInt {
		if r.IntN(4) == 0 {
			return flexInt{}
		}
		return flexInt{V: r.Int64N(1<<40) - 1<<39, Set: true}
	}
	raw := func() json.RawMessage { return trickyRaw[r.IntN(len(trickyRaw))] }
	req := bookingReq{ShopID: flexI(), TransportSolutionID: flexI(), ShipmentID: str(), DesiredDeliveryDate: raw(),
		MessageToCarrier: str(), MessageToConsignee: str()}
	if r.IntN(2) == 0 {
		req.DesiredDeliveryDate = json.RawMessage(" 20260617\n")
	}
	if r.IntN(8) > 0 {
		req.Parties = []partyIn{}
		for range r.IntN(4) {
			pt := partyIn{Type: strings.ToValidUTF8(randomString(r), "\uFFFD"), ID: raw()}
			for _, v := range pt.strings() {
				*v = str()
			}
			req.Parties = append(req.Parties, pt)
		}
	}
	if r.IntN(8) > 0 {
		req.Items = []itemIn{}
		for range r.IntN(4) {
			it := itemIn{ItemNumber: flexI(), TrackingReference: str(), Contents: str()}
			for _, v := range it.measures() {
				*v = randomFlexNum(r)
			}
			req.Items = append(req.Items, it)
		}
	}
	return req
}

// TestStoredRequestIsTheJSONKey: a stored request decodes to what json.Marshal
// writes as the request's old JSON key (so the state file keeps the JSON
// it always kept), and reading that JSON back (a restart) stores the very
// bytes a live request stores (so a retry after a restart is recognised).
func TestStoredRequestIsTheJSONKey(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20_000 {
		req := randomRequest(r)
		stored, err := encodeReq(&req)
		if err != nil {
			t.Fatal(err)
		}
		key := jsonKey(t, &req)
		got, err := stored.MarshalJSON()
		if err != nil || !bytes.Equal(got, key) {
			t.Fatalf("MarshalJSON = %s, %v\nwant %s", got, err, key)
		}
		var replayed storedReq
		if err := replayed.UnmarshalJSON(key); err != nil {
			t.Fatal(err)
		}
		if replayed != stored {
			t.Fatalf("read back from %s, the stored request differs", key)
		}
		// The decoded request renders as the original: only raw values
		// are normalised, as json.Marshal writes them anyway.
		dec, err := stored.decode()
		if err != nil {
			t.Fatal(err)
		}
		again, _ := encodeReq(&dec)
		if again != stored {
			t.Fatal("encode(decode(stored)) differs from stored")
		}
		if diff := cmp.Diff(req.Parties, dec.Parties, cmp.Comparer(func(a, b json.RawMessage) bool {
			wa, _ := appendRaw(nil, a)
			wb, _ := appendRaw(nil, b)
			return bytes.Equal(wa, wb)
		})); diff != "" {
			t.Fatalf("parties (-want +got):\n%s", diff)
		}
	}
}

// TestStoredRequestSameExactlyWhenJSONKeySame: two requests are stored the
// same exactly when their JSON keys are the same, on pairs that differ in
// one value or only in form.
func TestStoredRequestSameExactlyWhenJSONKeySame(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 5_000 {
		a, b := randomRequest(r), randomRequest(r)
		if r.IntN(2) == 0 {
			b = a // then change at most one thing, or only its form
			b.Parties = append([]partyIn(nil), a.Parties...)
			switch r.IntN(4) {
			case 0:
				if a.DesiredDeliveryDate != nil {
					b.DesiredDeliveryDate = append(json.RawMessage(" "), a.DesiredDeliveryDate...)
				}
			case 1:
				if len(b.Parties) > 0 {
					b.Parties[0].Name = ptr(str(b.Parties[0].Name) + "x")
				}
			case 2:
				b.ShopID.Set = !b.ShopID.Set
			}
		}
		sa, _ := encodeReq(&a)
		sb, _ := encodeReq(&b)
		if (sa == sb) != bytes.Equal(jsonKey(t, &a), jsonKey(t, &b)) {
			t.Fatalf("stored equal %v, JSON keys not:\n%s\n%s", sa == sb, jsonKey(t, &a), jsonKey(t, &b))
		}
	}
}

// FuzzStoredRequest: any bytes decode without a panic or an error, and
// what decodes stores the same once encoded (encodeReq's own bytes are
// canonical: a forged form, such as an overlong varint, is not).
func FuzzStoredRequest(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 8 {
		req := randomRequest(r)
		s, _ := encodeReq(&req)
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := storedReq(b).decode()
		if err != nil {
			return
		}
		again, err := encodeReq(&req)
		if err != nil {
			return // a raw value that is not JSON: only a forged stored request holds one
		}
		dec, err := again.decode()
		if err != nil {
			t.Fatal(err)
		}
		if twice, _ := encodeReq(&dec); twice != again {
			t.Fatalf("encoded twice: %x, once: %x", twice, again)
		}
	})
}

// TestStoredReqShipmentID: an order's client-supplied shipmentId is read
// out of its stored request, as sent, without a copy.
func TestStoredReqShipmentID(t *testing.T) {
	for _, tc := range []struct {
		in     *string
		want   string
		wantOK bool
	}{{nil, "", false}, {ptr(""), "", true}, {ptr(" BENCH1 "), " BENCH1 ", true}, {ptr("(401)70724763469418064"), "(401)70724763469418064", true}} {
		req := bookingReq{ShopID: flexInt{V: 16, Set: true}, TransportSolutionID: flexInt{V: 113, Set: true}, ShipmentID: tc.in}
		s, err := encodeReq(&req)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := s.shipmentID(); got != tc.want || ok != tc.wantOK {
			t.Errorf("shipmentID of %v = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
	if got, ok := storedReq("\x01").shipmentID(); ok {
		t.Errorf("a cut request gave %q", got)
	}
	// The longest prefix (two 10-byte varints), and a length beyond the end.
	long := bookingReq{ShopID: flexInt{V: math.MinInt64, Set: true}, TransportSolutionID: flexInt{V: math.MaxInt64, Set: true}, ShipmentID: ptr("LONG-1")}
	s, err := encodeReq(&long)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := s.shipmentID(); got != "LONG-1" || !ok {
		t.Errorf("shipmentID after the longest ids = %q, %v", got, ok)
	}
	if got, ok := s[:2*(1+binary.MaxVarintLen64)+1+3].shipmentID(); ok { // the ids, the length, "LON"
		t.Errorf("a request cut inside its shipmentId gave %q", got)
	}
	if n := testing.AllocsPerRun(10, func() { s.shipmentID() }); n != 0 {
		t.Errorf("shipmentID allocates %v times, want 0 (no copy of the request)", n)
	}
}
