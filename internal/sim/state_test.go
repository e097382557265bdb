package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
)

// TestByOrderIDFindsEveryOrder: byOrderID, a binary search of orders
// since the byOrderID map went, finds each order by its orderId, before
// and after one client's orders are removed, and nothing for another id.
func TestByOrderIDFindsEveryOrder(t *testing.T) {
	st := newState(clock{}, gen{})
	for i, id := range []int64{5, 9, 12, 40, 41} {
		client := []string{"a", "b"}[i%2]
		st.add(&order{ClientID: client, OrderID: id, ShipmentID: client + string(rune('0'+i))})
	}
	check := func(t *testing.T, want map[int64]string) {
		t.Helper()
		for _, id := range []int64{0, 1, 5, 6, 9, 12, 13, 40, 41, 42} {
			o := st.byOrderID(id)
			switch client, ok := want[id]; {
			case !ok && o != nil:
				t.Errorf("byOrderID(%d) = order %d, want none", id, o.OrderID)
			case ok && (o == nil || o.OrderID != id || o.ClientID != client):
				t.Errorf("byOrderID(%d) = %+v, want client %s's order", id, o, client)
			}
		}
	}
	t.Run("all", func(t *testing.T) { check(t, map[int64]string{5: "a", 9: "b", 12: "a", 40: "b", 41: "a"}) })
	st.removeClient("a")
	t.Run("after removeClient", func(t *testing.T) { check(t, map[int64]string{9: "b", 40: "b"}) })
	st.removeAll()
	t.Run("after removeAll", func(t *testing.T) { check(t, nil) })
}

// TestOrderIDBelowTheLastIsRefused: orders must stay in orderId order for
// byOrderID's search, so a record of an order below the last one is
// refused (the generator's orderIds only grow; a new id is not below).
func TestOrderIDBelowTheLastIsRefused(t *testing.T) {
	st := newState(clock{}, gen{})
	st.add(&order{ClientID: "a", OrderID: 100, ShipmentID: "A"})
	for _, tc := range []struct {
		id   int64
		want string
	}{{50, "below the last"}, {100, "not new"}} {
		err := st.checkOrder(&order{ClientID: "a", OrderID: tc.id, ShipmentID: "B"}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("orderId %d: %v, want an error saying %q", tc.id, err, tc.want)
		}
	}
}

// TestDesiredDateJSON: an order keeps its desired date by value
// (civilDate) and the state file as calendar.Date's JSON, as when it was
// a *calendar.Date: an order without one has no "desired" key.
func TestDesiredDateJSON(t *testing.T) {
	var o orderRec
	if err := json.Unmarshal([]byte(`{"desired":{"Year":2026,"Month":6,"Day":17}}`), &o); err != nil {
		t.Fatal(err)
	}
	if d, ok := o.Desired.date(); !ok || d != (calendar.Date{Year: 2026, Month: time.June, Day: 17}) {
		t.Errorf("desired = %v, %v; want 2026-06-17", d, ok)
	}
	if b, _ := json.Marshal(o.Desired); string(b) != `{"Year":2026,"Month":6,"Day":17}` {
		t.Errorf("written as %s", b)
	}
	for _, in := range []string{`{}`, `{"desired":null}`} {
		var none orderRec
		if err := json.Unmarshal([]byte(in), &none); err != nil {
			t.Fatal(err)
		}
		if _, ok := none.Desired.date(); ok {
			t.Errorf("%s: a desired date", in)
		}
		if b, _ := json.Marshal(none); strings.Contains(string(b), "desired") {
			t.Errorf("%s written as %s", in, b)
		}
	}
	if err := json.Unmarshal([]byte(`{"desired":{"Year":2026,"Month":6,"Day":300}}`), &o); err == nil {
		t.Error("day 300 read without an error")
	}
}

// TestEventJSON: an event keeps its time as Unix seconds and its zone
// offset, and the state file shows it as before, offset and nanoseconds
// included; a kind beyond a byte does not load.
func TestEventJSON(t *testing.T) {
	for _, in := range []string{
		`{"at":"2026-06-16T10:00:00+02:00","kind":0}`,
		`{"at":"2026-06-16T12:00:00.123456789Z","kind":2,"servicePointId":"49003"}`,
		`{"at":"1850-01-01T00:00:00-05:30","kind":5}`,
		`{"at":"2026-06-16T10:00:00+02:00","kind":200}`, // unknown: checkEvents refuses it
	} {
		var e event
		if err := json.Unmarshal([]byte(in), &e); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if out, err := json.Marshal(e); err != nil || string(out) != in {
			t.Errorf("%s read and written = %s, %v", in, out, err)
		}
	}
	at := time.Date(2026, 6, 16, 10, 0, 0, 5, time.FixedZone("", -3600))
	if e := newEvent(at, evDelivered, "x"); !e.At().Equal(at) || e.Kind() != evDelivered || e.ServicePointID != "x" {
		t.Errorf("newEvent(%v, delivered, x) = %v %v %q", at, e.At(), e.Kind(), e.ServicePointID)
	}
	var e event
	if err := json.Unmarshal([]byte(`{"at":"2026-06-16T10:00:00+02:00","kind":256}`), &e); err == nil {
		t.Errorf("kind 256 read as %v", e.Kind())
	}
}

