package sim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// flowClient is a fixture client whose whole C2C flows run concurrently.
type flowClient struct{ id, secret, shop string }

// flowClients book and are checked; resetClient is reset concurrently and
// is never checked, so a per-client reset never removes a checked order.
var (
	flowClients = []flowClient{
		{"demo", "demo-secret", "16"},
		{"demo2", "demo2-secret", "17"},
		{"your-client-id", "your-secret", "16"},
	}
	resetClient = flowClient{"multi", "multi-secret", "18"}
)

// serveOnce is a request through ServeHTTP that is safe from any goroutine
// (it never calls t.Fatal).
func serveOnce(srv *sim.Server, method, path, token string, body []byte) reply {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if body == nil {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return reply{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// parcel is one answered booking, or the order a PUDO conversion made of one.
type parcel struct {
	client, token string
	shipmentID    string
	trackingRef   string
	returnCode    string
	orderID       int64
	ts            int
	// journey is the trackingRef of the booking a conversion continues, or
	// the parcel's own: a conversion keeps the returnCode, so the two
	// orders are one parcel for returnCode uniqueness.
	journey string
}

// ledger collects parcels from many goroutines.
type ledger struct {
	mu      sync.Mutex
	parcels []parcel
}

func (l *ledger) add(p parcel) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.parcels = append(l.parcels, p)
}

// other returns some parcel of a client other than client, if any.
func (l *ledger) other(client string, n int) (parcel, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.parcels {
		p := l.parcels[(n+i)%len(l.parcels)]
		if p.client != client {
			return p, true
		}
	}
	return parcel{}, false
}

func (l *ledger) all() []parcel {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]parcel(nil), l.parcels...)
}

func trackPath(id string) string { return "/parcels/v1/tracking/fetch/" + id + "/NO/false" }

func tokenBody(c flowClient) []byte {
	return []byte(fmt.Sprintf(`{"client_id":%q,"client_secret":%q,"grant_type":"client_credentials"}`, c.id, c.secret))
}

// bookingBody is a guide booking for another shop and, for TS 23, date.
func bookingBody(t testing.TB, name, shop, date string) []byte {
	b := bytes.Replace(guideRequest(t, name), []byte(`"shopId": 16`), []byte(`"shopId": `+shop), 1)
	if date != "" {
		b = bytes.Replace(b, []byte(`"desiredDeliveryDate": 20260617`), []byte(`"desiredDeliveryDate": "`+date+`"`), 1)
	}
	return b
}

// flow is one client's whole C2C flow: token, coverage, dates, a TS 23
// booking on the first offered date and a TS 113 booking, each tracked by
// its returnCode; and a read of another client's parcel, which must be 404.
// It returns the booked parcels, or an error naming the step that failed.
func flow(srv *sim.Server, c flowClient, tmpl map[string][]byte, l *ledger, n int) ([]parcel, error) {
	expect := func(step string, r reply, status int) error {
		if r.Status != status {
			return fmt.Errorf("%s %s: %d, want %d: %s", c.id, step, r.Status, status, r.Body)
		}
		return nil
	}
	r := serveOnce(srv, "POST", pathToken, "", tokenBody(c))
	if err := expect("token", r, 200); err != nil {
		return nil, err
	}
	var tok struct{ Token string }
	if err := json.Unmarshal(r.Body, &tok); err != nil {
		return nil, fmt.Errorf("%s token: %w", c.id, err)
	}
	single := fmt.Sprintf(`{"shopId":%s,"transportSolutionId":23,"address":"x","zipCode":"0561","postalName":"Oslo","countryCode":"NO"}`, c.shop)
	if err := expect("coverage", serveOnce(srv, "POST", pathSingle, tok.Token, []byte(single)), 200); err != nil {
		return nil, err
	}
	datesBody := fmt.Sprintf(`{"shopId":%s,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`, c.shop)
	r = serveOnce(srv, "POST", pathDates+"?limit=3", tok.Token, []byte(datesBody))
	if err := expect("dates", r, 200); err != nil {
		return nil, err
	}
	var dates struct{ Dates []string }
	if err := json.Unmarshal(r.Body, &dates); err != nil || len(dates.Dates) == 0 {
		return nil, fmt.Errorf("%s dates: no date in %s (%v)", c.id, r.Body, err)
	}
	var out []parcel
	for _, b := range []struct {
		ts   int
		body []byte
	}{
		{23, bytes.Replace(tmpl["booking-23"], []byte("DATE"), []byte(dates.Dates[0]), 1)},
		{113, tmpl["booking-113"]},
	} {
		r := serveOnce(srv, "POST", pathBooking, tok.Token, b.body)
		if err := expect(fmt.Sprintf("booking %d", b.ts), r, 200); err != nil {
			return out, err
		}
		var bk booked
		if err := json.Unmarshal(r.Body, &bk); err != nil || len(bk.Items) != 1 || bk.Items[0].ReturnCode == "" {
			return out, fmt.Errorf("%s booking %d: one item with a returnCode wanted: %s (%v)", c.id, b.ts, r.Body, err)
		}
		p := parcel{
			client: c.id, token: tok.Token, shipmentID: bk.ShipmentID, orderID: bk.OrderID, ts: b.ts,
			trackingRef: bk.Items[0].TrackingReference, returnCode: bk.Items[0].ReturnCode, journey: bk.Items[0].TrackingReference,
		}
		l.add(p)
		out = append(out, p)
		if err := expect("tracking "+p.returnCode, serveOnce(srv, "GET", trackPath(p.returnCode), tok.Token, nil), 200); err != nil {
			return out, err
		}
	}
	if o, ok := l.other(c.id, n); ok {
		if err := expect("reading "+o.client+"'s "+o.returnCode, serveOnce(srv, "GET", trackPath(o.returnCode), tok.Token, nil), 404); err != nil {
			return out, err
		}
	}
	return out, nil
}

