package sim_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func (e *env) track(token, id string, onlyLast bool) reply {
	e.t.Helper()
	last := "false"
	if onlyLast {
		last = "true"
	}
	return e.do("GET", "/parcels/v1/tracking/fetch/"+url.PathEscape(id)+"/NO/"+last, token, nil)
}

// tracked is a tracking answer, decoded.
type tracked []struct {
	ShipmentNumber string
	Items          []struct {
		TrackingNumber      string
		ReturnCode          *string
		FreightProductID    int
		ParcelStatus        string
		LinkedParcelNumbers []string
		Events              []struct {
			EventTime string
			EventType struct{ APIKey, Description string }
		}
	}
}

func (e *env) tracked(token, id string) tracked {
	e.t.Helper()
	r := e.track(token, id, false)
	if r.Status != 200 {
		e.t.Fatalf("tracking %s: %d %s", id, r.Status, r.Body)
	}
	var tr tracked
	if err := jsonUnmarshal(r.Body, &tr); err != nil {
		e.t.Fatal(err)
	}
	return tr
}

func (tr tracked) statuses() []string {
	var out []string
	for _, s := range tr {
		out = append(out, s.Items[0].ParcelStatus)
	}
	return out
}

func (tr tracked) apiKeys(i int) []string {
	var out []string
	for _, ev := range tr[i].Items[0].Events {
		out = append(out, ev.EventType.APIKey)
	}
	return out
}

