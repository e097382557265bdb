package contract

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// Transport solutions and freight products of the C2C flow (C2C guide).
const (
	tsPickup      = 23  // C2C doorstep pickup
	tsServicePt   = 113 // C2C drop-off at a service point, small
	fpPickup      = 26  // the pickup product, and what pickup dates take
	fpServicePt   = 92  // "Helthjem C2C via butikk - small"
	pickupProduct = "HELTHJEM_MEGTILDEG"
	tokenLifetime = 86400
)

// API paths the flows call.
const (
	pathToken    = "/auth/oauth2/v1/token"
	pathCoverage = "/parcels/v1/addresses/find/single"
	pathDates    = "/parcels/v1/addresses/find/single/dates"
	pathNearby   = "/parcels/v1/service-points/nearby"
	pathBookings = "/parcels/v1/bookings"
	pathTracking = "/parcels/v1/tracking/fetch/%s/NO/false"
	pathLabels   = "/parcels/v1/labels/%s/unified-large"
	pathDropoffs = "/__sim/dropoffs"
)

// stepDef is one step of a flow: a name, what the plan says about it and
// the function that runs it.
type stepDef struct {
	name string
	plan string
	run  func(context.Context, *flowState) outcome
}

// tokenStep leads the first flow that needs a token; later flows reuse it.
var tokenStep = stepDef{
	name: "token",
	plan: "POST " + pathToken + ": the client credentials; expects 200, a token, token_type Bearer, expires_in 86400",
	run:  runToken,
}

// flows are the steps of each flow, in order, without the token step.
var flows = map[string][]stepDef{
	FlowHomePickup: {
		{"coverage", "POST " + pathCoverage + ": the sender, TS 23; expects 200, productName " + pickupProduct, runCoverage},
		datesStep,
		pickupBookingStep,
		{"tracking-by-returncode", "GET " + fmt.Sprintf(pathTracking, "{returnCode}") + ": expects 200, an array holding the booked shipment", runTrackByReturnCode},
		{"tracking-by-trackingreference", "GET " + fmt.Sprintf(pathTracking, "{trackingReference}") + ": expects 200, an array holding the booked shipment", runTrackBySSCC},
	},
	FlowServicePoint: {
		nearbyStep,
		{"booking", "POST " + pathBookings + ": TS 113 with a servicePoint party for the first point; expects 200, FP 92, that point as the servicePoint party, well-formed ids and returnCode", runPointBooking},
		{"tracking", "GET " + fmt.Sprintf(pathTracking, "{shipmentId}") + ": expects 200, an array holding the booked shipment, FP 92", runTrackPointBooking},
	},
	FlowNegative: {
		{"no-token", "POST " + pathCoverage + " without Authorization; expects 401", runNoToken},
		{"wrong-secret", "POST " + pathToken + " with a wrong client_secret; expects 401", runWrongSecret},
		{"uncovered-address", "POST " + pathCoverage + ": the uncovered address, TS 23; expects 400 errorKey no.carrier.support", runUncovered},
		{"malformed-body", "POST " + pathCoverage + " with truncated JSON; expects 400", runMalformed},
	},
	FlowLabels: labelSteps,
	FlowConversion: {
		datesStep,
		pickupBookingStep,
		nearbyStep,
		{"dropoff", "POST " + pathDropoffs + ": the returnCode scanned at the first service point; expects 200, kind conversion, FP 92", runDropoff},
		{"tracking-by-returncode", "GET " + fmt.Sprintf(pathTracking, "{returnCode}") + ": expects the cancelled pickup order and its FP 92 continuation, same returnCode, linked both ways", runTrackConversion},
	},
}

var (
	datesStep = stepDef{"pickup-dates", "POST " + pathDates + ": the sender, FP 26; expects 200, ISO dates after today, strictly ascending, no Sundays", runDates}
	// pickupBookingStep books TS 23 on the first pickup date.
	pickupBookingStep = stepDef{"booking", "POST " + pathBookings + ": TS 23 on the first pickup date; expects 200, FP 26, well-formed shipmentId, trackingReference and returnCode", runPickupBooking}
	nearbyStep        = stepDef{"nearby", "POST " + pathNearby + ": the sender, TS 113; expects 200, FP 92 with at least one service point", runNearby}
)