// TestConcurrentFlows runs whole C2C flows for several clients at once
// while other goroutines reset another client, advance the clock, read the
// state and drop off the booked parcels (PUDO conversions for TS 23). Run
// under -race. Afterwards: returnCodes and tracking references are unique,
// every answered booking (and conversion) is stored, tracked by its owner
// by each of its identifiers, and invisible to every other client.
func TestConcurrentFlows(t *testing.T) {
	e := newEnv(t)
	srv := e.srv
	const (
		workersPerClient = 8
		rounds           = 2
		clockSteps       = 40 // of 1m: the clock stays on the guide's day, so its dates stay bookable
		resetRounds      = 12
	)
	tmpls := map[string]map[string][]byte{}
	for _, c := range append(flowClients, resetClient) {
		tmpls[c.id] = map[string][]byte{
			"booking-23":  bookingBody(t, "booking-23", c.shop, "DATE"),
			"booking-113": bookingBody(t, "booking-113", c.shop, ""),
		}
	}
	var (
		l        ledger
		mu       sync.Mutex
		failures []string
		dropQ    = make(chan parcel, len(flowClients)*workersPerClient*rounds*2)
		flows    sync.WaitGroup
		others   sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, err.Error())
	}

	for _, c := range flowClients {
		for w := range workersPerClient {
			flows.Add(1)
			go func() {
				defer flows.Done()
				for i := range rounds {
					ps, err := flow(srv, c, tmpls[c.id], &l, w*rounds+i)
					for _, p := range ps {
						dropQ <- p
					}
					if err != nil {
						fail(err)
						return
					}
				}
			}()
		}
	}

	// Two service points scan the booked parcels as they come: a TS 23
	// parcel is converted, a TS 113 parcel dropped off; a second scan of
	// the same parcel is refused (409) and changes nothing.
	for d := range 2 {
		others.Add(1)
		go func() {
			defer others.Done()
			for p := range dropQ {
				code := p.returnCode
				if d == 1 {
					code = p.trackingRef
				}
				body := []byte(fmt.Sprintf(`{"code":%q,"servicePointId":"49003"}`, code))
				r := serveOnce(srv, "POST", "/__sim/dropoffs", "", body)
				var dr dropped
				if err := json.Unmarshal(r.Body, &dr); r.Status != 200 || err != nil || len(dr.Order.Items) != 1 {
					fail(fmt.Errorf("dropoff of %s's %s: %d %s (%v)", p.client, code, r.Status, r.Body, err))
					continue
				}
				wantKind := map[int]string{23: "conversion", 113: "dropoff"}[p.ts]
				if dr.Kind != wantKind {
					fail(fmt.Errorf("dropoff of TS %d %s: kind %q, want %q", p.ts, code, dr.Kind, wantKind))
				}
				if dr.Kind == "conversion" {
					l.add(parcel{
						client: p.client, token: p.token, shipmentID: dr.Order.ShipmentID, orderID: dr.Order.OrderID, ts: 113,
						trackingRef: dr.Order.Items[0].TrackingReference, returnCode: dr.Order.Items[0].ReturnCode, journey: p.journey,
					})
				}
				if r := serveOnce(srv, "POST", "/__sim/dropoffs", "", body); r.Status != 409 {
					fail(fmt.Errorf("second dropoff of %s: %d, want 409: %s", code, r.Status, r.Body))
				}
			}
		}()
	}

	others.Add(3)
	go func() { // the clock moves
		defer others.Done()
		for range clockSteps {
			if r := serveOnce(srv, "POST", "/__sim/clock", "", []byte(`{"advance":"1m"}`)); r.Status != 200 {
				fail(fmt.Errorf("advance: %d %s", r.Status, r.Body))
			}
		}
	}()
	go func() { // another client books and is reset, again and again
		defer others.Done()
		var tok struct{ Token string }
		r := serveOnce(srv, "POST", pathToken, "", tokenBody(resetClient))
		if err := json.Unmarshal(r.Body, &tok); r.Status != 200 || err != nil {
			fail(fmt.Errorf("token for %s: %d %s", resetClient.id, r.Status, r.Body))
			return
		}
		for range resetRounds {
			r := serveOnce(srv, "POST", pathBooking, tok.Token, tmpls[resetClient.id]["booking-113"])
			var bk booked
			if err := json.Unmarshal(r.Body, &bk); r.Status != 200 || err != nil {
				fail(fmt.Errorf("%s booking: %d %s", resetClient.id, r.Status, r.Body))
				return
			}
			l.add(parcel{
				client: resetClient.id, trackingRef: bk.Items[0].TrackingReference, returnCode: bk.Items[0].ReturnCode,
				shipmentID: bk.ShipmentID, orderID: bk.OrderID,
			})
			if r := serveOnce(srv, "POST", "/__sim/reset?clientId="+resetClient.id, "", nil); r.Status != 200 {
				fail(fmt.Errorf("reset %s: %d %s", resetClient.id, r.Status, r.Body))
			}
		}
	}()
	go func() { // someone watches the state
		defer others.Done()
		for range resetRounds {
			r := serveOnce(srv, "GET", "/__sim/state?clientId="+resetClient.id, "", nil)
			var st simState
			if err := json.Unmarshal(r.Body, &st); r.Status != 200 || err != nil {
				fail(fmt.Errorf("state: %d %s", r.Status, r.Body))
				continue
			}
			for _, o := range st.Orders {
				if o.ClientID != resetClient.id {
					fail(fmt.Errorf("state?clientId=%s lists an order of %s", resetClient.id, o.ClientID))
				}
			}
		}
	}()

	flows.Wait()
	close(dropQ)
	others.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during the run, first ones:\n%s", len(failures), strings.Join(failures[:min(len(failures), 10)], "\n"))
	}
	// Per round a TS 23 and a TS 113 booking, and a conversion of the TS 23 one.
	checkLedger(t, e, l.all(), len(flowClients)*workersPerClient*rounds*3)
}

