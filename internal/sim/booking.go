package sim

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
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
	KeyItemTooHeavy      = errorkey.ItemTooHeavy
	KeyItemTooLarge      = errorkey.ItemTooLarge
)

// Wire values of bookings.
const (
	servicePointPartyType = "servicePoint"
)

// plan is a validated booking, ready to be stored: every check has passed
// and nothing has been generated yet.
type plan struct {
	req        bookingReq
	ts, fp     int
	date       *calendar.Date
	point      *fixture.ServicePoint // the party the answer shows, if any
	through    bool                  // the parcel goes through point
	consignee  int                   // index in req.Parties
	consignor  int
	pointParty int       // -1 when the request has none
	supplied   []string  // per item: client-supplied SSCC or ""
	key        storedReq // the normalised request, stored and compared on retries
	returnCode bool
}

// createBooking is POST /parcels/v1/bookings.
func createBooking(s *Server, c *call) (result, *apierror.Error) {
	p := &plan{pointParty: -1, consignee: -1, consignor: -1}
	if aerr := decodeInto(c, &p.req, readBooking); aerr != nil {
		return result{}, aerr
	}
	if aerr := checkShop(c.client, p.req.ShopID.V); aerr != nil {
		return result{}, aerr
	}
	var err error
	if p.key, err = encodeReq(&p.req); err != nil {
		// A raw value the spec let through that json.Marshal refuses.
		return result{}, apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the request could not be stored")
	}
	// A retry of a stored booking answers the stored booking, before any
	// check that depends on today: a client whose answer was lost may
	// retry after its pickup date has passed.
	if prev, found := s.storedRetry(c.client.ID, p); found {
		return ok(s.answer(prev)), nil
	}
	if aerr := s.planBooking(c, p); aerr != nil {
		return result{}, aerr
	}
	o, retry, aerr := s.book(c, p)
	switch {
	case aerr != nil:
		return result{}, aerr
	case retry:
		return ok(s.answer(o)), nil
	}
	return ok(s.render(o, &p.req)), nil
}

// storedRetry returns the stored booking this request repeats (same
// client, same shipmentId, same normalised body).
func (s *Server) storedRetry(client string, p *plan) (*order, bool) {
	id := strings.TrimSpace(str(p.req.ShipmentID))
	if id == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.retryLocked(client, id, p.key)
}

// retryLocked finds the client's stored booking with shipmentId id and the
// normalised body key.
func (s *Server) retryLocked(client, id string, key storedReq) (*order, bool) {
	prev := s.st.byShipment[shipmentKey(id)]
	if prev == nil || prev.ClientID != client || prev.Req == "" || prev.Req != key {
		return nil, false
	}
	return prev, true
}

// planBooking checks everything that does not depend on stored state.
func (s *Server) planBooking(c *call, p *plan) *apierror.Error {
	req := &p.req
	if !bookable[req.TransportSolutionID.V] {
		return apierror.Newf(http.StatusBadRequest, KeyUnsupportedTS,
			"this transport solution cannot be booked here (use %s)", simulatedList).
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
	if aerr := s.route(p); aerr != nil {
		return aerr
	}
	if p.date != nil {
		if aerr := checkDate(*p.date, calendar.DateOf(c.now.In(s.oslo))); aerr != nil {
			return aerr
		}
	}
	return checkSize(req.Items, p.fp)
}

func (p *plan) party(i int) partyIn { return p.req.Parties[i] }

// checkParties needs one consignee and one consignor with an address, a
// phone number and an e-mail field each, and at most one service point.
// The e-mail may be "" (the guide's consignor sends it); the spec checks
// the form of phone1 and email.
func (p *plan) checkParties() *apierror.Error {
	var e *apierror.Error // made at the first problem
	problem := func(field, reason string) {
		if e == nil {
			e = apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest, "the parties are incomplete")
		}
		e.WithField(field, reason)
	}
	for i, pt := range p.req.Parties {
		var slot *int
		switch pt.Type {
		case "consignee":
			slot = &p.consignee
		case "consignor":
			slot = &p.consignor
		case servicePointPartyType:
			slot = &p.pointParty
		default:
			continue // returnAddress and pickupAddress are echoed only
		}
		if *slot >= 0 && *slot != i {
			problem(fmt.Sprintf("parties[%d].type", i), "only one "+pt.Type+" is allowed")
			continue
		}
		*slot = i
		if pt.Type == servicePointPartyType {
			if rawID(pt.ID) == "" {
				problem(fmt.Sprintf("parties[%d].id", i), "is required for a servicePoint")
			}
			continue
		}
		for _, f := range [...]struct {
			name string
			v    *string
		}{{"name", pt.Name}, {"address", pt.Address}, {"zipCode", pt.ZipCode}, {"postalName", pt.PostalName}, {"countryCode", pt.CountryCode}, {"phone1", pt.Phone1}} {
			if strings.TrimSpace(str(f.v)) == "" {
				problem(fmt.Sprintf("parties[%d].%s", i, f.name), "is required for a "+pt.Type)
			}
		}
		if pt.Email == nil {
			problem(fmt.Sprintf("parties[%d].email", i), "is required for a "+pt.Type+` ("" when there is none)`)
		}
	}
	if p.consignee < 0 {
		problem("parties", "must contain a consignee")
	}
	if p.consignor < 0 {
		problem("parties", "must contain a consignor")
	}
	return e
}

