package sim_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// compatBookings are the bookings of testdata/state/v2.jsonl: the guide's,
// a home pickup that is then converted, and one of odd but valid values
// (HTML characters, escapes, a line separator, ids as a number and as an
// escaped string, numbers as strings, a date as a string, two items).
var compatBookings = []struct{ name, body string }{
	{"guide-113", `{"shopId": 16, "transportSolutionId": 113, "shipmentId": "COMPAT-113", "desiredDeliveryDate": 20260617,
"messageToCarrier": "hello car", "messageToConsignee": "hello con", "parties": [
{"type": "consignee", "name": "Kristian Voie Danielsen", "countryCode": "NO", "postalName": "Oslo", "zipCode": "0751",
"address": "Vækerøveien 164d", "coaddress": "", "phone1": " 47 980 50 370", "phone2": null, "email": "test@gmail.com",
"reference": "consignee_reference", "contact": "contact2"},
{"type": "consignor", "id": null, "name": "Test shop", "countryCode": "NO", "postalName": "Herslebsgate 2F", "zipCode": "0561",
"address": "Herslebsgate 2F", "phone1": "12345678", "phone2": null, "email": "", "reference": "consignor_reference",
"contact": "consignor_contact", "coaddress": null}],
"items": [{"itemNumber": 1, "trackingReference": "", "weight": 1000, "width": 12, "height": 12, "length": 12, "contents": "test item"}]}`},
	{"pickup-23", `{"shopId": 16, "transportSolutionId": 23, "shipmentId": "COMPAT-23", "desiredDeliveryDate": 20260617, "parties": [
{"type": "consignee", "name": "Test receiver", "countryCode": "NO", "postalName": "Oslo", "zipCode": "0751",
"address": "Vækerøveien 164d", "coaddress": "", "phone1": "12345678", "email": "test@gmail.com"},
{"type": "consignor", "id": null, "name": "Test sender", "countryCode": "NO", "postalName": "Oslo", "zipCode": "0561",
"address": "Herslebsgate 2F", "phone1": "12345678", "email": "test@gmail.com"}],
"items": [{"itemNumber": 1, "trackingReference": "", "weight": 900}]}`},
	{"odd-values", `{"shopId": "16", "transportSolutionId": "113", "shipmentId": "COMPAT-ODD", "desiredDeliveryDate": "2026-06-17",
"messageToCarrier": "<b>Ring & vent</b>", "messageToConsignee": "line\u2028separator \"quoted\" \\ tab\t", "parties": [
{"type": "consignee", "id": "\u0041B<1>", "name": "\u00c6se <&> \u00d8ystein", "countryCode": "no", "postalName": "Oslo",
"zipCode": "0751", "address": "Vækerøveien 164d", "phone1": "+47 980 50 370", "email": " a@b.no ", "reference": null},
{"type": "consignor", "id": 123, "name": "Shop", "countryCode": "NO", "postalName": "Oslo", "zipCode": "0561",
"address": "Herslebsgate 2F", "phone1": "12345678", "email": ""}],
"items": [{"itemNumber": "1", "trackingReference": "", "weight": "1500.5", "width": 12.25, "length": "0", "volume": null, "contents": "\ud83d\ude00"},
{"itemNumber": 2, "trackingReference": "", "weight": 1e3}]}`},
}

// TestStateFileOfEarlierVersionReplays: testdata/state/v2.jsonl was
// written by the mock before orders kept their request in memory in a
// compact binary form (the file keeps it as JSON, the same as ever). A
// mock started on it answers a retry of each of its bookings with the
// bytes it answered then, and /__sim/state as it was. -update rewrites
// the file and the answers with the code of today.
func TestStateFileOfEarlierVersionReplays(t *testing.T) {
	dir := filepath.Join("testdata", "state")
	path := filepath.Join(t.TempDir(), "state.jsonl")
	if *update {
		e := newEnv(t, withState(path))
		token := e.demo()
		want := map[string]json.RawMessage{}
		for _, b := range compatBookings {
			r := e.do("POST", pathBooking, token, b.body)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", b.name, r.Status, r.Body)
			}
			want[b.name] = r.Body
		}
		pickup := want["pickup-23"]
		var p map[string]any
		if err := json.Unmarshal(pickup, &p); err != nil {
			t.Fatal(err)
		}
		e.advance("2h")
		e.dropoff(firstItem(p)["returnCode"].(string), "49003", 200) // a conversion: an order with its answer
		want["state"] = json.RawMessage(e.state())
		if err := e.srv.Close(); err != nil {
			t.Fatal(err)
		}
		answers, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "v2.jsonl"), readFile(t, path), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "v2.answers.json"), answers, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, readFile(t, filepath.Join(dir, "v2.jsonl")), 0o600); err != nil {
		t.Fatal(err)
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "v2.answers.json")), &want); err != nil {
		t.Fatal(err)
	}
	compact := func(raw json.RawMessage) []byte {
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	e := newEnv(t, withState(path))
	if got := e.state(); got != string(compact(want["state"])) {
		t.Errorf("/__sim/state after replay:\n%s\nwant\n%s", got, compact(want["state"]))
	}
	token := e.demo()
	for _, b := range compatBookings {
		r := e.do("POST", pathBooking, token, b.body)
		if r.Status != 200 || !bytes.Equal(r.Body, compact(want[b.name])) {
			t.Errorf("%s: the retry answers %d\n%s\nwant the answer of the first booking\n%s", b.name, r.Status, r.Body, compact(want[b.name]))
		}
	}
}
