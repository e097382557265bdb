package sim

import (
	"net/http"
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

// postalCode looks up a Norwegian postal code: an unknown code is 400
// invalid.zipCode, a foreign country no.carrier.support.
func (s *Server) postalCode(country, zip, field string) (fixture.PostalCode, *apierror.Error) {
	if !strings.EqualFold(strings.TrimSpace(country), "NO") {
		return fixture.PostalCode{}, noCarrierSupport("Helthjem delivers in Norway only (countryCode NO)")
	}
	pc, ok := s.fx.PostalCode(strings.TrimSpace(zip))
	if !ok {
		return fixture.PostalCode{}, apierror.New(http.StatusBadRequest, KeyInvalidZipCode,
			"unknown Norwegian postal code").WithField(field, "unknown Norwegian postal code")
	}
	return pc, nil
}

// KeyInvalidZipCode is the errorKey for a postal code that does not exist
// (as opposed to one that exists and is not covered: no.carrier.support).
const KeyInvalidZipCode = errorkey.InvalidZipCode

// pointsNear returns the service points nearby answers for one freight
// product: the 3 nearest if one is within nearbyKM, else only the nearest,
// and none beyond reachKM.
func (s *Server) pointsNear(pc fixture.PostalCode, carrier string) []fixture.Ranked {
	near := s.fx.Nearest(pc.Lat, pc.Lon, carrier, 3)
	if len(near) == 0 || near[0].DistanceKM > reachKM {
		return nil
	}
	if near[0].DistanceKM > nearbyKM {
		return near[:1]
	}
	return near
}

// addressRequest decodes the body of find/single, nearby or dates and
// checks the token grants its shop.
func addressRequest(c *call) (addressReq, *apierror.Error) {
	var req addressReq
	if aerr := decode(c.body, &req); aerr != nil {
		return req, aerr
	}
	return req, checkShop(c.client, req.ShopID.V)
}

// findSingleAddress is POST /parcels/v1/addresses/find/single.
func findSingleAddress(s *Server, c *call) (result, *apierror.Error) {
	req, aerr := addressRequest(c)
	if aerr != nil {
		return result{}, aerr
	}
	ts := req.TransportSolutionID.V
	pc, aerr := s.postalCode(req.CountryCode, req.ZipCode, "zipCode")
	if aerr != nil {
		return result{}, aerr
	}
	product := ""
	switch ts {
	case tsC2CPickup:
		if pc.Pickup {
			product = "HELTHJEM_MEGTILDEG"
		}
	case tsHomeOnly:
		if pc.Home {
			product = "HELTHJEM"
		}
	case tsHomeOrPoint, tsHentepakke, tsPointsOnly:
		switch {
		case ts == tsHomeOrPoint && pc.Home:
			product = "HELTHJEM"
		case len(s.pointsNear(pc, "helthjem")) > 0:
			product = "HELTHJEM_SHOP"
		case ts != tsPointsOnly && len(s.pointsNear(pc, "postnord")) > 0:
			product = "POSTNORD_MYPACK"
		}
	default:
		return result{}, noCarrierSupport("transport solution %d is not simulated by find/single (use 1, 2, 23, 62 or 86)", ts).
			WithField("transportSolutionId", "not simulated here")
	}
	if product == "" {
		return result{}, noCarrierSupport("transport solution %d is not offered at postal code %s", ts, pc.Code)
	}
	return ok(addressCheckResp{ProductName: product, HandoverCity: strings.ToUpper(pc.Name)}), nil
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
		return result{}, noCarrierSupport("transport solution %d has no service points (use 1, 62, 86, 113 or 115)", ts).
			WithField("transportSolutionId", "has no service points")
	}
	pc, aerr := s.postalCode(req.CountryCode, req.ZipCode, "zipCode")
	if aerr != nil {
		return result{}, aerr
	}
	resp := nearbyResp{FreightProducts: []freightProduct{}}
	for _, fp := range fps {
		p := products[fp]
		near := s.pointsNear(pc, p.carrier)
		if len(near) == 0 {
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
		return result{}, noCarrierSupport("no service point within %.0f km of postal code %s", reachKM, pc.Code)
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
	pc, aerr := s.postalCode(req.CountryCode, req.ZipCode, "zipCode")
	if aerr != nil {
		return result{}, aerr
	}
	if !pc.Pickup {
		return result{}, noCarrierSupport("no doorstep pickup at postal code %s", pc.Code)
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
const defaultDatesLimit = 14

// KeyInvalidFreightProduct: dates asked for a freight product other than 26.
const KeyInvalidFreightProduct = errorkey.InvalidFreightProductID