// checkItems checks item numbers and client-supplied tracking references:
// each a valid SSCC, none twice, none equal to the booking's own supplied
// shipmentId.
func (p *plan) checkItems() *apierror.Error {
	seen := map[string]bool{}
	if id := strings.TrimSpace(str(p.req.ShipmentID)); id != "" {
		seen[shipmentKey(id)] = true
	}
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
			return apierror.New(http.StatusConflict, KeyDuplicateTracking, "the same id is used twice in the booking (as a trackingReference or the shipmentId)").
				WithField(fmt.Sprintf("items[%d].trackingReference", i), "used twice")
		}
		seen[v] = true
		p.supplied[i] = v
	}
	return nil
}

// checkSize refuses an item heavier or larger than freight product fp
// takes. Sides are compared longest with longest, so an item may be
// given in any orientation; a measure that is not given is not checked.
func checkSize(items []itemIn, fp int) *apierror.Error {
	lim := products[fp].max
	type side struct {
		name string
		cm   float64
	}
	for i, it := range items {
		if !fitsWeight(fp, it.Weight) {
			return apierror.Newf(http.StatusBadRequest, KeyItemTooHeavy,
				"an item is heavier than freight product %d takes (%s)%s", fp, lim, largerHint(fp)).
				WithField(fmt.Sprintf("items[%d].weight", i), fmt.Sprintf("must be at most %.0f g", lim.grams))
		}
		sides := [3]side{{"length", it.Length.V}, {"width", it.Width.V}, {"height", it.Height.V}}
		slices.SortStableFunc(sides[:], func(a, b side) int { return cmp.Compare(b.cm, a.cm) })
		for k, sd := range sides {
			if sd.cm > lim.cm[k] {
				return apierror.Newf(http.StatusBadRequest, KeyItemTooLarge,
					"an item is larger than freight product %d takes (%s)%s", fp, lim, largerHint(fp)).
					WithField(fmt.Sprintf("items[%d].%s", i, sd.name), fmt.Sprintf("over the %s side of %.0f cm", sideNames[k], lim.cm[k]))
			}
		}
	}
	return nil
}

var sideNames = [3]string{"longest", "middle", "shortest"}

// String renders the limits as "at most 5 kg and 40 × 30 × 20 cm".
func (l limits) String() string {
	return fmt.Sprintf("at most %g kg and %g × %g × %g cm", l.grams/1000, l.cm[0], l.cm[1], l.cm[2])
}

// largerHint points a parcel too large for the small C2C product to the
// medium/large one.
func largerHint(fp int) string {
	if fp == fpC2CSmall {
		return "; book transport solution 115 (medium/large) instead"
	}
	return ""
}