// TestTrackingIdentifiers: every identifier form finds the parcel.
func TestTrackingIdentifiers(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	resp := e.book(token, booking(t, 113, nil))
	ship := resp["shipmentId"].(string)
	track := firstItem(resp)["trackingReference"].(string)
	rc := firstItem(resp)["returnCode"].(string)
	for _, id := range []string{
		ship, strings.TrimPrefix(ship, "(401)"),
		track, strings.TrimPrefix(track, "(00)"),
		rc, strings.ToLower(rc),
	} {
		t.Run(id, func(t *testing.T) {
			tr := e.tracked(e.demo(), id)
			if len(tr) != 1 || "(401)"+tr[0].ShipmentNumber != ship || "(00)"+tr[0].Items[0].TrackingNumber != track {
				t.Errorf("tracking %s = %+v", id, tr)
			}
		})
	}
	t.Run("escaped parentheses", func(t *testing.T) {
		r := e.do("GET", "/parcels/v1/tracking/fetch/%28401%29"+strings.TrimPrefix(ship, "(401)")+"/EN/false", token, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("client-supplied shipmentId", func(t *testing.T) {
		e.book(token, booking(t, 113, func(b map[string]any) { b["shipmentId"] = "MY-ORDER-1" }))
		if tr := e.tracked(e.demo(), "MY-ORDER-1"); tr[0].ShipmentNumber != "MY-ORDER-1" {
			t.Errorf("= %+v", tr)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		for _, id := range []string{"T-AAAAA", "(401)70724760000000000", "nothing-like-an-id"} {
			r := e.track(token, id, false)
			if r.Status != 404 || r.errorKey(t) != "cannot.find.order" {
				t.Errorf("%s: %d %s", id, r.Status, r.Body)
			}
		}
	})
	t.Run("another client's parcel is not visible", func(t *testing.T) {
		other := e.token("demo2", "demo2-secret")
		for _, id := range []string{ship, track, rc} {
			if r := e.track(other, id, false); r.Status != 404 {
				t.Errorf("demo2 tracking demo's %s: %d %s", id, r.Status, r.Body)
			}
		}
	})
	t.Run("needs a token", func(t *testing.T) {
		if r := e.track("", rc, false); r.Status != 401 {
			t.Errorf("%d", r.Status)
		}
	})
}

// TestLifecycle: clock advances move parcels through their states.
func TestLifecycle(t *testing.T) {
	t.Run("home pickup", func(t *testing.T) {
		e := newEnv(t) // Tue 2026-06-16 10:00
		token := e.demo()
		rc := firstItem(e.book(token, booking(t, 23, nil)))["returnCode"].(string) // pickup Wed 17th
		steps := []struct {
			advance, status string
			keys            []string
		}{
			{"", "WAITING_FOR_PACKAGE", []string{"001"}},
			{"24h", "WAITING_FOR_PACKAGE", []string{"001"}},            // Wed 10:00
			{"1h", "PICKED_UP", []string{"001", "032"}},                // Wed 11:00
			{"7h", "IN_TRANSIT", []string{"001", "032", "050"}},        // Wed 18:00
			{"20h", "DELIVERED", []string{"001", "032", "050", "090"}}, // Thu 14:00
		}
		for _, st := range steps {
			if st.advance != "" {
				e.advance(st.advance)
			}
			tr := e.tracked(e.demo(), rc)
			assertDiff(t, "after "+st.advance+" status", []string{st.status}, tr.statuses())
			assertDiff(t, "after "+st.advance+" events", st.keys, tr.apiKeys(0))
		}
		last := e.track(e.demo(), rc, true)
		var tr tracked
		_ = jsonUnmarshal(last.Body, &tr)
		assertDiff(t, "onlyLastEvent", []string{"090"}, tr.apiKeys(0))
		if got := tr[0].Items[0].Events[0].EventTime; got != "2026-06-18 14:00:00" {
			t.Errorf("delivered at %s, want 2026-06-18 14:00:00 Oslo time", got)
		}
	})
	t.Run("service point", func(t *testing.T) {
		e := newEnv(t)
		token := e.demo()
		rc := firstItem(e.book(token, booking(t, 113, nil)))["returnCode"].(string)
		e.advance("72h")
		assertDiff(t, "never dropped off", []string{"WAITING_FOR_PACKAGE"}, e.tracked(e.demo(), rc).statuses())
		e.dropoff(rc, "49003", 200)
		tr := e.tracked(e.demo(), rc)
		assertDiff(t, "dropped off", []string{"DROPPED_OFF"}, tr.statuses())
		e.advance("48h")
		tr = e.tracked(e.demo(), rc)
		assertDiff(t, "later", []string{"DELIVERED"}, tr.statuses())
		assertDiff(t, "events", []string{"001", "041", "050", "090"}, tr.apiKeys(0))
	})
}

func (e *env) dropoff(code, sp string, status int) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/__sim/dropoffs", "", map[string]string{"code": code, "servicePointId": sp})
	if r.Status != status {
		e.t.Fatalf("dropoff %s at %s: %d %s, want %d", code, sp, r.Status, r.Body, status)
	}
	return r.json(e.t)
}

// TestPUDOConversion: a home-pickup parcel dropped at a service point
// becomes a return-from-service-point order, and tracking goes on.
func TestPUDOConversion(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	orig := e.book(token, booking(t, 23, nil))
	rc := firstItem(orig)["returnCode"].(string)
	oldTrack := firstItem(orig)["trackingReference"].(string)
	oldShip := orig["shipmentId"].(string)

	e.advance("2h") // before the pickup
	res := e.dropoff(rc, "49003", 200)
	if res["kind"] != "conversion" {
		t.Fatalf("kind = %v", res["kind"])
	}
	n := res["order"].(map[string]any)
	c := res["cancelledOrder"].(map[string]any)
	if n["freightProductId"] != 92.0 || n["orderId"] == orig["orderId"] || n["shipmentId"] == oldShip {
		t.Errorf("new order = %v", n)
	}
	if c["status"] != "CANCELLED" || c["replacedByOrderId"] != n["orderId"] || n["replacesOrderId"] != orig["orderId"] {
		t.Errorf("cancelled = %v, new = %v", c, n)
	}
	newTrack := n["items"].([]any)[0].(map[string]any)["trackingReference"].(string)
	if newTrack == oldTrack || n["items"].([]any)[0].(map[string]any)["returnCode"] != rc {
		t.Errorf("new item = %v, want a new tracking reference and the same returnCode", n["items"])
	}

	for _, id := range []string{rc, oldTrack, oldShip, newTrack, n["shipmentId"].(string)} {
		t.Run("journey by "+id, func(t *testing.T) {
			tr := e.tracked(e.demo(), id)
			if len(tr) != 2 {
				t.Fatalf("%d shipments, want the cancelled and the new one", len(tr))
			}
			assertDiff(t, "statuses", []string{"CANCELLED", "DROPPED_OFF"}, tr.statuses())
			assertDiff(t, "old events", []string{"001", "071"}, tr.apiKeys(0))
			assertDiff(t, "new events", []string{"001", "041"}, tr.apiKeys(1))
			if tr[1].Items[0].FreightProductID != 92 {
				t.Errorf("new freight product %d", tr[1].Items[0].FreightProductID)
			}
			assertDiff(t, "old links", []string{strings.TrimPrefix(newTrack, "(00)")}, tr[0].Items[0].LinkedParcelNumbers)
			assertDiff(t, "new links", []string{strings.TrimPrefix(oldTrack, "(00)")}, tr[1].Items[0].LinkedParcelNumbers)
		})
	}

	e.advance("48h") // past the old pickup date: nothing is picked up
	assertDiff(t, "later", []string{"CANCELLED", "DELIVERED"}, e.tracked(e.demo(), rc).statuses())

	t.Run("refused drop-offs change nothing", func(t *testing.T) {
		e := newEnv(t)
		token := e.demo()
		picked := firstItem(e.book(token, booking(t, 23, nil)))["returnCode"].(string)
		convertedItem := firstItem(e.book(token, booking(t, 23, nil)))
		converted := convertedItem["returnCode"].(string)
		cancelledRef := convertedItem["trackingReference"].(string) // stays with the cancelled pickup order
		e.dropoff(converted, "49003", 200)
		e.advance("26h") // the first is picked up Wed 11:00
		for _, tt := range []struct {
			name, code, sp string
			status         int
			key            string
		}{
			{"picked up", picked, "49003", 409, "parcel.already.picked.up"},
			{"already dropped off", converted, "49003", 409, "parcel.already.dropped.off"},
			{"cancelled pickup order", cancelledRef, "49003", 409, "order.cancelled"},
			{"unknown", "T-AAAAA", "49003", 404, "cannot.find.order"},
			{"unknown point", picked, "1", 400, "unknown.servicePoint"},
			{"B2C parcel", firstItem(e.book(e.demo(), booking(t, 2, func(b map[string]any) { delete(b, "desiredDeliveryDate") })))["trackingReference"].(string), "49003", 409, "dropoff.not.applicable"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				before := e.state()
				r := e.do("POST", "/__sim/dropoffs", "", map[string]string{"code": tt.code, "servicePointId": tt.sp})
				if r.Status != tt.status || r.errorKey(t) != tt.key {
					t.Fatalf("= %d %s, want %d %s", r.Status, r.Body, tt.status, tt.key)
				}
				if after := e.state(); after != before {
					t.Errorf("state changed")
				}
			})
		}
	})
}

// TestClockControl covers /__sim/clock.
func TestClockControl(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name, body string
		status     int
		now        string
	}{
		{"advance", `{"advance":"26h"}`, 200, "2026-06-17T12:00:00+02:00"},
		{"set", `{"set":"2026-07-01T08:00:00Z"}`, 200, "2026-07-01T10:00:00+02:00"},
		{"backwards", `{"set":"2026-01-01T00:00:00Z"}`, 400, ""},
		{"negative advance", `{"advance":"-1h"}`, 400, ""},
		{"both", `{"set":"2027-01-01T00:00:00Z","advance":"1h"}`, 400, ""},
		{"neither", `{}`, 400, ""},
		{"bad duration", `{"advance":"2 days"}`, 400, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/__sim/clock", "", tt.body)
			if r.Status != tt.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if tt.now == "" {
				return
			}
			got := e.do("GET", "/__sim/clock", "", nil).json(t)
			if !sameInstant(t, got["now"].(string), tt.now) || got["frozen"] != true {
				t.Errorf("clock = %v, want now %s", got, tt.now)
			}
		})
	}
}

