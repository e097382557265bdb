package sim_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// booking builds a booking body from the guide's TS 23 request, with edits.
func booking(t testing.TB, ts int, edit func(map[string]any)) map[string]any {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(guideRequest(t, "booking-23"), &b); err != nil {
		t.Fatal(err)
	}
	b["transportSolutionId"] = ts
	if edit != nil {
		edit(b)
	}
	return b
}

func party(b map[string]any, i int) map[string]any {
	return b["parties"].([]any)[i].(map[string]any)
}

func item(b map[string]any, i int) map[string]any {
	return b["items"].([]any)[i].(map[string]any)
}

// book books and returns the decoded answer, failing on a non-200.
func (e *env) book(token string, body any) map[string]any {
	e.t.Helper()
	r := e.do("POST", pathBooking, token, body)
	if r.Status != 200 {
		e.t.Fatalf("booking: %d %s", r.Status, r.Body)
	}
	return r.json(e.t)
}

func firstItem(resp map[string]any) map[string]any {
	return resp["items"].([]any)[0].(map[string]any)
}

// TestBookingBadInputs: each bad booking gets its documented status and a
// clear errorKey, and no order is stored.
func TestBookingBadInputs(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	del := func(path ...string) func(map[string]any) {
		return func(b map[string]any) {
			m := b
			for _, p := range path[:len(path)-1] {
				switch {
				case strings.HasPrefix(p, "parties"):
					var i int
					fmt.Sscanf(p, "parties%d", &i)
					m = party(b, i)
				case strings.HasPrefix(p, "items"):
					var i int
					fmt.Sscanf(p, "items%d", &i)
					m = item(b, i)
				}
			}
			delete(m, path[len(path)-1])
		}
	}
	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	tests := []struct {
		name   string
		ts     int
		edit   func(map[string]any)
		status int
		key    string
		field  string
	}{
		{"no shopId", 23, del("shopId"), 400, "invalid.request", "shopId"},
		{"no transportSolutionId", 23, del("transportSolutionId"), 400, "invalid.request", "transportSolutionId"},
		{"no parties", 23, del("parties"), 400, "invalid.request", "parties"},
		{"no items", 23, del("items"), 400, "invalid.request", "items"},
		{"no party type", 23, del("parties0", "type"), 400, "invalid.request", "parties[0].type"},
		{"no consignee name", 23, del("parties0", "name"), 400, "invalid.request", "parties[0].name"},
		{"no consignor address", 23, del("parties1", "address"), 400, "invalid.request", "parties[1].address"},
		{"no consignor zipCode", 23, del("parties1", "zipCode"), 400, "invalid.request", "parties[1].zipCode"},
		{"no consignor postalName", 23, del("parties1", "postalName"), 400, "invalid.request", "parties[1].postalName"},
		{"no consignor countryCode", 23, del("parties1", "countryCode"), 400, "invalid.request", "parties[1].countryCode"},
		{"no itemNumber", 23, del("items0", "itemNumber"), 400, "invalid.request", "items[0].itemNumber"},
		{"no trackingReference", 23, del("items0", "trackingReference"), 400, "invalid.request", "items[0].trackingReference"},
		{"one party", 23, func(b map[string]any) { b["parties"] = b["parties"].([]any)[:1] }, 400, "invalid.request", "parties"},
		{"two consignees", 23, func(b map[string]any) { party(b, 1)["type"] = "consignee" }, 400, "invalid.request", "parties"},
		{"unknown party type", 23, func(b map[string]any) { party(b, 0)["type"] = "friend" }, 400, "invalid.request", "parties[0].type"},
		{"shopId wrong type", 23, set("shopId", []int{16}), 400, "invalid.request", "shopId"},
		{"weight wrong type", 23, func(b map[string]any) { item(b, 0)["weight"] = "heavy" }, 400, "invalid.request", "items[0].weight"},
		// The nullable lenient schemas (nullable on each typed branch since
		// issue 12) still refuse other types.
		{"volume a boolean", 23, func(b map[string]any) { item(b, 0)["volume"] = true }, 400, "invalid.request", "items[0].volume"},
		{"party id a boolean", 23, func(b map[string]any) { party(b, 1)["id"] = false }, 400, "invalid.request", "parties[1].id"},
		{"party id an object", 23, func(b map[string]any) { party(b, 1)["id"] = map[string]any{} }, 400, "invalid.request", "parties[1].id"},
		{"date an array", 23, set("desiredDeliveryDate", []int{2026}), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"parties not an array", 23, set("parties", "x"), 400, "invalid.request", "parties"},
		{"shipmentId too long", 23, set("shipmentId", strings.Repeat("9", 36)), 400, "invalid.request", "shipmentId"},
		{"date 2026/06/17", 23, set("desiredDeliveryDate", "2026/06/17"), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"date 17.06.2026", 23, set("desiredDeliveryDate", "17.06.2026"), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"date 2026061", 23, set("desiredDeliveryDate", 2026061), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"date float", 23, set("desiredDeliveryDate", 20260617.5), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"date 20260230", 23, set("desiredDeliveryDate", 20260230), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"date 2026-13-01", 23, set("desiredDeliveryDate", "2026-13-01"), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"date bool", 23, set("desiredDeliveryDate", true), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"date tomorrow", 23, set("desiredDeliveryDate", "tomorrow"), 400, "invalid.format.desiredDeliveryDate", "desiredDeliveryDate"},
		{"date today", 23, set("desiredDeliveryDate", 20260616), 400, "distributionDate.must.be.in.future", "desiredDeliveryDate"},
		{"date in the past", 23, set("desiredDeliveryDate", "2026-01-05"), 400, "distributionDate.must.be.in.future", "desiredDeliveryDate"},
		{"date a Sunday", 23, set("desiredDeliveryDate", 20260621), 400, "desiredDeliveryDate.not.available", "desiredDeliveryDate"},
		{"date over 30 days", 23, set("desiredDeliveryDate", 20260801), 400, "desiredDeliveryDate.not.available", "desiredDeliveryDate"},
		{"uncovered consignor", 23, func(b map[string]any) { party(b, 1)["zipCode"] = "9170" }, 400, "no.carrier.support", ""},
		{"unknown consignor zip", 23, func(b map[string]any) { party(b, 1)["zipCode"] = "0000" }, 400, "invalid.zipCode", "parties[1].zipCode"},
		{"foreign consignor", 23, func(b map[string]any) { party(b, 1)["countryCode"] = "SE" }, 400, "no.carrier.support", ""},
		{"unknown service point", 113, func(b map[string]any) {
			b["parties"] = append(b["parties"].([]any), map[string]any{"type": "servicePoint", "id": "99999", "countryCode": "NO"})
		}, 400, "unknown.servicePoint", "parties[2].id"},
		{"PostNord point for C2C", 113, func(b map[string]any) {
			b["parties"] = append(b["parties"].([]any), map[string]any{"type": "servicePoint", "id": postNordPoint(t), "countryCode": "NO"})
		}, 400, "unknown.servicePoint", "parties[2].id"},
		{"service point without id", 113, func(b map[string]any) {
			b["parties"] = append(b["parties"].([]any), map[string]any{"type": "servicePoint", "countryCode": "NO"})
		}, 400, "invalid.request", "parties[2].id"},
		{"another shop", 23, set("shopId", 17), 403, "no.access.shop.id", "shopId"},
		{"unbookable solution", 3, nil, 400, "unsupported.transportSolutionId", "transportSolutionId"},
		{"bad trackingReference", 113, func(b map[string]any) { item(b, 0)["trackingReference"] = "(00)370724763469418097" }, 400, "invalid.format.trackingReference", "items[0].trackingReference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.state()
			r := e.do("POST", pathBooking, token, booking(t, tt.ts, tt.edit))
			if r.Status != tt.status {
				t.Fatalf("status = %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			m := r.json(t)
			if m["errorKey"] != tt.key {
				t.Errorf("errorKey = %v, want %s (%s)", m["errorKey"], tt.key, r.Body)
			}
			if msg, _ := m["message"].(string); msg == "" {
				t.Errorf("no message: %s", r.Body)
			}
			if tt.field != "" {
				if _, ok := m["errorMap"].(map[string]any)[tt.field]; !ok {
					t.Errorf("errorMap %v has no %s", m["errorMap"], tt.field)
				}
			}
			if after := e.state(); after != before {
				t.Errorf("an order was stored:\n%s", after)
			}
		})
	}
	t.Run("date a holiday", func(t *testing.T) {
		e := newEnv(t, atOslo(2027, 5, 10, 9))
		r := e.do("POST", pathBooking, e.demo(), booking(t, 23, set("desiredDeliveryDate", "2027-05-17")))
		if r.Status != 400 || r.errorKey(t) != "desiredDeliveryDate.not.available" {
			t.Fatalf("17 May: %d %s", r.Status, r.Body)
		}
	})
}

func postNordPoint(t testing.TB) string {
	t.Helper()
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range fx.ServicePoints {
		if p.Carrier == fixture.CarrierPostNord {
			return p.ID
		}
	}
	t.Fatal("no PostNord point in the fixtures")
	return ""
}

// TestBookingForms: every accepted date form, ids and codes well-formed.
func TestBookingForms(t *testing.T) {
	for _, date := range []any{20260617, "20260617", "2026-06-17"} {
		t.Run(fmt.Sprintf("date %v", date), func(t *testing.T) {
			e := newEnv(t)
			resp := e.book(e.demo(), booking(t, 23, func(b map[string]any) { b["desiredDeliveryDate"] = date }))
			if resp["freightProductId"] != 26.0 {
				t.Errorf("freightProductId = %v, want 26", resp["freightProductId"])
			}
			if firstItem(resp)["returnCode"] == nil {
				t.Error("a dated TS 23 booking has no returnCode")
			}
			if got := resp["properties"].(map[string]any)["distributionDate"]; got != "20260617" {
				t.Errorf("distributionDate = %v", got)
			}
		})
	}
	t.Run("TS 23 without a date has no returnCode", func(t *testing.T) {
		e := newEnv(t)
		for _, edit := range []func(map[string]any){
			func(b map[string]any) { delete(b, "desiredDeliveryDate") },
			func(b map[string]any) { b["desiredDeliveryDate"] = nil },
		} {
			resp := e.book(e.demo(), booking(t, 23, edit))
			if rc := firstItem(resp)["returnCode"]; rc != nil {
				t.Errorf("returnCode = %v, want null (the guide: no date, no returnCode)", rc)
			}
		}
	})
	t.Run("ids and codes over many bookings", func(t *testing.T) {
		e := newEnv(t)
		token := e.demo()
		seen := map[string]bool{}
		shipRe := regexp.MustCompile(`^\(401\)(7072476[0-9]{10})$`)
		trackRe := regexp.MustCompile(`^\(00\)(37072476[0-9]{10})$`)
		rcRe := regexp.MustCompile(`^T-[` + ids.ReturnCodeAlphabet + `]{5}$`)
		var lastOrder float64
		for i := 0; i < 300; i++ {
			resp := e.book(token, booking(t, 113, nil))
			it := firstItem(resp)
			ship, track, rc := resp["shipmentId"].(string), it["trackingReference"].(string), it["returnCode"].(string)
			sm, tm := shipRe.FindStringSubmatch(ship), trackRe.FindStringSubmatch(track)
			if sm == nil || !ids.ValidGS1(sm[1]) {
				t.Fatalf("shipmentId %s is not (401)+GS1", ship)
			}
			if tm == nil || !ids.ValidGS1(tm[1]) {
				t.Fatalf("trackingReference %s is not (00)+SSCC", track)
			}
			if !rcRe.MatchString(rc) {
				t.Fatalf("returnCode %s", rc)
			}
			if want := "..." + tm[1][14:]; it["properties"].(map[string]any)["shortItemIdentifier"] != want {
				t.Fatalf("shortItemIdentifier = %v, want %s", it["properties"], want)
			}
			for _, v := range []string{ship, track, rc} {
				if seen[v] {
					t.Fatalf("%s issued twice", v)
				}
				seen[v] = true
			}
			if o := resp["orderId"].(float64); o <= lastOrder {
				t.Fatalf("orderId %v not increasing after %v", o, lastOrder)
			} else {
				lastOrder = o
			}
		}
	})
}

// TestBookingServicePoint: a named point is used; otherwise the nearest.
func TestBookingServicePoint(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	for _, tt := range []struct {
		name string
		id   any
		want string
	}{
		{"string id", "49025", "49025"},
		{"integer id", 49025, "49025"},
		{"none: nearest the consignor", nil, "49003"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.book(token, booking(t, 113, func(b map[string]any) {
				if tt.id != nil {
					b["parties"] = append(b["parties"].([]any), map[string]any{"type": "servicePoint", "id": tt.id, "countryCode": "NO"})
				}
			}))
			parties := resp["parties"].([]any)
			sp := parties[len(parties)-1].(map[string]any)
			if sp["type"] != "servicePoint" || sp["id"] != tt.want || sp["name"] == nil || sp["address"] == nil {
				t.Errorf("service point party = %v, want %s filled in", sp, tt.want)
			}
		})
	}
}

