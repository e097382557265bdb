package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// Booking errorKeys beyond the carrier's documented ones. They are public
// interface: users' tests match on them.
const (
	KeyDateNotOffered    = errorkey.DesiredDeliveryDateNotAvailable
	KeyDateNotInFuture   = errorkey.DistributionDateNotInFuture
	KeyUnknownServicePt  = errorkey.UnknownServicePoint
	KeyDuplicateShipment = errorkey.DuplicateShipmentID
	KeyDuplicateTracking = errorkey.DuplicateTrackingReference
	KeyBadTrackingRef    = errorkey.InvalidTrackingReference
	KeyUnsupportedTS     = errorkey.UnsupportedTransportSolution
	KeyOrderLimitReached = errorkey.OrderLimitReached
)

// Wire values of bookings.
const (
	linkedReturnFromPUDO  = "RETURN_FROM_SERVICE_POINT"
	servicePointPartyType = "servicePoint"
)

// plan is a validated booking, ready to be stored: every check has passed
// and nothing has been generated yet.
type plan struct {
	req        bookingReq
	ts, fp     int
	date       *calendar.Date
	point      *fixture.ServicePoint
	consignee  int // index in req.Parties
	consignor  int
	pointParty int      // -1 when the request has none
	supplied   []string // per item: client-supplied SSCC or ""
	key        []byte   // the normalised request, stored and compared on retries
	returnCode bool
}