// TestTrackingShape (issue 12, finding 6): tracking added a shipment-level
// orderId and freightProductId, which the documented shape (reference
// notes §3.6) lacks, so a client could come to depend on them. A shipment
// has exactly the documented keys; the orderId, the transport solution and
// the freight product of the order are in /__sim/state.
func TestTrackingShape(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	booked := e.book(token, booking(t, 113, nil))
	var shipments []map[string]any
	if err := jsonUnmarshal(e.track(token, booked["shipmentId"].(string), false).Body, &shipments); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if len(shipments) != 1 {
		t.Fatalf("%d shipments, want 1", len(shipments))
	}
	assertDiff(t, "shipment keys", []string{"items", "shipmentNumber", "shopId"}, keys(shipments[0]))
	it := shipments[0]["items"].([]any)[0].(map[string]any)
	assertDiff(t, "item keys", []string{"events", "freightProductId", "linkedParcelNumbers", "parcelStatus", "returnCode", "trackingNumber"}, keys(it))
	// Events (fix-sim finding 5): exactly the documented event,
	// {"eventTime","eventType":{"apiKey",…},"eventGroup":{"id":3}}; no
	// servicePointId, no eventGroup description. A dropped-off parcel's
	// events are checked too: its point was shown on its event.
	e.dropoff(firstItem(booked)["returnCode"].(string), "49003", 200)
	if err := jsonUnmarshal(e.track(token, booked["shipmentId"].(string), false).Body, &shipments); err != nil {
		t.Fatal(err)
	}
	events := shipments[0]["items"].([]any)[0].(map[string]any)["events"].([]any)
	if len(events) < 2 {
		t.Fatalf("%d events after a drop-off, want the booking's and the drop-off's", len(events))
	}
	for i, ev := range events {
		ev := ev.(map[string]any)
		assertDiff(t, fmt.Sprintf("event %d keys", i), []string{"eventGroup", "eventTime", "eventType"}, keys(ev))
		assertDiff(t, fmt.Sprintf("event %d eventType keys", i), []string{"apiKey", "description"}, keys(ev["eventType"].(map[string]any)))
		assertDiff(t, fmt.Sprintf("event %d eventGroup keys", i), []string{"id"}, keys(ev["eventGroup"].(map[string]any)))
	}

	var st struct {
		Orders []struct {
			OrderID             float64 `json:"orderId"`
			ShipmentID          string  `json:"shipmentId"`
			TransportSolutionID int     `json:"transportSolutionId"`
			FreightProductID    int     `json:"freightProductId"`
		} `json:"orders"`
	}
	if err := jsonUnmarshal([]byte(e.state()), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Orders) != 1 || st.Orders[0].OrderID != booked["orderId"] || st.Orders[0].ShipmentID != booked["shipmentId"] ||
		st.Orders[0].TransportSolutionID != 113 || st.Orders[0].FreightProductID != 92 {
		t.Errorf("state = %+v, want the order's orderId, shipmentId, TS 113 and FP 92", st.Orders)
	}
}