// TestBookingRetry: a client-supplied shipmentId makes a booking a safe retry.
func TestBookingRetry(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	body := booking(t, 113, func(b map[string]any) { b["shipmentId"] = "ORDER-4711" })
	first := e.do("POST", pathBooking, token, body)
	if first.Status != 200 {
		t.Fatalf("%d %s", first.Status, first.Body)
	}
	// Same body, ids as strings and keys reordered: the same booking.
	again := booking(t, 113, func(b map[string]any) {
		b["shipmentId"] = "ORDER-4711"
		b["shopId"] = "16"
		b["transportSolutionId"] = "113"
	})
	second := e.do("POST", pathBooking, token, reversedKeys(t, again))
	assertDiff(t, "retry answer", string(first.Body), string(second.Body))
	if n := strings.Count(e.state(), `"orderId"`); n != 1 {
		t.Errorf("%d orders stored, want 1", n)
	}
	changed := booking(t, 113, func(b map[string]any) { b["shipmentId"] = "ORDER-4711"; item(b, 0)["weight"] = 2000 })
	r := e.do("POST", pathBooking, token, changed)
	if r.Status != 409 || r.errorKey(t) != "duplicate.shipmentId" {
		t.Errorf("a changed body with the same shipmentId: %d %s", r.Status, r.Body)
	}
	if got := first.json(t)["shipmentId"]; got != "ORDER-4711" {
		t.Errorf("shipmentId = %v, want the client's", got)
	}
	// shipmentIds are unique across clients (issue 10): another client's
	// booking with the same shipmentId, even with the very same body, gets
	// the answer a changed body of the owner gets, word for word, so it
	// learns nothing of the other client.
	other := booking(t, 113, func(b map[string]any) { b["shipmentId"] = "ORDER-4711"; b["shopId"] = 18 })
	for _, tc := range []struct {
		name, client, secret string
		body                 any
	}{
		{"other client", "multi", "multi-secret", other},
		{"other client, same body", "your-client-id", "your-secret", body},
	} {
		got := e.do("POST", pathBooking, e.token(tc.client, tc.secret), tc.body)
		if got.Status != 409 || string(got.Body) != string(r.Body) {
			t.Errorf("%s with ORDER-4711: %d %s, want the owner's own conflict %s", tc.name, got.Status, got.Body, r.Body)
		}
	}
	if n := strings.Count(e.state(), `"orderId"`); n != 1 {
		t.Errorf("%d orders stored, want 1", n)
	}
}