// route checks the parties' addresses as coverage would and picks the
// freight product and, when the parcel goes through one, the service point.
//
// A C2C consignor is a private sender in Norway: TS 23 needs doorstep
// pickup at its address, TS 113 and 115 a Helthjem point within reach
// unless the booking names one. A C2C consignee is delivered home or to a
// shop: its address needs home delivery or a Helthjem point within reach.
// A B2C (TS 1, 2, 62, 86) consignee's address needs the solution's first
// freight product offered there, or, when the booking names a point, the
// product through that point's carrier.
func (s *Server) route(p *plan) *apierror.Error {
	consignee, aerr := s.partyCode(p, p.consignee)
	if aerr != nil {
		return aerr
	}
	named, aerr := s.namedPoint(p)
	if aerr != nil {
		return aerr
	}
	p.point = named
	fps := solutions[int64(p.ts)]
	if c2c(p.ts) {
		p.fp = fps[0]
		if !s.receives(consignee) {
			return p.uncovered(p.consignee, "the consignee's address has neither home delivery nor a Helthjem service point within reach")
		}
		consignor, aerr := s.partyCode(p, p.consignor)
		if aerr != nil {
			return aerr
		}
		if p.ts == tsC2CPickup {
			if !s.covers(consignor, fpC2CPickup) {
				return p.uncovered(p.consignor, "no doorstep pickup at the consignor's address")
			}
			p.returnCode = p.date != nil // the guide: no date, no returnCode
			return nil                   // a named point is kept on the booking, not routed through
		}
		p.returnCode, p.through = true, true
		if named == nil {
			return s.nearestPoint(p, consignor, p.consignor, "consignor")
		}
		return nil
	}
	if named != nil {
		if fp, ok := pointProduct(p.ts, named.Carrier); ok {
			p.fp, p.through = fp, true
			if !s.covers(consignee, fp) {
				return p.uncovered(p.consignee, "no service point of this carrier within reach of the consignee's address")
			}
			return nil
		}
	}
	for _, fp := range fps {
		if s.covers(consignee, fp) {
			p.fp = fp
			if products[fp].point {
				p.through = true
				return s.nearestPoint(p, consignee, p.consignee, "consignee")
			}
			return nil
		}
	}
	return p.uncovered(p.consignee, "this transport solution is not offered at the consignee's address")
}

// partyCode looks up the postal code of party i, in Norway.
func (s *Server) partyCode(p *plan, i int) (fixture.PostalCode, *apierror.Error) {
	pt := p.party(i)
	return s.postalCode(str(pt.CountryCode), str(pt.ZipCode), i)
}

// uncovered answers a party's address that the booking's product does not
// cover: no.carrier.support naming the party's zipCode.
func (p *plan) uncovered(i int, msg string) *apierror.Error {
	return noCarrierSupport("%s", msg).WithField(partyField(i, "zipCode"), "not covered")
}

// namedPoint resolves the booking's servicePoint party, if it has one: a
// known point of a carrier the solution delivers through (Helthjem's on
// every solution, PostNord's on TS 1 and 62), or 400 unknown.servicePoint
// on every solution.
func (s *Server) namedPoint(p *plan) (*fixture.ServicePoint, *apierror.Error) {
	if p.pointParty < 0 {
		return nil, nil
	}
	sp, found := s.fx.ServicePoint(rawID(p.party(p.pointParty).ID))
	if !found || !namesPoint(p.ts, sp.Carrier) {
		return nil, apierror.New(http.StatusBadRequest, KeyUnknownServicePt,
			"no such service point for this transport solution; list them with /parcels/v1/service-points/nearby").
			WithField(partyField(p.pointParty, "id"), "unknown service point")
	}
	return &sp, nil
}

// nearestPoint picks the point of the booking's product nearest the party
// (party i, in role) at pc.
func (s *Server) nearestPoint(p *plan, pc fixture.PostalCode, i int, role string) *apierror.Error {
	pts := s.pointsNear(pc, products[p.fp].carrier)
	if len(pts) == 0 {
		return p.uncovered(i, fmt.Sprintf("no service point within %.0f km of the %s's address", reachKM, role))
	}
	sp := pts[0].ServicePoint
	p.point = &sp
	return nil
}