// Request bodies. Field order follows the C2C guide, for readable curl
// commands.

type tokenBody struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	GrantType    string `json:"grant_type"`
}

func (b tokenBody) redacted() any {
	b.ClientSecret = Redacted
	return b
}

type addressBody struct {
	ShopID              int64  `json:"shopId"`
	TransportSolutionID int    `json:"transportSolutionId,omitempty"`
	FreightProductID    int    `json:"freightProductId,omitempty"`
	CustomerName        string `json:"customerName"`
	Address             string `json:"address"`
	ZipCode             string `json:"zipCode"`
	PostalName          string `json:"postalName"`
	CountryCode         string `json:"countryCode"`
}

type bookingBody struct {
	ShopID              int64   `json:"shopId"`
	TransportSolutionID int     `json:"transportSolutionId"`
	ShipmentID          string  `json:"shipmentId"` // supplied, so that a retry is safe
	DesiredDeliveryDate int     `json:"desiredDeliveryDate,omitempty"`
	Parties             []party `json:"parties"`
	Items               []item  `json:"items"`
}

type party struct {
	Type        string `json:"type"`
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	Address     string `json:"address,omitempty"`
	ZipCode     string `json:"zipCode,omitempty"`
	PostalName  string `json:"postalName,omitempty"`
	CountryCode string `json:"countryCode"`
	Phone1      string `json:"phone1,omitempty"`
	// Email is sent whenever set, "" included: the booking requires the
	// field on a consignee and a consignor (reference notes §3.4), and ""
	// is what the guide sends for none. Nil leaves it out (a servicePoint).
	Email *string `json:"email,omitempty"`
}

type item struct {
	ItemNumber        int    `json:"itemNumber"`
	TrackingReference string `json:"trackingReference"` // "": assign one
	Weight            int    `json:"weight"`
	Length            int    `json:"length"`
	Width             int    `json:"width"`
	Height            int    `json:"height"`
	Contents          string `json:"contents"`
}

type dropoffBody struct {
	Code           string `json:"code"`
	ServicePointID string `json:"servicePointId"`
}

func (f *flowState) addresses() *fixture.ContractAddresses { return f.r.s.Addresses }

func (f *flowState) address(a fixture.Address, ts, fp int) addressBody {
	return addressBody{
		ShopID: f.r.s.ShopID, TransportSolutionID: ts, FreightProductID: fp, CustomerName: a.Name,
		Address: a.Address, ZipCode: a.ZipCode, PostalName: a.PostalName, CountryCode: a.CountryCode,
	}
}

func partyOf(role string, a fixture.Address) party {
	return party{
		Type: role, Name: a.Name, Address: a.Address, ZipCode: a.ZipCode, PostalName: a.PostalName,
		CountryCode: a.CountryCode, Phone1: a.Phone1, Email: &a.Email,
	}
}

func (f *flowState) booking(ts int, date *calendar.Date, extra ...party) bookingBody {
	a := f.addresses()
	b := bookingBody{
		ShopID: f.r.s.ShopID, TransportSolutionID: ts, ShipmentID: f.r.newShipmentID(),
		Parties: append([]party{partyOf("consignee", a.Receiver), partyOf("consignor", a.Sender)}, extra...),
		Items:   []item{{ItemNumber: 1, Weight: 1000, Length: 12, Width: 12, Height: 12, Contents: "contracttest parcel"}},
	}
	if date != nil {
		b.DesiredDeliveryDate = date.Int() // the guide sends 20260617
	}
	return b
}

func post(path string, body any) request {
	return request{method: http.MethodPost, path: path, body: body, auth: authToken}
}

// safeID matches identifiers that go into a path as they are: the guide's
// tracking URLs carry "(00)…" with unescaped parentheses.
var safeID = regexp.MustCompile(`^[A-Za-z0-9()-]+$`)