// TestBookingDeterminism: the same seed, clock and requests give the same ids.
func TestBookingDeterminism(t *testing.T) {
	run := func() []string {
		e := newEnv(t)
		token := e.demo()
		var out []string
		for _, ts := range []int{23, 113, 115, 23} {
			resp := e.book(token, booking(t, ts, nil))
			it := firstItem(resp)
			out = append(out, fmt.Sprint(resp["shipmentId"], resp["orderId"], it["trackingReference"], it["returnCode"]))
		}
		return out
	}
	a, b := run(), run()
	assertDiff(t, "second run", a, b)

	t.Run("reset starts over", func(t *testing.T) {
		e := newEnv(t)
		token := e.demo()
		first := e.book(token, booking(t, 113, nil))
		if r := e.do("POST", "/__sim/reset", "", nil); r.Status != 200 {
			t.Fatal(r.Status)
		}
		again := e.book(token, booking(t, 113, nil))
		assertDiff(t, "after reset", firstItem(first)["returnCode"], firstItem(again)["returnCode"])
	})
}

// TestConcurrentBookings: parallel bookings under -race get unique codes
// and none is lost.
func TestConcurrentBookings(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	body, _ := json.Marshal(booking(t, 113, nil))
	const workers, each = 8, 25
	var mu sync.Mutex
	codes := map[string]bool{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r := e.do("POST", pathBooking, token, body)
				if r.Status != 200 {
					t.Errorf("%d %s", r.Status, r.Body)
					return
				}
				var resp struct {
					Items []struct{ ReturnCode, TrackingReference string }
				}
				_ = json.Unmarshal(r.Body, &resp)
				mu.Lock()
				for _, c := range []string{resp.Items[0].ReturnCode, resp.Items[0].TrackingReference} {
					if codes[c] {
						t.Errorf("%s issued twice", c)
					}
					codes[c] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var st struct{ Orders []json.RawMessage }
	_ = json.Unmarshal([]byte(e.state()), &st)
	if len(st.Orders) != workers*each {
		t.Errorf("%d orders stored, want %d", len(st.Orders), workers*each)
	}
	for c := range codes {
		if strings.HasPrefix(c, "T-") {
			if r := e.do("GET", "/parcels/v1/tracking/fetch/"+c+"/NO/false", token, nil); r.Status != 200 {
				t.Fatalf("tracking %s: %d", c, r.Status)
			}
		}
	}
}

// reversedKeys encodes m with its top-level keys in reverse order
// (json.Marshal would sort them), so that a test can send the same body
// with its keys reordered.
func reversedKeys(t testing.TB, m map[string]any) string {
	t.Helper()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		kb, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := json.Marshal(m[k])
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.String()
}