// checkDate accepts only a date the dates operation can offer today, with
// any limit up to its largest (calendar.Offered), on every transport
// solution.
func checkDate(d, today calendar.Date) *apierror.Error {
	if !d.After(today) {
		return apierror.New(http.StatusBadRequest, KeyDateNotInFuture,
			"the date must be after today; fetch dates from /parcels/v1/addresses/find/single/dates").
			WithField("desiredDeliveryDate", "must be in the future")
	}
	if calendar.Offered(d, today) {
		return nil
	}
	return apierror.Newf(http.StatusBadRequest, KeyDateNotOffered,
		"that date is not offered (Sundays, public holidays and dates over %d days ahead are not); fetch dates from /parcels/v1/addresses/find/single/dates", calendar.MaxPickupLimit).
		WithField("desiredDeliveryDate", "is not an offered date")
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

// book is bookLocked under the lock.
func (s *Server) book(c *call, p *plan) (*order, bool, *apierror.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bookLocked(c, p)
}

// bookLocked stores the order and returns it, or returns the stored order
// a retry repeats (retry set). Its answer is rendered once the lock is
// released: nothing render reads of an order changes once it is stored.
func (s *Server) bookLocked(c *call, p *plan) (o *order, retry bool, aerr *apierror.Error) {
	supplied := strings.TrimSpace(str(p.req.ShipmentID))
	if supplied != "" {
		if prev, found := s.retryLocked(c.client.ID, supplied, p.key); found {
			return prev, true, nil // a safe retry
		}
		// The same answer whichever client holds the id, as a shipmentId,
		// an SSCC or a returnCode: it must not tell that another client
		// exists.
		if s.st.taken(shipmentKey(supplied)) {
			return nil, false, apierror.New(http.StatusConflict, KeyDuplicateShipment,
				"this shipmentId is already booked with a different request").WithField("shipmentId", "already used")
		}
	}
	for i, v := range p.supplied {
		if v != "" && s.st.taken(v) {
			return nil, false, apierror.New(http.StatusConflict, KeyDuplicateTracking, "this trackingReference is already booked").
				WithField(fmt.Sprintf("items[%d].trackingReference", i), "already used")
		}
	}
	if aerr := s.checkCapLocked(); aerr != nil {
		return nil, false, aerr
	}
	// The clock read when the request arrived may have moved since (a
	// slow body, a latency fault, a reset meanwhile): the order is stamped
	// with the time under this lock, and its date checked against it.
	now := s.nowLocked(c)
	if p.date != nil {
		if aerr := checkDate(*p.date, calendar.DateOf(now.In(s.oslo))); aerr != nil {
			return nil, false, aerr
		}
	}
	rec, aerr := s.bookingRecordLocked(c, p, supplied)
	if aerr != nil {
		return nil, false, aerr
	}
	if aerr := s.commitLocked(rec); aerr != nil {
		return nil, false, aerr
	}
	return rec.Order, false, nil
}

// bookingRecordLocked builds the order record of a checked booking, with
// its ids drawn from a copy of the generators.
func (s *Server) bookingRecordLocked(c *call, p *plan, shipmentID string) (*record, *apierror.Error) {
	g := s.st.gen
	taken := s.st.taken
	if p.hasSupplied() || shipmentID != "" {
		// A generated id must not equal one this booking supplies: an
		// SSCC, or its shipmentId (an SSCC or a returnCode in form).
		own := map[string]bool{}
		for _, v := range p.supplied {
			own[v] = true
		}
		if shipmentID != "" {
			own[shipmentKey(shipmentID)] = true
		}
		taken = func(id string) bool { return own[id] || s.st.taken(id) }
	}
	o := &order{
		ClientID: c.client.ID, ShopID: p.req.ShopID.V, TS: int16(p.ts), FP: int16(p.fp),
		booked: newStamp(c.now, 0), Req: p.key, Desired: dateOf(p.date), ShipmentID: shipmentID,
	}
	if id, ok := p.key.shipmentID(); ok && strings.TrimSpace(id) == shipmentID {
		o.ShipmentID = strings.TrimSpace(id) // the same, without a string of its own
	}
	if p.point != nil {
		o.BookedPoint = p.point.ID
		if p.through {
			o.ServicePointID = p.point.ID
		}
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
	for i, sscc := range p.supplied {
		var err error
		if sscc == "" {
			if sscc, err = g.sscc(taken); err != nil {
				return nil, idSpaceError(err)
			}
		}
		var rc string
		if p.returnCode {
			if rc, err = g.returnCode(taken); err != nil {
				return nil, idSpaceError(err)
			}
		}
		if o.Items[i], err = newOrderItem(sscc, rc); err != nil { // both canonical: never
			return nil, apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the booking's ids could not be stored")
		}
	}
	o.Events = []event{newEvent(c.now, evBooked, "")}
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

// answer renders a stored order's booking answer again: an order booked
// by a request (a retry, a label), never one a conversion made. It needs
// no lock: what it reads of an order (its request, ids, products, date,
// booked point and booking time) never changes once the order is stored.
func (s *Server) answer(o *order) bookingResp {
	req, _ := o.Req.decode() // encoded by encodeReq
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
		ShipmentID: o.ShipmentID, FreightProductID: int(o.FP), OrderID: o.OrderID,
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
			ItemNumber: in.ItemNumber.V, TrackingReference: ids.TrackingPrefix + it.SSCC(),
			Weight: in.Weight, Volume: in.Volume, Length: in.Length, Height: in.Height, Width: in.Width,
			Contents: in.Contents, Articles: []any{},
			Properties: itemProperties{ShortItemIdentifier: ids.ShortItemIdentifier(it.SSCC())},
		}
		if it.rc != 0 {
			out.ReturnCode = ptr(it.ReturnCode())
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

// properties is the booking's properties: the distribution date, the
// product's names, the shop and, for a parcel through a service point,
// the point's routing block (see route).
func (s *Server) properties(o *order, sp *fixture.ServicePoint) bookingProps {
	// distributionDate echoes desiredDeliveryDate (notes §3.4); without
	// one, a service-point parcel's is its booking day.
	var dist *string
	switch d, desired := o.Desired.date(); {
	case desired:
		dist = ptr(d.Compact())
	case o.TS != tsC2CPickup:
		dist = ptr(calendar.DateOf(o.booked.time().In(s.oslo)).Compact())
	}
	cl, _ := s.fx.Client(o.ClientID)
	props := bookingProps{
		DistributionDate:   dist,
		FreightProductName: ptr(products[int(o.FP)].name),
		ProductName:        ptr(products[int(o.FP)].title),
		ShopName:           ptr(cl.Name),
	}
	if o.TS == tsC2CPickup {
		props.ProductName = ptr("HELTHJEM_MEGTILDEG")
		return props
	}
	if sp == nil || !products[int(o.FP)].point {
		return props
	}
	rt := route(sp)
	props.DeliveryPointCarID = ptr(rt.DeliveryPointCarID)
	props.MainCarNumber = ptr(rt.MainCarNumber)
	props.PickupZipString = ptr("")
	props.RetailerID = ptr(sp.ID)
	props.RouteAddress = ptr(rt.RouteAddress)
	props.RouteSeq = ptr("")
	props.Routing = ptr(rt.Routing)
	props.RoutingDescription = ptr(" ")
	props.RoutingDetailed = ptr(rt.RoutingDetailed)
	props.ServicePointType = ptr(sp.Type)
	props.TransportNetID = ptr(rt.TransportNetID)
	return props
}

// route is a service point's routing block: the fixture's when it has one
// (49003 has the C2C guide's), else derived from the point's id, so a
// point always routes the same way (inferred: the numbers mean nothing).
func route(sp *fixture.ServicePoint) fixture.Route {
	if sp.Route != nil {
		return *sp.Route
	}
	h := fnv.New32a()
	h.Write([]byte(sp.ID))
	v := h.Sum32()
	car := strconv.FormatUint(uint64(100+v%400), 10)
	return fixture.Route{
		RouteAddress:       sp.StreetName + " " + sp.StreetNumber,
		Routing:            car + "-" + strconv.FormatUint(uint64(1+v%40), 10),
		RoutingDetailed:    car,
		MainCarNumber:      car,
		DeliveryPointCarID: strconv.FormatUint(uint64(1000+v%9000), 10),
		TransportNetID:     strconv.FormatUint(uint64(200+v%50), 10),
	}
}
