package helthjemtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/helthjemtest"
)

// guideNow is the C2C guide's "today": its dates answer starts 2026-06-17.
var guideNow = time.Date(2026, 6, 16, 10, 0, 0, 0, oslo())

func oslo() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return loc
}

var returnCodeRE = regexp.MustCompile(`^T-[A-Z0-9]{5}$`)

// api is what an integrator's test does with its own HTTP client: JSON in,
// JSON out, with the carrier's bearer token.
type api struct {
	t     testing.TB
	srv   *helthjemtest.Server
	token string
}

// do sends body (when not nil) and returns the status and raw answer.
func (a *api) do(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	return res.StatusCode, b
}

// ok sends a request that must answer 200 and decodes the answer into out.
func (a *api) ok(method, path string, body, out any) {
	a.t.Helper()
	status, b := a.do(method, path, body)
	if status != http.StatusOK {
		a.t.Fatalf("%s %s: status %d, want 200: %s", method, path, status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		a.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
	}
}

// sender is the guide's consignor, where doorstep pickup is offered.
var sender = map[string]any{
	"type": "consignor", "name": "Test sender", "countryCode": "NO", "postalName": "Oslo",
	"zipCode": "0561", "address": "Herslebsgate 2F", "phone1": "12345678", "email": "test@gmail.com",
}

var receiver = map[string]any{
	"type": "consignee", "name": "Test receiver", "countryCode": "NO", "postalName": "Oslo",
	"zipCode": "0751", "address": "Vækerøveien 164d", "phone1": "12345678", "email": "test@gmail.com",
}

// bookingRequest is the guide's booking body; date is 0 for none.
func bookingRequest(ts, date int) map[string]any {
	req := map[string]any{
		"shopId": helthjemtest.DefaultShopID, "transportSolutionId": ts, "shipmentId": nil,
		"parties": []any{receiver, sender},
		"items": []any{map[string]any{
			"itemNumber": 1, "trackingReference": "", "weight": 1000, "width": 12, "height": 12, "length": 12, "contents": "test item",
		}},
	}
	if date != 0 {
		req["desiredDeliveryDate"] = date
	}
	return req
}

type booking struct {
	ShipmentID       string `json:"shipmentId"`
	FreightProductID int    `json:"freightProductId"`
	OrderID          int64  `json:"orderId"`
	Parties          []struct {
		Type string `json:"type"`
		ID   any    `json:"id"`
	} `json:"parties"`
	Items []struct {
		ReturnCode        string `json:"returnCode"`
		TrackingReference string `json:"trackingReference"`
	} `json:"items"`
}

func (b booking) returnCode(t testing.TB) string {
	t.Helper()
	if len(b.Items) != 1 || !returnCodeRE.MatchString(b.Items[0].ReturnCode) {
		t.Fatalf("booking items = %+v, want one item with a returnCode like T-NXXW9", b.Items)
	}
	return b.Items[0].ReturnCode
}

type tracked struct {
	ShipmentNumber string `json:"shipmentNumber"`
	Items          []struct {
		ReturnCode       string `json:"returnCode"`
		FreightProductID int    `json:"freightProductId"`
		ParcelStatus     string `json:"parcelStatus"`
		Events           []struct {
			EventType struct {
				APIKey string `json:"apiKey"`
			} `json:"eventType"`
		} `json:"events"`
	} `json:"items"`
}

func (a *api) track(code string) []tracked {
	a.t.Helper()
	var out []tracked
	a.ok(http.MethodGet, "/parcels/v1/tracking/fetch/"+code+"/EN/false", nil, &out)
	return out
}

// status is the parcelStatus of each shipment tracking shows, with its
// freight product.
func statuses(ts []tracked) []string {
	var out []string
	for _, s := range ts {
		for _, it := range s.Items {
			out = append(out, strconv.Itoa(it.FreightProductID)+" "+it.ParcelStatus)
		}
	}
	return out
}

func (a *api) firstPickupDate() int {
	a.t.Helper()
	var dates struct {
		Dates []string `json:"dates"`
	}
	a.ok(http.MethodPost, "/parcels/v1/addresses/find/single/dates", map[string]any{
		"shopId": helthjemtest.DefaultShopID, "freightProductId": 26, "zipCode": "0561", "customerName": "Test customer",
		"countryCode": "NO", "postalName": "Oslo", "address": "Herslebs gate 2F", "co": "",
	}, &dates)
	if len(dates.Dates) == 0 {
		a.t.Fatal("no pickup dates offered")
	}
	// "Date needs to be canonized and converted to integer" (the guide).
	d, err := strconv.Atoi(strings.ReplaceAll(dates.Dates[0], "-", ""))
	if err != nil {
		a.t.Fatalf("date %q: %v", dates.Dates[0], err)
	}
	return d
}

func stateOf(t testing.TB, srv *helthjemtest.Server, orderID int64) helthjemtest.Order {
	t.Helper()
	for _, o := range srv.State(t).Orders {
		if o.OrderID == orderID {
			return o
		}
	}
	t.Fatalf("order %d is not in /__sim/state", orderID)
	return helthjemtest.Order{}
}

// TestC2CFlow is the C2C guide end to end, as an integrator's test would
// run it: token, coverage, pickup dates, a TS 23 booking tracked through
// pickup to delivery, a TS 113 booking, and a PUDO conversion.
func TestC2CFlow(t *testing.T) {
	srv := helthjemtest.NewServer(t, helthjemtest.WithSeed(7), helthjemtest.WithClock(guideNow))
	a := &api{t: t, srv: srv, token: srv.Token(t, helthjemtest.DefaultClientID)}

	var single struct {
		ProductName  string `json:"productName"`
		HandoverCity string `json:"handoverCity"`
	}
	a.ok(http.MethodPost, "/parcels/v1/addresses/find/single", map[string]any{
		"shopId": "16", "transportSolutionId": 23, "customer name": "Sender Name", "address": "Eksempelveien 12",
		"zipCode": "0468", "postalName": "Oslo", "countryCode": "NO", "weight": 900, "volume": nil,
	}, &single)
	if single.ProductName != "HELTHJEM_MEGTILDEG" {
		t.Errorf("find/single TS 23 productName = %q, want HELTHJEM_MEGTILDEG", single.ProductName)
	}

	date := a.firstPickupDate()
	if date != 20260617 {
		t.Errorf("first pickup date = %d, want 20260617 (the guide's)", date)
	}

	var home booking
	a.ok(http.MethodPost, "/parcels/v1/bookings", bookingRequest(23, date), &home)
	if home.FreightProductID != 26 {
		t.Errorf("TS 23 booking freightProductId = %d, want 26", home.FreightProductID)
	}
	code := home.returnCode(t)

	t.Run("tracking through pickup and delivery", func(t *testing.T) {
		a := &api{t: t, srv: srv, token: a.token}
		// Pickup is late morning on the pickup date, the parcel leaves in
		// the evening and is delivered the next working day.
		steps := []struct {
			advance time.Duration
			want    string
		}{
			{0, "WAITING_FOR_PACKAGE"},
			{25*time.Hour + 30*time.Minute, "PICKED_UP"}, // 2026-06-17 11:30
			{7 * time.Hour, "IN_TRANSIT"},                // 2026-06-17 18:30
			{20 * time.Hour, "DELIVERED"},                // 2026-06-18 14:30
		}
		for _, st := range steps {
			srv.Advance(t, st.advance)
			// Tokens expire after 24 h of simulated time, as the carrier's
			// do; a client refreshes them.
			a.token = srv.Token(t, helthjemtest.DefaultClientID)
			got := a.track(code)
			if diff := cmp.Diff([]string{"26 " + st.want}, statuses(got)); diff != "" {
				t.Errorf("tracking by %s at %s (-want +got):\n%s", code, srv.Now(t).Format(time.RFC3339), diff)
			}
			if o := stateOf(t, srv, home.OrderID); o.Status != st.want {
				t.Errorf("/__sim/state status at %s = %q, want %q", srv.Now(t).Format(time.RFC3339), o.Status, st.want)
			}
		}
	})

	t.Run("TS 113 service point booking", func(t *testing.T) {
		a := &api{t: t, srv: srv, token: srv.Token(t, helthjemtest.DefaultClientID)}
		var b booking
		a.ok(http.MethodPost, "/parcels/v1/bookings", bookingRequest(113, 0), &b)
		if b.FreightProductID != 92 {
			t.Errorf("TS 113 freightProductId = %d, want 92", b.FreightProductID)
		}
		b.returnCode(t)
		if n := len(b.Parties); n != 3 || b.Parties[2].Type != "servicePoint" {
			t.Errorf("TS 113 parties = %+v, want consignee, consignor and servicePoint", b.Parties)
		}
		o := stateOf(t, srv, b.OrderID)
		if o.TransportSolutionID != 113 || o.Status != "WAITING_FOR_PACKAGE" || o.ServicePointID == "" {
			t.Errorf("state of the TS 113 order = %+v", o)
		}
	})

	t.Run("PUDO conversion", func(t *testing.T) {
		a := &api{t: t, srv: srv, token: srv.Token(t, helthjemtest.DefaultClientID)}
		var b booking
		a.ok(http.MethodPost, "/parcels/v1/bookings", bookingRequest(23, a.firstPickupDate()), &b)
		oldCode := b.returnCode(t)

		r := srv.Dropoff(t, oldCode, "49003")
		if r.Kind != "conversion" || r.CancelledOrder == nil {
			t.Fatalf("Dropoff of a TS 23 parcel = %+v, want a conversion", r)
		}
		if r.Order.FreightProductID != 92 || r.Order.ReplacesOrderID != b.OrderID || r.Order.ServicePointID != "49003" {
			t.Errorf("new order = %+v, want freight product 92 at 49003 replacing order %d", r.Order, b.OrderID)
		}
		if r.CancelledOrder.OrderID != b.OrderID || r.CancelledOrder.Status != "CANCELLED" || r.CancelledOrder.ReplacedByOrderID != r.Order.OrderID {
			t.Errorf("cancelled order = %+v", *r.CancelledOrder)
		}
		if len(r.Order.Items) != 1 || r.Order.Items[0].ReturnCode != oldCode {
			t.Errorf("new order items = %+v, want the same returnCode %s", r.Order.Items, oldCode)
		}

		got := a.track(oldCode)
		if diff := cmp.Diff([]string{"26 CANCELLED", "92 DROPPED_OFF"}, statuses(got)); diff != "" {
			t.Errorf("tracking by the old returnCode (-want +got):\n%s", diff)
		}
		if len(got) == 2 && ("(401)"+got[0].ShipmentNumber != b.ShipmentID || "(401)"+got[1].ShipmentNumber != r.Order.ShipmentID) {
			t.Errorf("tracked shipments = %s, %s; want %s then %s", got[0].ShipmentNumber, got[1].ShipmentNumber, b.ShipmentID, r.Order.ShipmentID)
		}
	})
}