// createBooking is POST /parcels/v1/bookings.
func createBooking(s *Server, c *call) (result, *apierror.Error) {
	p := &plan{pointParty: -1, consignee: -1, consignor: -1}
	if aerr := decode(c.body, &p.req); aerr != nil {
		return result{}, aerr
	}
	if aerr := checkShop(c.client, p.req.ShopID.V); aerr != nil {
		return result{}, aerr
	}
	p.key = requestKey(&p.req)
	// A retry of a stored booking answers the stored booking, before any
	// check that depends on today: a client whose answer was lost may
	// retry after its pickup date has passed.
	if prev, found := s.storedRetry(c.client.ID, p); found {
		return ok(prev), nil
	}
	if aerr := s.planBooking(c, p); aerr != nil {
		return result{}, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp, aerr := s.bookLocked(c, p)
	if aerr != nil {
		return result{}, aerr
	}
	return ok(resp), nil
}

// storedRetry returns the answer of a stored booking this request repeats
// (same client, same shipmentId, same normalised body).
func (s *Server) storedRetry(client string, p *plan) (bookingResp, bool) {
	id := strings.TrimSpace(str(p.req.ShipmentID))
	if id == "" {
		return bookingResp{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.retryLocked(client, id, p.key)
}

// retryLocked finds the client's stored booking with shipmentId id and the
// normalised body key, and renders its answer again.
func (s *Server) retryLocked(client, id string, key []byte) (bookingResp, bool) {
	prev := s.st.byShipment[shipmentKey(id)]
	if prev == nil || prev.ClientID != client || prev.Req == nil || !bytes.Equal(prev.Req, key) {
		return bookingResp{}, false
	}
	return s.answerLocked(prev), true
}

// planBooking checks everything that does not depend on stored state.
func (s *Server) planBooking(c *call, p *plan) *apierror.Error {
	req := &p.req
	if !bookable[req.TransportSolutionID.V] {
		return apierror.Newf(http.StatusBadRequest, KeyUnsupportedTS,
			"transport solution %d cannot be booked here (use 23, 113, 115, 1, 2, 62 or 86)", req.TransportSolutionID.V).
			WithField("transportSolutionId", "not bookable")
	}
	p.ts = int(req.TransportSolutionID.V)
	if aerr := p.checkParties(); aerr != nil {
		return aerr
	}
	if aerr := p.checkItems(); aerr != nil {
		return aerr
	}
	if raw := bytes.TrimSpace(req.DesiredDeliveryDate); len(raw) > 0 && string(raw) != "null" {
		d, err := calendar.ParseDesiredDate(raw)
		if err != nil {
			return apierror.New(http.StatusBadRequest, apierror.KeyInvalidDate,
				`desiredDeliveryDate must be 20260617, "20260617" or "2026-06-17"`).
				WithField("desiredDeliveryDate", `must be a date as 20260617, "20260617" or "2026-06-17"`)
		}
		p.date = &d
	}
	if aerr := s.route(p, c); aerr != nil {
		return aerr
	}
	return nil
}

func (p *plan) party(i int) partyIn { return p.req.Parties[i] }

// checkParties needs one consignee and one consignor with an address each,
// and at most one service point.
func (p *plan) checkParties() *apierror.Error {
	e := apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest, "the parties are incomplete")
	for i, pt := range p.req.Parties {
		slot := map[string]*int{"consignee": &p.consignee, "consignor": &p.consignor, servicePointPartyType: &p.pointParty}[pt.Type]
		if slot == nil {
			continue // returnAddress and pickupAddress are echoed only
		}
		if *slot >= 0 && *slot != i {
			e.WithField(fmt.Sprintf("parties[%d].type", i), "only one "+pt.Type+" is allowed")
			continue
		}
		*slot = i
		if pt.Type == servicePointPartyType {
			continue
		}
		for _, f := range []struct {
			name string
			v    *string
		}{{"name", pt.Name}, {"address", pt.Address}, {"zipCode", pt.ZipCode}, {"postalName", pt.PostalName}, {"countryCode", pt.CountryCode}} {
			if strings.TrimSpace(str(f.v)) == "" {
				e.WithField(fmt.Sprintf("parties[%d].%s", i, f.name), "is required for a "+pt.Type)
			}
		}
	}
	if p.consignee < 0 {
		e.WithField("parties", "must contain a consignee")
	}
	if p.consignor < 0 {
		e.WithField("parties", "must contain a consignor")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// checkItems checks item numbers and client-supplied tracking references.
func (p *plan) checkItems() *apierror.Error {
	seen := map[string]bool{}
	p.supplied = make([]string, len(p.req.Items))
	for i, it := range p.req.Items {
		ref := strings.TrimSpace(str(it.TrackingReference))
		if ref == "" {
			continue
		}
		k, v := ids.Parse(ref)
		if k != ids.KindSSCC || !ids.ValidGS1(v) {
			return apierror.New(http.StatusBadRequest, KeyBadTrackingRef,
				`trackingReference must be "" (assigned) or an 18-digit SSCC with a valid check digit, with or without "(00)"`).
				WithField(fmt.Sprintf("items[%d].trackingReference", i), "must be empty or a valid SSCC")
		}
		if seen[v] {
			return apierror.New(http.StatusConflict, KeyDuplicateTracking, "the same trackingReference is used twice").
				WithField(fmt.Sprintf("items[%d].trackingReference", i), "used twice")
		}
		seen[v] = true
		p.supplied[i] = v
	}
	return nil
}

// route picks the freight product and, for service-point solutions, the
// point; it checks coverage and the date.
func (s *Server) route(p *plan, c *call) *apierror.Error {
	consignor, consignee := p.party(p.consignor), p.party(p.consignee)
	switch p.ts {
	case tsC2CPickup:
		p.fp = fpC2CPickup
		pc, aerr := s.postalCode(str(consignor.CountryCode), str(consignor.ZipCode), fmt.Sprintf("parties[%d].zipCode", p.consignor))
		if aerr != nil {
			return aerr
		}
		if !pc.Pickup {
			return noCarrierSupport("no doorstep pickup at the consignor's postal code %s", pc.Code)
		}
		if p.date != nil {
			if aerr := checkPickupDate(*p.date, calendar.DateOf(c.now.In(s.oslo))); aerr != nil {
				return aerr
			}
		}
		p.returnCode = p.date != nil // the guide: no date, no returnCode
		return nil
	case tsC2CSmall, tsC2CLarge:
		p.fp = fpC2CSmall
		if p.ts == tsC2CLarge {
			p.fp = fpC2CLarge
		}
		p.returnCode = true
		return s.pickPoint(p, "consignor")
	case tsHomeOnly, tsHomeOrPoint:
		pc, aerr := s.postalCode(str(consignee.CountryCode), str(consignee.ZipCode), fmt.Sprintf("parties[%d].zipCode", p.consignee))
		if aerr != nil {
			return aerr
		}
		if pc.Home {
			p.fp = fpHome
			return nil
		}
		if p.ts == tsHomeOnly {
			return noCarrierSupport("no home delivery at the consignee's postal code %s", pc.Code)
		}
		p.fp = fpHentepakke
		return s.pickPoint(p, "consignee")
	default: // tsHentepakke, tsPointsOnly
		p.fp = fpHentepakke
		return s.pickPoint(p, "consignee")
	}
}

// checkPickupDate accepts only a date the dates operation offers today.
func checkPickupDate(d, today calendar.Date) *apierror.Error {
	if !d.After(today) {
		return apierror.New(http.StatusBadRequest, KeyDateNotInFuture,
			"the pickup date must be after today; fetch dates from /parcels/v1/addresses/find/single/dates").
			WithField("desiredDeliveryDate", "must be in the future")
	}
	if calendar.Offered(d, today) {
		return nil
	}
	return apierror.New(http.StatusBadRequest, KeyDateNotOffered,
		"no pickup on that date (Sundays, public holidays and dates over 30 days ahead are not offered); fetch dates from /parcels/v1/addresses/find/single/dates").
		WithField("desiredDeliveryDate", "is not an offered pickup date")
}

// pickPoint uses the request's servicePoint party when it names a known
// point, else the point nearest the party in role (consignor or consignee).
func (s *Server) pickPoint(p *plan, role string) *apierror.Error {
	carrier := products[p.fp].carrier
	if p.pointParty >= 0 {
		field := fmt.Sprintf("parties[%d].id", p.pointParty)
		id := rawID(p.party(p.pointParty).ID)
		if id == "" {
			return apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest, "a servicePoint party needs an id").
				WithField(field, "is required for a servicePoint")
		}
		sp, found := s.fx.ServicePoint(id)
		if !found || sp.Carrier != carrier {
			return apierror.New(http.StatusBadRequest, KeyUnknownServicePt,
				"no such service point for this freight product; list them with /parcels/v1/service-points/nearby").
				WithField(field, "unknown service point")
		}
		p.point = &sp
		return nil
	}
	idx := p.consignor
	if role == "consignee" {
		idx = p.consignee
	}
	near := p.party(idx)
	pc, aerr := s.postalCode(str(near.CountryCode), str(near.ZipCode), fmt.Sprintf("parties[%d].zipCode", idx))
	if aerr != nil {
		return aerr
	}
	pts := s.pointsNear(pc, carrier)
	if len(pts) == 0 {
		return noCarrierSupport("no service point within %.0f km of the %s's postal code %s", reachKM, role, pc.Code)
	}
	sp := pts[0].ServicePoint
	p.point = &sp
	return nil
}

// rawID renders a JSON id (number, string or null) as a string.
func rawID(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return string(raw)
}

// requestKey is the request re-encoded from its decoded form, so "16" and
// 16, reordered keys or spacing count as the same body on a retry.
func requestKey(req *bookingReq) []byte {
	norm := *req
	var date bytes.Buffer
	if len(req.DesiredDeliveryDate) > 0 && json.Compact(&date, req.DesiredDeliveryDate) == nil {
		norm.DesiredDeliveryDate = date.Bytes()
	}
	b, _ := json.Marshal(norm)
	return b
}

// bookLocked stores the order, or answers a retry of a stored one.
func (s *Server) bookLocked(c *call, p *plan) (bookingResp, *apierror.Error) {
	supplied := strings.TrimSpace(str(p.req.ShipmentID))
	if supplied != "" {
		if prev, found := s.retryLocked(c.client.ID, supplied, p.key); found {
			return prev, nil // a safe retry
		}
		// The same answer whichever client holds the id: it must not tell
		// that another client exists.
		if s.st.byShipment[shipmentKey(supplied)] != nil {
			return bookingResp{}, apierror.New(http.StatusConflict, KeyDuplicateShipment,
				"this shipmentId is already booked with a different request").WithField("shipmentId", "already used")
		}
	}
	for i, v := range p.supplied {
		if v != "" && s.st.taken(v) {
			return bookingResp{}, apierror.New(http.StatusConflict, KeyDuplicateTracking, "this trackingReference is already booked").
				WithField(fmt.Sprintf("items[%d].trackingReference", i), "already used")
		}
	}
	if aerr := s.checkCapLocked(); aerr != nil {
		return bookingResp{}, aerr
	}
	rec, aerr := s.bookingRecordLocked(c, p, supplied)
	if aerr != nil {
		return bookingResp{}, aerr
	}
	if aerr := s.commitLocked(rec); aerr != nil {
		return bookingResp{}, aerr
	}
	return s.render(rec.Order, &p.req), nil
}

// bookingRecordLocked builds the order record of a checked booking, with
// its ids drawn from a copy of the generators.
func (s *Server) bookingRecordLocked(c *call, p *plan, shipmentID string) (*record, *apierror.Error) {
	g := s.st.gen
	taken := s.st.taken
	if p.hasSupplied() {
		// A generated SSCC must not equal one this booking supplies.
		own := map[string]bool{}
		for _, v := range p.supplied {
			own[v] = true
		}
		taken = func(id string) bool { return own[id] || s.st.taken(id) }
	}
	o := &order{orderRec: orderRec{
		ClientID: c.client.ID, ShopID: p.req.ShopID.V, TS: p.ts, FP: p.fp,
		BookedAt: c.now, Req: p.key, Desired: p.date, ShipmentID: shipmentID,
	}}
	if p.point != nil {
		o.ServicePointID, o.BookedPoint = p.point.ID, p.point.ID
	}
	if o.ShipmentID == "" {
		n, err := g.shipmentNumber(taken)
		if err != nil {
			return nil, idSpaceError(err)
		}
		o.ShipmentID = ids.ShipmentPrefix + n
	}
	o.OrderID = g.orderID()
	o.Items = make([]orderItem, len(p.supplied))
	for i, v := range p.supplied {
		it := orderItem{SSCC: v}
		if it.SSCC == "" {
			var err error
			if it.SSCC, err = g.sscc(taken); err != nil {
				return nil, idSpaceError(err)
			}
		}
		if p.returnCode {
			var err error
			if it.ReturnCode, err = g.returnCode(taken); err != nil {
				return nil, idSpaceError(err)
			}
		}
		o.Items[i] = it
	}
	o.Events = []event{{At: c.now, Kind: evBooked}}
	if p.ts == tsC2CPickup && p.date != nil {
		o.Events = append(o.Events, pickupEvents(*p.date, s.oslo)...)
	}
	return &record{Type: recOrder, At: c.now, Order: o, Gen: &g}, nil
}

func (p *plan) hasSupplied() bool {
	for _, v := range p.supplied {
		if v != "" {
			return true
		}
	}
	return false
}

// answerLocked renders a stored order's booking answer again.
func (s *Server) answerLocked(o *order) bookingResp {
	if o.Conv != nil {
		return *o.Conv
	}
	var req bookingReq
	_ = json.Unmarshal(o.Req, &req) // encoded by requestKey
	return s.render(o, &req)
}

// checkCapLocked refuses a new order beyond MaxOrders.
func (s *Server) checkCapLocked() *apierror.Error {
	if len(s.st.orders) < s.opts.MaxOrders {
		return nil
	}
	return apierror.Newf(http.StatusInsufficientStorage, KeyOrderLimitReached,
		"the mock stores at most %d orders; POST /__sim/reset (optionally ?clientId=) or raise -max-orders", s.opts.MaxOrders)
}

// idSpaceError answers a draw that found no free id.
func idSpaceError(err error) *apierror.Error {
	return apierror.Newf(http.StatusInsufficientStorage, KeyOrderLimitReached,
		"%v; POST /__sim/reset (optionally ?clientId=)", err)
}

// render builds the answer to a booking from the order and its normalised
// request, shaped as the guide's.
func (s *Server) render(o *order, req *bookingReq) bookingResp {
	var point *fixture.ServicePoint
	if sp, found := s.fx.ServicePoint(o.BookedPoint); found {
		point = &sp
	}
	resp := bookingResp{
		ShipmentID: o.ShipmentID, FreightProductID: o.FP, OrderID: o.OrderID,
		AdditionalServices: []any{},
	}
	for _, pt := range req.Parties {
		if pt.Type == servicePointPartyType {
			continue // replaced by the resolved point below
		}
		resp.Parties = append(resp.Parties, partyOutOf(pt))
	}
	if point != nil {
		resp.Parties = append(resp.Parties, pointParty(*point))
	}
	for i, in := range req.Items {
		it := o.Items[i]
		out := itemOut{
			ItemNumber: in.ItemNumber.V, TrackingReference: ids.TrackingPrefix + it.SSCC,
			Weight: in.Weight, Volume: in.Volume, Length: in.Length, Height: in.Height, Width: in.Width,
			Contents: in.Contents, Articles: []any{},
			Properties: itemProperties{ShortItemIdentifier: ids.ShortItemIdentifier(it.SSCC)},
		}
		if it.ReturnCode != "" {
			out.ReturnCode = ptr(it.ReturnCode)
		}
		resp.Items = append(resp.Items, out)
	}
	resp.Properties = s.properties(o, point)
	return resp
}

func partyOutOf(pt partyIn) partyOut {
	id := json.RawMessage("null")
	if raw := bytes.TrimSpace(pt.ID); len(raw) > 0 {
		id = raw
	}
	return partyOut{
		Type: pt.Type, ID: id, Name: pt.Name, CountryCode: pt.CountryCode, PostalName: pt.PostalName,
		ZipCode: pt.ZipCode, Address: pt.Address, Phone1: pt.Phone1, Phone2: pt.Phone2, Email: pt.Email,
		Reference: pt.Reference, Contact: pt.Contact, Coaddress: pt.Coaddress,
	}
}

func pointParty(sp fixture.ServicePoint) partyOut {
	id, _ := json.Marshal(sp.ID)
	return partyOut{
		Type: servicePointPartyType, ID: id, Name: ptr(sp.Name), CountryCode: ptr("NO"),
		PostalName: ptr(sp.PostalName), ZipCode: ptr(sp.PostalCode), Address: ptr(sp.StreetName + " " + sp.StreetNumber),
	}
}

// properties is the booking's routing block. Routing numbers are derived
// from the service point's id, so a point always routes the same way.
func (s *Server) properties(o *order, sp *fixture.ServicePoint) map[string]*string {
	// distributionDate echoes desiredDeliveryDate (notes §3.4); without
	// one, a service-point parcel's is its booking day.
	var dist *string
	switch {
	case o.Desired != nil:
		dist = ptr(o.Desired.Compact())
	case o.TS != tsC2CPickup:
		dist = ptr(calendar.DateOf(o.BookedAt.In(s.oslo)).Compact())
	}
	cl, _ := s.fx.Client(o.ClientID)
	props := map[string]*string{
		"areaId":             nil,
		"distributionDate":   dist,
		"freightProductName": ptr(products[o.FP].name),
		"productName":        ptr(products[o.FP].title),
		"regionId":           nil,
		"routeDescription":   nil,
		"routeName":          nil,
		"routeZipAndCity":    nil,
		"shopName":           ptr(cl.Name),
	}
	if o.TS == tsC2CPickup {
		props["productName"] = ptr("HELTHJEM_MEGTILDEG")
		return props
	}
	if sp == nil {
		return props
	}
	h := fnv.New32a()
	h.Write([]byte(sp.ID))
	v := h.Sum32()
	car := fmt.Sprintf("%d", 100+v%400)
	props["deliveryPointCarId"] = ptr(fmt.Sprintf("%d", 1000+v%9000))
	props["mainCarNumber"] = ptr(car)
	props["pickupZipString"] = ptr("")
	props["retailerId"] = ptr(sp.ID)
	props["routeAddress"] = ptr(sp.StreetName + " " + sp.StreetNumber)
	props["routeSeq"] = ptr("")
	props["routing"] = ptr(fmt.Sprintf("%s-%d", car, 1+v%40))
	props["routingDescription"] = ptr(" ")
	props["routingDetailed"] = ptr(car)
	props["servicePointType"] = ptr(sp.Type)
	props["transportNetId"] = ptr(fmt.Sprintf("%d", 200+v%50))
	return props
}
