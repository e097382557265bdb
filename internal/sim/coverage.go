package sim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

func noCarrierSupport(format string, args ...any) *apierror.Error {
	return apierror.Newf(http.StatusBadRequest, apierror.KeyNoCarrierSupport, format, args...)
}

// Coverage errorKeys beyond the carrier's documented no.carrier.support.
const (
	// KeyInvalidZipCode is the errorKey for a postal code that does not
	// exist (as opposed to one that exists and is not covered:
	// no.carrier.support).
	KeyInvalidZipCode = errorkey.InvalidZipCode
	// KeyInvalidFreightProduct: dates asked for a freight product other
	// than 26.
	KeyInvalidFreightProduct = errorkey.InvalidFreightProductID
)

// postalCode looks up a Norwegian postal code, of the request (party -1)
// or of parties[party]. A foreign country is not covered (400
// no.carrier.support naming countryCode); a code that is not in the
// register does not exist (400 invalid.zipCode naming zipCode).
func (s *Server) postalCode(country, zip string, party int) (fixture.PostalCode, *apierror.Error) {
	if !strings.EqualFold(strings.TrimSpace(country), "NO") {
		return fixture.PostalCode{}, noCarrierSupport("Helthjem delivers in Norway only (countryCode NO)").
			WithField(partyField(party, "countryCode"), "Helthjem delivers in Norway only")
	}
	pc, ok := s.fx.PostalCode(strings.TrimSpace(zip))
	if !ok {
		return fixture.PostalCode{}, apierror.New(http.StatusBadRequest, KeyInvalidZipCode,
			"unknown Norwegian postal code").WithField(partyField(party, "zipCode"), "unknown Norwegian postal code")
	}
	return pc, nil
}

// partyField names field of parties[party], or of the request when party
// is -1.
func partyField(party int, field string) string {
	if party < 0 {
		return field
	}
	return fmt.Sprintf("parties[%d].%s", party, field)
}

// pointsNear returns the service points nearby answers for one carrier:
// the 3 nearest if one is within nearbyKM, else only the nearest, and none
// beyond reachKM or at a remote code.
func (s *Server) pointsNear(pc fixture.PostalCode, carrier string) []fixture.Ranked {
	if pc.Remote {
		return nil
	}
	near := s.fx.Nearest(pc.Lat, pc.Lon, carrier, 3)
	if len(near) == 0 || near[0].DistanceKM > reachKM {
		return nil
	}
	if near[0].DistanceKM > nearbyKM {
		return near[:1]
	}
	return near
}

// covers reports whether freight product fp is offered at pc, by the
// fixtures' coverage classes (fixtures/README.md): home delivery where
// home is set, doorstep pickup where pickup is, a product through a
// service point where one of its carrier lies within reach; nothing at a
// remote code.
func (s *Server) covers(pc fixture.PostalCode, fp int) bool {
	p := products[fp]
	switch {
	case pc.Remote:
		return false
	case p.point:
		return len(s.pointsNear(pc, p.carrier)) > 0
	case fp == fpC2CPickup:
		return pc.Pickup
	default:
		return pc.Home
	}
}

// receives reports whether the consignee of a C2C parcel can get it at
// pc: C2C parcels are "delivered home or to a shop" (the guide's
// freightDescription), so home delivery or a Helthjem point within reach.
func (s *Server) receives(pc fixture.PostalCode) bool {
	return s.covers(pc, fpHome) || s.covers(pc, fpHentepakke)
}

// fitsWeight reports whether a parcel of weight w (grams, unset when not
// given) is within freight product fp's limit.
func fitsWeight(fp int, w flexNum) bool { return !w.Set || w.V <= products[fp].max.grams }

// weighable keeps the products of fps whose weight limit w is within,
// refusing with no.carrier.support naming weight when none is.
func weighable(fps []int, w flexNum) ([]int, *apierror.Error) {
	if slices.ContainsFunc(fps, func(fp int) bool { return fitsWeight(fp, w) }) {
		return fps, nil
	}
	return nil, noCarrierSupport("the parcel is heavier than this transport solution takes (see the spec's ItemIn)").
		WithField("weight", "over the weight limit of this transport solution")
}

// unsupportedTS answers a transport solution the operation does not
// simulate: a distinct errorKey, never no.carrier.support, which clients
// read as "this address is not covered".
func unsupportedTS(format string, args ...any) *apierror.Error {
	return apierror.Newf(http.StatusBadRequest, KeyUnsupportedTS, format, args...).
		WithField("transportSolutionId", "not simulated here")
}

// addressRequest decodes the body of find/single, nearby or dates and
// checks the token grants its shop.
func addressRequest(c *call) (addressReq, *apierror.Error) {
	var req addressReq
	if aerr := decodeInto(c, &req, readAddress); aerr != nil {
		return req, aerr
	}
	return req, checkShop(c.client, req.ShopID.V)
}