func tracking(identifier string) request { return byIdentifier(pathTracking, identifier) }

// byIdentifier is a GET of path (a format with one %s) for identifier, as
// a client writes it there.
func byIdentifier(path, identifier string) request {
	shown := identifier
	if !safeID.MatchString(identifier) {
		shown = url.PathEscape(identifier)
	}
	return request{method: http.MethodGet, path: fmt.Sprintf(path, shown), auth: authToken, foreign: []string{shown}}
}

func runToken(ctx context.Context, f *flowState) outcome {
	s := f.r.s
	c := f.call(ctx, request{method: http.MethodPost, path: pathToken, credentials: true,
		body: tokenBody{ClientID: s.ClientID, ClientSecret: s.ClientSecret, GrantType: "client_credentials"}}, http.StatusOK)
	if !c.ok {
		return c.done()
	}
	tok := c.x.form("$.token", formToken, nonEmptyString)
	c.x.eq("$.token_type", "Bearer")
	c.x.eq("$.expires_in", tokenLifetime)
	if tok != "" {
		f.r.token = tok
	}
	return c.done()
}

func runCoverage(ctx context.Context, f *flowState) outcome {
	c := f.call(ctx, post(pathCoverage, f.coverage(f.addresses().Sender)), http.StatusOK)
	if c.ok {
		c.x.eq("$.productName", pickupProduct)
	}
	return c.done()
}

func runDates(ctx context.Context, f *flowState) outcome {
	c := f.call(ctx, post(pathDates, f.address(f.addresses().Sender, 0, fpPickup)), http.StatusOK)
	if !c.ok {
		return c.done()
	}
	today := f.r.today
	form := fmt.Sprintf("<ISO dates after %s, strictly ascending, no Sundays>", today)
	v, present := c.x.value("$.dates")
	dates, problem := checkDates(v, today, f.r.red)
	if _, p := checkDates(v, calendar.Date{}, f.r.red); problem != "" && p == "" && f.r.mockRefused {
		// Only today is wrong, and today is the wall clock's: the mock's
		// own clock may be set elsewhere (-clock). Not drift, but a run
		// that cannot judge the dates as configured.
		c.stop, c.failure = VerdictConfiguration, fmt.Sprintf("cannot judge the pickup dates: %s by the wall clock in Europe/Oslo, but the mock's clock may be simulated (-clock) and %s", problem, f.r.simInfo.Note)
		return c.outcome
	}
	if problem == "" {
		c.x.put("$.dates", form, form, true, "")
		f.dates = dates
	} else {
		c.x.put("$.dates", form, v, present, problem)
	}
	return c.done()
}

// checkBooking checks what every C2C booking answers and keeps its ids
// and returnCode.
func (f *flowState) checkBooking(x *expect, fp int, b bookingBody) {
	f.checkBooked(x, fp, b)
	f.book.returnCode = x.form("$.items[0].returnCode", formReturnCode, validReturnCode)
}

// checkBooked checks what every booking answers and keeps its ids. The
// booking supplied its shipmentId, which the answer must keep: a retry is
// safe only then.
func (f *flowState) checkBooked(x *expect, fp int, b bookingBody) {
	x.eq("$.freightProductId", fp)
	f.book = booked{
		shipmentID: x.form("$.shipmentId", formShipmentID, validShipmentID),
		orderID:    x.form("$.orderId", formOrderID, validOrderID),
		sscc:       x.form("$.items[0].trackingReference", formSSCC, validSSCC),
	}
	if got := f.book.shipmentID; got != "" && got != b.ShipmentID {
		x.put("$.shipmentId", b.ShipmentID, got, true, "the booking did not keep the shipmentId it supplied, so a retried booking could book twice")
	}
}

// postBooking sends a booking. Its shipmentId makes it safe to retry.
func (f *flowState) postBooking(ctx context.Context, b bookingBody, foreign ...string) (*checked, bookingBody) {
	rq := post(pathBookings, b)
	rq.foreign = foreign
	return f.call(ctx, rq, http.StatusOK), b
}