// TestOrderJSONRoundTrip: an order is kept in a compact form (order) and
// written as orderRec; every order of the version-2 state file reads and
// writes back byte for byte.
func TestOrderJSONRoundTrip(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "state", "v2.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(b)) {
		_, body, _ := strings.Cut(strings.TrimSpace(line), " ") // the checksum
		var r struct {
			Order json.RawMessage `json:"order"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		if r.Order == nil {
			continue
		}
		n++
		var o order
		if err := json.Unmarshal(r.Order, &o); err != nil {
			t.Fatalf("%s: %v", r.Order, err)
		}
		want := r.Order
		if strings.Contains(string(r.Order), `"conv":`) {
			// A conversion's old answer is read and forgotten, as orderRec
			// alone forgets it.
			var rec orderRec
			if err := json.Unmarshal(r.Order, &rec); err != nil {
				t.Fatal(err)
			}
			if want, err = json.Marshal(rec); err != nil {
				t.Fatal(err)
			}
		}
		if out, err := json.Marshal(&o); err != nil || string(out) != string(want) {
			t.Errorf("read and written:\n%s\nwant\n%s (%v)", out, want, err)
		}
	}
	if n < 3 {
		t.Fatalf("%d orders in the file, want 3 or more", n)
	}
}

// TestUnknownKeyInsideAnOrderIsRefused: openState refuses a renamed key
// (finding 14); the values that read themselves (order, item, event,
// date) refuse one too, as the decoder's setting does not reach them.
func TestUnknownKeyInsideAnOrderIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		into any
		in   string
	}{
		{"order", &order{}, `{"clientId":"demo","bookedPt":"1"}`},
		{"item", &orderItem{}, `{"sscc":"370724763557360603","returnCod":"T-HN5NC"}`},
		{"event", &event{}, `{"at":"2026-06-16T10:00:00+02:00","kind":0,"servicePoint":"1"}`},
		{"date", &civilDate{}, `{"Year":2026,"Month":6,"Day":17,"Hour":1}`},
	} {
		if err := json.Unmarshal([]byte(tc.in), tc.into); err == nil {
			t.Errorf("%s: %s read without an error", tc.name, tc.in)
		}
	}
}

// TestUnknownKeyInsideARecordIsRefused: readRecord, which decodes a
// record's values in their plain wire forms in one pass, refuses an
// unknown key at every depth, and reads the same record without it.
func TestUnknownKeyInsideARecordIsRefused(t *testing.T) {
	const order = `{"type":"order","at":"2026-06-16T10:00:00+02:00","order":{"clientId":"demo","shopId":16,"orderId":1,"shipmentId":"S-1","ts":23,"fp":26,` +
		`"bookedAt":"2026-06-16T10:00:00+02:00","items":[{"sscc":"370724763557360603","returnCode":"T-HN5NC"%s}],` +
		`"events":[{"at":"2026-06-16T10:00:00+02:00","kind":0%s}],"req":null,"desired":{"Year":2026,"Month":6,"Day":17%s}%s}%s}`
	const dropoff = `{"type":"dropoff","at":"2026-06-16T10:00:00+02:00","orderId":1,"servicePointId":"1","events":[{"at":"2026-06-16T10:00:00+02:00","kind":2%s}]}`
	const reset = `{"type":"reset","at":"2026-06-16T10:00:00+02:00","clock":{"start":"2026-06-16T10:00:00+02:00","frozen":true,"offset":0%s},` +
		`"gen":{"pcg":"cGNnOgAAAAAAAAABAAAAAAAAAAI=","serial":1,"nextOrderId":2,"returnCodeKey":3,"returnCodesDrawn":4%s}}`
	const x = `,"x":1`
	for _, tc := range []struct{ name, ok, bad string }{
		{"record", fmt.Sprintf(order, "", "", "", "", ""), fmt.Sprintf(order, "", "", "", "", x)},
		{"order", fmt.Sprintf(order, "", "", "", "", ""), fmt.Sprintf(order, "", "", "", x, "")},
		{"item", fmt.Sprintf(order, "", "", "", "", ""), fmt.Sprintf(order, x, "", "", "", "")},
		{"event", fmt.Sprintf(order, "", "", "", "", ""), fmt.Sprintf(order, "", x, "", "", "")},
		{"date", fmt.Sprintf(order, "", "", "", "", ""), fmt.Sprintf(order, "", "", x, "", "")},
		{"dropoff event", fmt.Sprintf(dropoff, ""), fmt.Sprintf(dropoff, x)},
		{"clock", fmt.Sprintf(reset, "", ""), fmt.Sprintf(reset, x, "")},
		{"generators", fmt.Sprintf(reset, "", ""), fmt.Sprintf(reset, "", x)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := readRecord([]byte(tc.ok)); err != nil {
				t.Fatalf("%s: %v", tc.ok, err)
			}
			if _, err := readRecord([]byte(tc.bad)); err == nil || !strings.Contains(err.Error(), `unknown field "x"`) {
				t.Errorf("%s read with error %v, want unknown field \"x\"", tc.bad, err)
			}
		})
	}
}