// findSingleAddress is POST /parcels/v1/addresses/find/single: the first
// freight product of the transport solution offered at the address and
// within the parcel's weight.
func findSingleAddress(s *Server, c *call) (result, *apierror.Error) {
	req, aerr := addressRequest(c)
	if aerr != nil {
		return result{}, aerr
	}
	fps, known := solutions[req.TransportSolutionID.V]
	if !known {
		return result{}, unsupportedTS("this transport solution is not simulated (use %s)", simulatedList)
	}
	pc, aerr := s.postalCode(req.CountryCode, req.ZipCode, -1)
	if aerr != nil {
		return result{}, aerr
	}
	if fps, aerr = weighable(fps, req.Weight); aerr != nil {
		return result{}, aerr
	}
	for _, fp := range fps {
		if fitsWeight(fp, req.Weight) && s.covers(pc, fp) {
			return ok(addressCheckResp{ProductName: products[fp].coverName, HandoverCity: strings.ToUpper(pc.Name)}), nil
		}
	}
	return result{}, noCarrierSupport("this transport solution is not offered at this postal code").
		WithField("zipCode", "not covered by this transport solution")
}

// findNearbyServicePoints is POST /parcels/v1/service-points/nearby.
func findNearbyServicePoints(s *Server, c *call) (result, *apierror.Error) {
	req, aerr := addressRequest(c)
	if aerr != nil {
		return result{}, aerr
	}
	ts := req.TransportSolutionID.V
	fps, known := nearbyProducts[ts]
	if !known {
		return result{}, unsupportedTS("this transport solution has no service points here (use 1, 62, 86, 113 or 115)")
	}
	pc, aerr := s.postalCode(req.CountryCode, req.ZipCode, -1)
	if aerr != nil {
		return result{}, aerr
	}
	if fps, aerr = weighable(fps, req.Weight); aerr != nil {
		return result{}, aerr
	}
	resp := nearbyResp{FreightProducts: []freightProduct{}}
	for _, fp := range fps {
		p := products[fp]
		near := s.pointsNear(pc, p.carrier)
		if len(near) == 0 || !fitsWeight(fp, req.Weight) {
			continue
		}
		out := freightProduct{
			TransporterID: int(ts), TransporterName: p.transporter, FreightProductID: fp,
			FreightName: p.name, FreightTitle: p.title, FreightDescription: p.description,
			ServicePoints: make([]servicePoint, 0, len(near)),
		}
		for _, r := range near {
			out.ServicePoints = append(out.ServicePoints, servicePointOut(r.ServicePoint))
		}
		resp.FreightProducts = append(resp.FreightProducts, out)
	}
	if len(resp.FreightProducts) == 0 {
		return result{}, noCarrierSupport("no service point within %.0f km of this postal code", reachKM).
			WithField("zipCode", "no service point within reach")
	}
	return ok(resp), nil
}

func servicePointOut(sp fixture.ServicePoint) servicePoint {
	addr := postalAddress{PostalCode: sp.PostalCode, CountryCode: "NO", StreetNumber: sp.StreetNumber, StreetName: sp.StreetName, PostalName: sp.PostalName}
	hours := make([]openingHours, 0, len(sp.OpeningHours))
	for _, h := range sp.OpeningHours {
		hours = append(hours, openingHours{Day: h.Day, From1: h.From1, To1: h.To1})
	}
	return servicePoint{
		ExternalID: sp.ID, Name: sp.Name, OpeningHours: hours,
		VisitingAddress: addr, DeliveryAddress: addr, EligibleParcelOutlet: true,
		Coordinates: []coordinates{{Northing: sp.Lat, Easting: sp.Lon}},
	}
}

// findPickupDates is POST /parcels/v1/addresses/find/single/dates.
func findPickupDates(s *Server, c *call) (result, *apierror.Error) {
	req, aerr := addressRequest(c)
	if aerr != nil {
		return result{}, aerr
	}
	if req.FreightProductID.V != fpC2CPickup {
		return result{}, apierror.Newf(http.StatusBadRequest, KeyInvalidFreightProduct,
			"pickup dates exist for freight product %d (C2C doorstep pickup) only", fpC2CPickup).
			WithField("freightProductId", "must be 26")
	}
	pc, aerr := s.postalCode(req.CountryCode, req.ZipCode, -1)
	if aerr != nil {
		return result{}, aerr
	}
	if _, aerr := weighable([]int{fpC2CPickup}, req.Weight); aerr != nil {
		return result{}, aerr
	}
	if !s.covers(pc, fpC2CPickup) {
		return result{}, noCarrierSupport("no doorstep pickup at this postal code").
			WithField("zipCode", "no doorstep pickup here")
	}
	limit := defaultDatesLimit
	if q := c.r.URL.Query().Get("limit"); q != "" {
		limit, _ = strconv.Atoi(q) // the spec has checked 1..30
	}
	dates, err := calendar.PickupDates(calendar.DateOf(c.now.In(s.oslo)), limit)
	if err != nil {
		return result{}, apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest, "limit must be 1-30").
			WithField("limit", "must be between 1 and 30")
	}
	resp := datesResp{Dates: make([]string, len(dates))}
	for i, d := range dates {
		resp.Dates[i] = d.String()
	}
	return ok(resp), nil
}

// defaultDatesLimit is the dates operation's default look-ahead in days.
// A booking accepts any date it can answer with a larger limit too, up to
// calendar.MaxPickupLimit (calendar.Offered).
const defaultDatesLimit = 14