func runPickupBooking(ctx context.Context, f *flowState) outcome {
	if len(f.dates) == 0 {
		return outcome{skip: "pickup-dates gave no usable date"}
	}
	c, b := f.postBooking(ctx, f.booking(tsPickup, &f.dates[0]))
	if c.ok {
		f.checkBooking(c.x, fpPickup, b)
	}
	return c.done()
}

// checkTracked expects the tracking array to hold the booked shipment,
// with its parcel, returnCode and freight product.
func (f *flowState) checkTracked(x *expect, fp int) {
	want := bare(f.book.shipmentID)
	i := x.indexOf("$", func(el map[string]any) bool { return el["shipmentNumber"] == want })
	if i < 0 {
		x.put("$[*].shipmentNumber", "<contains "+want+">", shipmentNumbers(x.body), true, "")
		return
	}
	p := fmt.Sprintf("$[%d].items[0]", i)
	if f.book.sscc != "" {
		x.eq(p+".trackingNumber", bare(f.book.sscc))
	}
	if f.book.returnCode != "" {
		x.eq(p+".returnCode", f.book.returnCode)
	}
	x.eq(p+".freightProductId", fp)
}

// shipmentNumbers lists the shipmentNumbers of a tracking answer.
func shipmentNumbers(body any) []any {
	arr, _ := body.([]any)
	out := []any{}
	for _, el := range arr {
		if m, ok := el.(map[string]any); ok {
			out = append(out, m["shipmentNumber"])
		}
	}
	return out
}

func (f *flowState) track(ctx context.Context, need, identifier string, fp int) outcome {
	if identifier == "" || f.book.shipmentID == "" {
		return outcome{skip: "the booking gave no well-formed " + need}
	}
	c := f.call(ctx, tracking(identifier), http.StatusOK)
	if c.ok {
		f.checkTracked(c.x, fp)
	}
	return c.done()
}

func runTrackByReturnCode(ctx context.Context, f *flowState) outcome {
	return f.track(ctx, "returnCode", f.book.returnCode, fpPickup)
}

func runTrackBySSCC(ctx context.Context, f *flowState) outcome {
	return f.track(ctx, "trackingReference", f.book.sscc, fpPickup)
}

func runTrackPointBooking(ctx context.Context, f *flowState) outcome {
	return f.track(ctx, "shipmentId", f.book.shipmentID, fpServicePt)
}

func runNearby(ctx context.Context, f *flowState) outcome {
	c := f.call(ctx, post(pathNearby, f.address(f.addresses().Sender, tsServicePt, 0)), http.StatusOK)
	if c.ok {
		c.x.eq("$.freightProducts[0].freightProductId", fpServicePt)
		f.point = c.x.form("$.freightProducts[0].servicePoints[0].servicePointExternalId", formPointID, nonEmptyString)
	}
	return c.done()
}

func runPointBooking(ctx context.Context, f *flowState) outcome {
	if f.point == "" {
		return outcome{skip: "nearby gave no service point"}
	}
	sp := party{Type: "servicePoint", ID: f.point, CountryCode: "NO"}
	c, b := f.postBooking(ctx, f.booking(tsServicePt, nil, sp), f.point)
	if !c.ok {
		return c.done()
	}
	f.checkBooking(c.x, fpServicePt, b)
	j := c.x.indexOf("$.parties", func(el map[string]any) bool { return el["type"] == "servicePoint" })
	if j < 0 {
		c.x.put("$.parties[?(@.type=='servicePoint')]", "<a servicePoint party>", nil, false, "")
		return c.done()
	}
	p := fmt.Sprintf("$.parties[%d].id", j)
	v, ok := c.x.value(p)
	c.x.put(p, f.point, idString(v), ok, "")
	return c.done()
}

// coverage is the body of a TS 23 coverage check for a.
func (f *flowState) coverage(a fixture.Address) addressBody {
	return f.address(a, tsPickup, 0)
}

