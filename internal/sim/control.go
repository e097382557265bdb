package sim

import (
	"errors"
	"net/http"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

// Control-plane errorKeys (public interface).
const (
	KeyClockBackwards  = "clock.backwards"
	KeyClockRequest    = "clock.invalid"
	KeyAlreadyPickedUp = "parcel.already.picked.up"
	KeyAlreadyDropped  = "parcel.already.dropped.off"
	KeyOrderCancelled  = "order.cancelled"
	KeyDropoffNotC2C   = "dropoff.not.applicable"
)

// handlers maps every operationId of both specs to its handler.
func handlers() map[string]handler {
	return map[string]handler{
		"getToken":                getToken,
		"findSingleAddress":       findSingleAddress,
		"findNearbyServicePoints": findNearbyServicePoints,
		"findPickupDates":         findPickupDates,
		"createBooking":           createBooking,
		"fetchTracking":           fetchTracking,

		"healthz":       healthz,
		"readyz":        readyz,
		"getOpenAPI":    getOpenAPI,
		"getSimOpenAPI": getSimOpenAPI,
		"getClock":      getClock,
		"setClock":      setClock,
		"resetState":    resetState,
		"getState":      getState,
		"createDropoff": createDropoff,
		"listFaults":    listFaults,
		"createFault":   createFault,
		"clearFaults":   clearFaults,
		"listRequests":  listRequests,
	}
}

type health struct {
	Status string `json:"status"`
}

func healthz(s *Server, c *call) (result, *apierror.Error) { return ok(health{"ok"}), nil }

func readyz(s *Server, c *call) (result, *apierror.Error) {
	if s.stopping.Load() {
		return result{status: http.StatusServiceUnavailable, body: health{"stopping"}}, nil
	}
	return ok(health{"ok"}), nil
}

func getOpenAPI(s *Server, c *call) (result, *apierror.Error) {
	return result{status: http.StatusOK, raw: spec.Helthjem, contentType: "application/yaml"}, nil
}

func getSimOpenAPI(s *Server, c *call) (result, *apierror.Error) {
	return result{status: http.StatusOK, raw: spec.Sim, contentType: "application/yaml"}, nil
}

type clockResp struct {
	Now    time.Time `json:"now"`
	Start  time.Time `json:"start"`
	Frozen bool      `json:"frozen"`
}

func (s *Server) clockRespLocked() clockResp {
	return clockResp{Now: s.clock.now(), Start: s.clock.start, Frozen: s.clock.frozen}
}

func getClock(s *Server, c *call) (result, *apierror.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok(s.clockRespLocked()), nil
}

type clockReq struct {
	Set     *string `json:"set"`
	Advance *string `json:"advance"`
}

func setClock(s *Server, c *call) (result, *apierror.Error) {
	var req clockReq
	if aerr := decode(c.body, &req); aerr != nil {
		return result{}, aerr
	}
	if (req.Set == nil) == (req.Advance == nil) {
		return result{}, apierror.New(http.StatusBadRequest, KeyClockRequest, `send exactly one of "set" (RFC 3339) or "advance" (e.g. "26h")`)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.clock.offset
	var err error
	if req.Set != nil {
		t, perr := time.Parse(time.RFC3339, *req.Set)
		if perr != nil {
			return result{}, apierror.New(http.StatusBadRequest, KeyClockRequest, "set must be an RFC 3339 time").WithField("set", "must be RFC 3339")
		}
		err = s.clock.set(t)
	} else {
		d, perr := time.ParseDuration(*req.Advance)
		if perr != nil {
			return result{}, apierror.New(http.StatusBadRequest, KeyClockRequest, `advance must be a duration such as "26h" or "90m"`).WithField("advance", "must be a duration")
		}
		err = s.clock.advance(d)
	}
	switch {
	case errors.Is(err, errBackwards):
		return result{}, apierror.New(http.StatusBadRequest, KeyClockBackwards, err.Error())
	case err != nil:
		return result{}, apierror.New(http.StatusBadRequest, KeyClockRequest, err.Error())
	}
	if aerr := s.persistLocked(record{Type: "clock", Clock: s.clockRecLocked()}); aerr != nil {
		s.clock.offset = prev
		return result{}, aerr
	}
	return ok(s.clockRespLocked()), nil
}

type resetResp struct {
	RemovedOrders int `json:"removedOrders"`
}

func resetState(s *Server, c *call) (result, *apierror.Error) {
	client := c.r.URL.Query().Get("clientId")
	s.mu.Lock()
	defer s.mu.Unlock()
	if client != "" {
		if aerr := s.persistLocked(record{Type: "reset", Client: client}); aerr != nil {
			return result{}, aerr
		}
		return ok(resetResp{RemovedOrders: s.st.removeClient(client)}), nil
	}
	n := len(s.st.orders)
	oldSt, oldClock, oldGen := s.st, s.clock, s.genLocked()
	s.resetLocked()
	g := s.genLocked()
	if aerr := s.persistLocked(record{Type: "reset", Gen: &g, Clock: s.clockRecLocked()}); aerr != nil {
		s.st, s.clock = oldSt, oldClock
		_ = s.setGenLocked(oldGen)
		return result{}, aerr
	}
	return ok(resetResp{RemovedOrders: n}), nil
}

type stateResp struct {
	Now    time.Time      `json:"now"`
	Orders []orderSummary `json:"orders"`
}

type orderSummary struct {
	ClientID            string        `json:"clientId"`
	ShopID              int64         `json:"shopId"`
	OrderID             int64         `json:"orderId"`
	ShipmentID          string        `json:"shipmentId"`
	TransportSolutionID int           `json:"transportSolutionId"`
	FreightProductID    int           `json:"freightProductId"`
	Status              string        `json:"status"`
	BookedAt            time.Time     `json:"bookedAt"`
	PickupDate          *string       `json:"pickupDate"`
	ServicePointID      *string       `json:"servicePointId"`
	ReplacedByOrderID   *int64        `json:"replacedByOrderId"`
	ReplacesOrderID     *int64        `json:"replacesOrderId"`
	Items               []itemSummary `json:"items"`
}

type itemSummary struct {
	TrackingReference string  `json:"trackingReference"`
	ReturnCode        *string `json:"returnCode"`
}

// summary describes an order without personal data.
func (o *order) summary(now time.Time) orderSummary {
	sum := orderSummary{
		ClientID: o.ClientID, ShopID: o.ShopID, OrderID: o.OrderID, ShipmentID: o.ShipmentID,
		TransportSolutionID: o.TS, FreightProductID: o.FP, Status: o.status(now), BookedAt: o.BookedAt,
		Items: make([]itemSummary, 0, len(o.Items)),
	}
	if d := o.pickupDate(); d != nil {
		sum.PickupDate = ptr(d.String())
	}
	if o.ServicePointID != "" {
		sum.ServicePointID = ptr(o.ServicePointID)
	}
	if o.ReplacedBy != nil {
		sum.ReplacedByOrderID = ptr(o.ReplacedBy.OrderID)
	}
	if o.Replaces != nil {
		sum.ReplacesOrderID = ptr(o.Replaces.OrderID)
	}
	for _, it := range o.Items {
		is := itemSummary{TrackingReference: ids.TrackingPrefix + it.SSCC}
		if it.ReturnCode != "" {
			is.ReturnCode = ptr(it.ReturnCode)
		}
		sum.Items = append(sum.Items, is)
	}
	return sum
}

func getState(s *Server, c *call) (result, *apierror.Error) {
	client := c.r.URL.Query().Get("clientId")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.now()
	resp := stateResp{Now: now, Orders: []orderSummary{}}
	for _, o := range s.st.orders {
		if client == "" || o.ClientID == client {
			resp.Orders = append(resp.Orders, o.summary(now))
		}
	}
	return ok(resp), nil
}

type dropoffReq struct {
	Code           string `json:"code"`
	ServicePointID string `json:"servicePointId"`
}

type dropoffResp struct {
	Kind           string        `json:"kind"`
	CancelledOrder *orderSummary `json:"cancelledOrder"`
	Order          orderSummary  `json:"order"`
}

// createDropoff is POST /__sim/dropoffs: a service point scans a parcel.
func createDropoff(s *Server, c *call) (result, *apierror.Error) {
	var req dropoffReq
	if aerr := decode(c.body, &req); aerr != nil {
		return result{}, aerr
	}
	sp, found := s.fx.ServicePoint(req.ServicePointID)
	if !found || sp.Carrier != "helthjem" {
		return result{}, apierror.New(http.StatusBadRequest, KeyUnknownServicePt, "no Helthjem service point with that id").
			WithField("servicePointId", "unknown service point")
	}
	key, isCode := codeKey(req.Code)
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *order
	if isCode {
		o = s.st.byCode[key]
	}
	if o == nil {
		return result{}, apierror.New(http.StatusNotFound, apierror.KeyCannotFindOrder, "no parcel with that returnCode or trackingReference")
	}
	now := s.clock.now()
	switch status := o.status(now); {
	case o.TS != tsC2CPickup && o.TS != tsC2CSmall && o.TS != tsC2CLarge:
		return result{}, apierror.New(http.StatusConflict, KeyDropoffNotC2C, "only C2C parcels (transport solutions 23, 113, 115) are dropped off by senders")
	case status == eventInfo[evCancelled].status:
		return result{}, apierror.New(http.StatusConflict, KeyOrderCancelled, "the order is cancelled")
	case status == eventInfo[evDroppedOff].status || (o.TS != tsC2CPickup && status != eventInfo[evBooked].status):
		return result{}, apierror.New(http.StatusConflict, KeyAlreadyDropped, "the parcel has already been dropped off")
	case status != eventInfo[evBooked].status:
		return result{}, apierror.New(http.StatusConflict, KeyAlreadyPickedUp, "the parcel has already been picked up")
	}
	if o.TS != tsC2CPickup {
		events, point := o.Events, o.ServicePointID
		o.Events = append(o.Events[:len(o.Events):len(o.Events)], dropoffEvents(now, sp.ID, s.oslo)...)
		o.ServicePointID = sp.ID
		if aerr := s.persistLocked(record{Type: "put", Orders: []orderRec{o.rec()}}); aerr != nil {
			o.Events, o.ServicePointID = events, point
			return result{}, aerr
		}
		return ok(dropoffResp{Kind: "dropoff", Order: o.summary(now)}), nil
	}
	if aerr := s.checkCapLocked(); aerr != nil {
		return result{}, aerr
	}
	n, aerr := s.convertLocked(o, sp, now)
	if aerr != nil {
		return result{}, aerr
	}
	cancelled := o.summary(now)
	return ok(dropoffResp{Kind: "conversion", CancelledOrder: &cancelled, Order: n.summary(now)}), nil
}

// convertLocked is the PUDO conversion (guide §5): the pickup order is
// cancelled and a return-from-service-point order (freight product 92)
// continues it, with new ids, the same returnCode, linked both ways.
func (s *Server) convertLocked(o *order, sp fixture.ServicePoint, now time.Time) (*order, *apierror.Error) {
	before := s.genLocked()
	oldEvents := o.Events
	vis := o.visible(now)
	o.Events = append(vis[:len(vis):len(vis)], event{At: now, Kind: evCancelled, ServicePointID: sp.ID})
	n := &order{
		ClientID: o.ClientID, ShopID: o.ShopID, TS: tsC2CSmall, FP: fpC2CSmall,
		ServicePointID: sp.ID, BookedAt: now, Replaces: o,
	}
	n.ShipmentID = ids.ShipmentPrefix + s.shipmentNumberLocked()
	n.OrderID = s.orderIDLocked()
	for _, it := range o.Items {
		n.Items = append(n.Items, orderItem{SSCC: s.ssccLocked(), ReturnCode: it.ReturnCode})
	}
	n.Events = append([]event{{At: now, Kind: evBooked}}, dropoffEvents(now, sp.ID, s.oslo)...)
	o.ReplacedBy = n

	old := s.answerLocked(o)
	resp := old
	resp.ShipmentID, resp.FreightProductID, resp.OrderID = n.ShipmentID, n.FP, n.OrderID
	resp.Parties = append(append([]partyOut{}, old.Parties...), pointParty(sp))
	resp.Items = make([]itemOut, len(old.Items))
	for i, it := range old.Items {
		it.TrackingReference = ids.TrackingPrefix + n.Items[i].SSCC
		it.Properties.ShortItemIdentifier = ids.ShortItemIdentifier(n.Items[i].SSCC)
		it.LinkedParcelType = ptr(linkedReturnFromPUDO)
		it.LinkedTrackingReference = ptr(ids.TrackingPrefix + o.Items[i].SSCC)
		resp.Items[i] = it
	}
	resp.Properties = s.properties(n, &sp)
	n.Conv = &resp
	g := s.genLocked()
	if aerr := s.persistLocked(record{Type: "put", Orders: []orderRec{o.rec(), n.rec()}, Gen: &g}); aerr != nil {
		o.Events, o.ReplacedBy = oldEvents, nil
		_ = s.setGenLocked(before)
		return nil, aerr
	}
	s.st.add(n)
	return n, nil
}