// simState is the part of /__sim/state the tests read.
type simState struct {
	Orders []struct {
		ClientID   string `json:"clientId"`
		OrderID    int64  `json:"orderId"`
		ShipmentID string `json:"shipmentId"`
		Items      []struct {
			TrackingReference string  `json:"trackingReference"`
			ReturnCode        *string `json:"returnCode"`
		} `json:"items"`
	} `json:"orders"`
}

// checkLedger checks the parcels answered during a concurrent run against
// the simulator: identifiers unique, every flow client's parcel stored and
// tracked by its owner under each identifier, and 404 for every other client.
func checkLedger(t *testing.T, e *env, parcels []parcel, want int) {
	t.Helper()
	checked := 0
	seen := map[string]map[string]string{"trackingRef": {}, "shipmentId": {}, "orderId": {}, "returnCode": {}}
	unique := func(kind, v, owner string) {
		if prev, dup := seen[kind][v]; dup && prev != owner {
			t.Errorf("%s %s answered twice (%s and %s)", kind, v, prev, owner)
		}
		seen[kind][v] = owner
	}
	for _, p := range parcels {
		unique("trackingRef", p.trackingRef, p.trackingRef)
		unique("shipmentId", p.shipmentID, p.trackingRef)
		unique("orderId", fmt.Sprint(p.orderID), p.trackingRef)
		if p.client != resetClient.id {
			checked++
			unique("returnCode", p.returnCode, p.journey)
		}
	}
	if checked != want {
		t.Errorf("%d parcels of flow clients, want %d", checked, want)
	}

	tokens := map[string]string{}
	for _, c := range append(flowClients, resetClient) {
		tokens[c.id] = e.token(c.id, c.secret)
	}
	st := map[string]map[string]bool{} // client -> stored trackingRefs
	var state simState
	if err := json.Unmarshal([]byte(e.state()), &state); err != nil {
		t.Fatal(err)
	}
	for _, o := range state.Orders {
		if st[o.ClientID] == nil {
			st[o.ClientID] = map[string]bool{}
		}
		for _, it := range o.Items {
			st[o.ClientID][it.TrackingReference] = true
		}
	}
	if n := len(st[resetClient.id]); n != 0 {
		t.Errorf("%s has %d stored parcels after its last reset", resetClient.id, n)
	}
	for _, p := range parcels {
		if p.client == resetClient.id {
			continue
		}
		if !st[p.client][p.trackingRef] {
			t.Errorf("%s's %s (%s) is not in /__sim/state", p.client, p.trackingRef, p.returnCode)
		}
		for _, id := range []string{p.trackingRef, p.returnCode, p.shipmentID} {
			r := e.do("GET", trackPath(id), tokens[p.client], nil)
			if _, canon := ids.Parse(id); r.Status != 200 || !strings.Contains(string(r.Body), canon) {
				t.Errorf("%s tracking its %s: %d %s", p.client, id, r.Status, r.Body)
			}
			for other, tok := range tokens {
				if other == p.client {
					continue
				}
				if r := e.do("GET", trackPath(id), tok, nil); r.Status != 404 {
					t.Errorf("%s tracking %s's %s: %d, want 404: %s", other, p.client, id, r.Status, r.Body)
				}
			}
		}
	}
}