func runNoToken(ctx context.Context, f *flowState) outcome {
	rq := post(pathCoverage, f.coverage(f.addresses().Sender))
	rq.auth = authNone
	return f.call(ctx, rq, http.StatusUnauthorized).done()
}

// wrongSecret is the secret the wrong-secret step sends.
const wrongSecret = "contracttest-wrong-secret"

func runWrongSecret(ctx context.Context, f *flowState) outcome {
	rq := request{method: http.MethodPost, path: pathToken,
		body: tokenBody{ClientID: f.r.s.ClientID, ClientSecret: wrongSecret, GrantType: "client_credentials"}}
	return f.call(ctx, rq, http.StatusUnauthorized).done()
}

func runUncovered(ctx context.Context, f *flowState) outcome {
	c := f.call(ctx, post(pathCoverage, f.coverage(f.addresses().Uncovered)), http.StatusBadRequest)
	if c.ok {
		c.x.eq("$.errorKey", errorkey.NoCarrierSupport)
	}
	return c.done()
}

func runMalformed(ctx context.Context, f *flowState) outcome {
	rq := post(pathCoverage, nil)
	rq.raw = []byte(`{"shopId": ` + strconv.FormatInt(f.r.s.ShopID, 10) + `, "transportSolutionId": 23, "zipCode": `)
	return f.call(ctx, rq, http.StatusBadRequest).done()
}

func runDropoff(ctx context.Context, f *flowState) outcome {
	switch {
	case f.book.returnCode == "":
		return outcome{skip: "the booking gave no well-formed returnCode"}
	case f.point == "":
		return outcome{skip: "nearby gave no service point"}
	}
	// A drop-off is not idempotent: a retry after a timeout could scan the
	// parcel twice.
	rq := request{method: http.MethodPost, path: pathDropoffs, auth: authSim, sim: true, retry: retryUnprocessed,
		body: dropoffBody{Code: f.book.returnCode, ServicePointID: f.point}, foreign: []string{f.book.returnCode, f.point}}
	c := f.call(ctx, rq, http.StatusOK)
	if c.ok {
		c.x.eq("$.kind", "conversion")
		c.x.eq("$.order.freightProductId", fpServicePt)
		if id, err := strconv.ParseInt(f.book.orderID, 10, 64); err == nil {
			c.x.eq("$.cancelledOrder.orderId", id)
		}
	}
	return c.done()
}

// runTrackConversion tracks the converted parcel by its old returnCode:
// the pickup order and the order that continues it (FP 92, same
// returnCode) are both there, their parcels linked both ways.
func runTrackConversion(ctx context.Context, f *flowState) outcome {
	if f.book.returnCode == "" || f.book.shipmentID == "" {
		return outcome{skip: "the booking gave no well-formed returnCode"}
	}
	c := f.call(ctx, tracking(f.book.returnCode), http.StatusOK)
	if !c.ok {
		return c.done()
	}
	x := c.x
	old := bare(f.book.shipmentID)
	i := x.indexOf("$", func(el map[string]any) bool { return el["shipmentNumber"] == old })
	k := x.indexOf("$", func(el map[string]any) bool { return el["shipmentNumber"] != old })
	if i < 0 || k < 0 {
		want := "<the pickup order " + old + " and the order that continues it>"
		x.put("$[*].shipmentNumber", want, shipmentNumbers(x.body), true, "")
		return c.done()
	}
	oldItem, newItem := fmt.Sprintf("$[%d].items[0]", i), fmt.Sprintf("$[%d].items[0]", k)
	x.eq(newItem+".freightProductId", fpServicePt)
	x.eq(newItem+".returnCode", f.book.returnCode)
	x.contains(newItem+".linkedParcelNumbers", bare(f.book.sscc))
	if sscc, ok := x.value(newItem + ".trackingNumber"); ok {
		if s, isStr := sscc.(string); isStr {
			x.contains(oldItem+".linkedParcelNumbers", s)
		}
	}
	return c.done()
}
