package sim_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// Tests of issue 11 (no request can hurt another, every answer keeps the
// rules) at the simulator's level, each named after the finding it pins.
// The abuse suite (internal/server/abuse_test.go) sends the same attacks
// through the real http.Server.

// TestCaseVariantKeysAreUnknown: encoding/json matched "Items" to the
// items field, so a booking with 50,000 items under "Items" passed the
// spec (an unknown key) and was then stored with every one of them,
// freezing the server. A key that differs from a field only in case is an
// unknown key, ignored like any other.
func TestCaseVariantKeysAreUnknown(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	// The variants come after the real keys: encoding/json let the last
	// of "items" and "Items" win.
	b, err := json.Marshal(booking(t, 113, nil))
	if err != nil {
		t.Fatal(err)
	}
	many := strings.TrimSuffix(strings.Repeat(`{"itemNumber":1,"trackingReference":"","weight":1},`, 50), ",")
	body := string(b[:len(b)-1]) + `,"Items":[` + many + `],"SHIPMENTID":"case-variant-id",` +
		`"Parties":[{"type":"consignee"}],"ShopId":"17"}`
	resp := e.book(token, body)
	if n := len(resp["items"].([]any)); n != 1 {
		t.Errorf("booked %d items, want the 1 under \"items\"", n)
	}
	if id := resp["shipmentId"].(string); id == "case-variant-id" {
		t.Errorf("shipmentId = %q, taken from SHIPMENTID", id)
	}
	if n := len(resp["parties"].([]any)); n != 3 { // consignee, consignor, the point
		t.Errorf("answer has %d parties, want the request's 2 and the service point", n)
	}

	// Without the real key, the case variant does not stand in for it.
	r := e.do("POST", pathBooking, token, booking(t, 113, func(b map[string]any) { b["Items"] = b["items"]; delete(b, "items") }))
	if r.Status != 400 || !strings.Contains(string(r.Body), `"items"`) {
		t.Errorf("booking with only \"Items\" = %d %s, want 400 naming items", r.Status, r.Body)
	}

	// The control plane reads its bodies the same way.
	r = e.do("POST", "/__sim/clock", "", `{"Advance":"1h","set":"2026-06-16T11:00:00+02:00"}`)
	if r.Status != 200 {
		t.Fatalf("clock with a case-variant key = %d %s", r.Status, r.Body)
	}
	var c struct{ Now string }
	if err := json.Unmarshal(r.Body, &c); err != nil || !sameInstant(t, c.Now, "2026-06-16T11:00:00+02:00") {
		t.Errorf("clock = %s, want the set time only", r.Body)
	}
}

// TestDuplicateKeysLastWins: the spec validates the last of a key sent
// twice (as encoding/json's map did), so decoding takes the last one too:
// otherwise a first "items" of 50,000 would be stored past the check of
// the second.
func TestDuplicateKeysLastWins(t *testing.T) {
	e := newEnv(t)
	b, err := json.Marshal(booking(t, 113, nil))
	if err != nil {
		t.Fatal(err)
	}
	many := `"items":[` + strings.Repeat(`{"itemNumber":1,"trackingReference":"","weight":1},`, 11)
	many = strings.TrimSuffix(many, ",") + "],"
	body := "{" + many + string(b[1:])
	r := e.do("POST", pathBooking, e.demo(), body)
	if r.Status != 200 {
		t.Fatalf("= %d %s", r.Status, r.Body)
	}
	if n := len(r.json(t)["items"].([]any)); n != 1 {
		t.Errorf("booked %d items, want the last \"items\" (1)", n)
	}
}