// TestConcurrentFullResets books and tracks for several clients while full
// resets forget everyone's orders. A tracking miss (404) is then expected,
// anything else but 200 is not; afterwards every stored order is tracked
// by its owner only, and no tracking reference or returnCode is stored twice.
func TestConcurrentFullResets(t *testing.T) {
	e := newEnv(t)
	srv := e.srv
	const workers, rounds, resets = 4, 6, 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	for _, c := range flowClients {
		tok := e.token(c.id, c.secret)
		body := bookingBody(t, "booking-113", c.shop, "")
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					r := serveOnce(srv, "POST", pathBooking, tok, body)
					var bk booked
					if err := json.Unmarshal(r.Body, &bk); r.Status != 200 || err != nil || len(bk.Items) != 1 {
						fail("%s booking: %d %s", c.id, r.Status, r.Body)
						return
					}
					if r := serveOnce(srv, "GET", trackPath(bk.Items[0].ReturnCode), tok, nil); r.Status != 200 && r.Status != 404 {
						fail("%s tracking %s: %d %s", c.id, bk.Items[0].ReturnCode, r.Status, r.Body)
					}
				}
			}()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range resets {
			if r := serveOnce(srv, "POST", "/__sim/reset", "", nil); r.Status != 200 {
				fail("reset: %d %s", r.Status, r.Body)
			}
		}
	}()
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during the run, first ones:\n%s", len(failures), strings.Join(failures[:min(len(failures), 10)], "\n"))
	}

	// One more booking each, so the check below never runs on an empty
	// state (the last reset may come after the last booking).
	tokens := map[string]string{}
	for _, c := range flowClients {
		tokens[c.id] = e.token(c.id, c.secret)
		if r := e.do("POST", pathBooking, tokens[c.id], bookingBody(t, "booking-113", c.shop, "")); r.Status != 200 {
			t.Fatalf("%s booking after the run: %d %s", c.id, r.Status, r.Body)
		}
	}
	var state simState
	if err := json.Unmarshal([]byte(e.state()), &state); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range state.Orders {
		for _, it := range o.Items {
			for _, id := range []string{it.TrackingReference, *it.ReturnCode} {
				if seen[id] {
					t.Errorf("%s is stored twice", id)
				}
				seen[id] = true
				for client, tok := range tokens {
					want := map[bool]int{true: 200, false: 404}[client == o.ClientID]
					if r := e.do("GET", trackPath(id), tok, nil); r.Status != want {
						t.Errorf("%s tracking %s's %s: %d, want %d", client, o.ClientID, id, r.Status, want)
					}
				}
			}
		}
	}
}
