package sim

import (
	"net/http"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// Drop-off errorKeys (public interface).
const (
	KeyAlreadyPickedUp = errorkey.ParcelAlreadyPickedUp
	KeyAlreadyDropped  = errorkey.ParcelAlreadyDroppedOff
	KeyOrderCancelled  = errorkey.OrderCancelled
	KeyDropoffNotC2C   = errorkey.DropoffNotApplicable
)

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
	now := s.st.clock.now()
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
		rec := &record{Type: recDropoff, At: now, OrderID: o.OrderID, ServicePointID: sp.ID, Events: dropoffEvents(now, sp.ID, s.oslo)}
		if aerr := s.commitLocked(rec); aerr != nil {
			return result{}, aerr
		}
		return ok(dropoffResp{Kind: "dropoff", Order: s.st.summary(o, now)}), nil
	}
	if aerr := s.checkCapLocked(); aerr != nil {
		return result{}, aerr
	}
	rec, aerr := s.conversionLocked(o, sp, now)
	if aerr != nil {
		return result{}, aerr
	}
	if aerr := s.commitLocked(rec); aerr != nil {
		return result{}, aerr
	}
	cancelled := s.st.summary(o, now)
	return ok(dropoffResp{Kind: "conversion", CancelledOrder: &cancelled, Order: s.st.summary(s.st.successor(o), now)}), nil
}

// conversionLocked builds the record of a PUDO conversion (guide §5): the
// pickup order o is cancelled at now and a return-from-service-point order
// (freight product 92) continues it, with new ids, the same returnCodes,
// linked both ways.
func (s *Server) conversionLocked(o *order, sp fixture.ServicePoint, now time.Time) (*record, *apierror.Error) {
	g := s.st.gen
	n := &order{
		ClientID: o.ClientID, ShopID: o.ShopID, TS: tsC2CSmall, FP: fpC2CSmall,
		ServicePointID: sp.ID, booked: newStamp(now, 0), ReplacesID: o.OrderID,
	}
	num, err := g.shipmentNumber(s.st.taken)
	if err != nil {
		return nil, idSpaceError(err)
	}
	n.ShipmentID = ids.ShipmentPrefix + num
	n.OrderID = g.orderID()
	n.Items = make([]orderItem, len(o.Items))
	for i, it := range o.Items {
		sscc, err := g.sscc(s.st.taken)
		if err != nil {
			return nil, idSpaceError(err)
		}
		if n.Items[i], err = newOrderItem(sscc, ""); err != nil { // canonical: never
			return nil, apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the order's ids could not be stored")
		}
		n.Items[i].rc = it.rc // the returnCode carries over
	}
	n.Events = append([]event{newEvent(now, evBooked, "")}, dropoffEvents(now, sp.ID, s.oslo)...)
	return &record{Type: recConvert, At: now, OrderID: o.OrderID, ServicePointID: sp.ID, Order: n, Gen: &g}, nil
}
