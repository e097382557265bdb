package sim

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPopulateDropoffAfterClientsDropoff (populate answered 500 when a
// client dropped off one of its orders meanwhile): populate books first
// and drops off afterwards, at past times; an order a client dropped off
// in between still looked waiting at populate's earlier dropAt, and apply
// refused the record ("before its last event", or a second conversion),
// so populate stopped with 500 internal.error. Such an order is skipped.
func TestPopulateDropoffAfterClientsDropoff(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Seed: 42, Clock: time.Date(2026, 6, 16, 10, 0, 0, 0, oslo), StrictResponses: true})
	if err != nil {
		t.Fatal(err)
	}
	send := sender(s)
	token := demoToken(t, send)
	for _, guide := range []string{"booking-113", "booking-23"} {
		t.Run(guide, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "guide", guide+".request.json"))
			if err != nil {
				t.Fatal(err)
			}
			code, answer := send("POST", "/parcels/v1/bookings", token, body)
			var booked struct {
				OrderID int64
				Items   []struct{ ReturnCode string }
			}
			if err := json.Unmarshal(answer, &booked); code != 200 || err != nil {
				t.Fatalf("booking: %d %s", code, answer)
			}
			if code, answer := send("POST", "/__sim/clock", "", []byte(`{"advance":"2h"}`)); code != 200 {
				t.Fatalf("advance: %d %s", code, answer)
			}
			drop, _ := json.Marshal(map[string]string{"code": booked.Items[0].ReturnCode, "servicePointId": "49003"})
			if code, answer := send("POST", "/__sim/dropoffs", "", drop); code != 200 {
				t.Fatalf("the client's drop-off: %d %s", code, answer)
			}
			_, before := send("GET", "/__sim/state", "", nil)
			// Populate's drop-off of the same order, planned an hour
			// before the client's.
			id, done, aerr := s.demoDropoff(&demoOrder{orderID: booked.OrderID, dropAt: s.Now().Add(-time.Hour), point: "49003"})
			if aerr != nil || done || id != 0 {
				t.Fatalf("populate's drop-off after the client's = (%d, %v, %v), want skipped", id, done, aerr)
			}
			if _, after := send("GET", "/__sim/state", "", nil); !bytes.Equal(after, before) {
				t.Errorf("a skipped drop-off changed the state")
			}
		})
	}
}
