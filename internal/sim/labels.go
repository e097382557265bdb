package sim

import (
	"math"
	"net/http"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
	"github.com/mockhelthjem/mockhelthjem/internal/label"
)

// Label errorKeys. They are public interface: users' tests match on them.
// invalid.labelType is given by the spec (x-error-key on labelType).
const (
	KeyInvalidLabelType   = errorkey.InvalidLabelType
	KeyNotAcceptable      = errorkey.NotAcceptable
	KeyLabelNotApplicable = errorkey.LabelNotApplicable
)

// labelless lists the transport solutions whose parcels carry no label:
// the sender writes the returnCode on the parcel (C2C guide). The order a
// PUDO conversion creates is booked as TS 113.
var labelless = map[int]bool{tsC2CPickup: true, tsC2CSmall: true, tsC2CLarge: true}

// fetchLabel is GET /parcels/v1/labels/{identifier}/{labelType}. The spec
// has checked labelType. A trackingReference gives that item's label, a
// shipmentId every item's. The labels are rendered from the booking's
// answer on each request and never stored.
func fetchLabel(s *Server, c *call) (result, *apierror.Error) {
	f, err := label.Negotiate(c.r.Header.Values("Accept")...)
	if err != nil {
		return result{}, apierror.New(http.StatusNotAcceptable, KeyNotAcceptable,
			"a label is available as application/pdf, image/png, image/svg+xml or application/zpl: accept one of them (no Accept header gives application/pdf)")
	}
	labels, aerr := s.labels(c)
	if aerr != nil {
		return result{}, aerr
	}
	b, err := label.Render(f, labels, label.Options{})
	if err != nil {
		// The booking was checked when it was stored; a label that cannot
		// be drawn is the mock's bug.
		return result{}, apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the label could not be rendered")
	}
	return result{status: http.StatusOK, raw: b, contentType: f.MediaType()}, nil
}

// labels finds the client's parcel and describes its labels: the item's
// when the identifier is one of its trackingReferences, else one per item.
func (s *Server) labels(c *call) ([]label.Label, *apierror.Error) {
	id := c.route.PathParams["identifier"]
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.find(c.client.ID, id)
	if o == nil {
		return nil, apierror.New(http.StatusNotFound, apierror.KeyCannotFindOrder,
			"no order with that shipmentId or trackingReference")
	}
	if !c.client.HasShop(o.ShopID) {
		return nil, apierror.New(http.StatusForbidden, apierror.KeyNoAccessShop,
			"the token does not grant access to the shop this parcel was booked for")
	}
	if labelless[int(o.TS)] {
		msg := "C2C parcels (transport solutions 23, 113 and 115) are labelless: show the sender the item's returnCode from the booking answer to write on the parcel"
		if len(o.Items) > 0 && o.Items[0].rc == 0 {
			msg = "C2C parcels (transport solutions 23, 113 and 115) are labelless: the sender writes the item's returnCode on the parcel; this home pickup was booked without desiredDeliveryDate and has no returnCode, so book it with a pickup date"
		}
		return nil, apierror.New(http.StatusBadRequest, KeyLabelNotApplicable, msg)
	}
	all := s.labelsLocked(o)
	if k, v := ids.Parse(id); k == ids.KindSSCC {
		for i, it := range o.Items {
			if it.SSCC() == v {
				return all[i : i+1], nil
			}
		}
	}
	return all, nil
}

// labelsLocked describes the label of each of o's items from the booking's
// answer as the booking rendered it: its parties, items and routing block.
func (s *Server) labelsLocked(o *order) []label.Label {
	resp := s.answer(o)
	base := label.Label{
		ServiceName:        str(resp.Properties.ProductName),
		FreightProductID:   resp.FreightProductID,
		FreightProductName: str(resp.Properties.FreightProductName),
		Routing:            resp.Properties.routing(),
		ShipmentID:         resp.ShipmentID,
		OrderID:            resp.OrderID,
		BookedAt:           o.booked.time().In(s.oslo),
		ItemCount:          len(resp.Items),
	}
	for _, p := range resp.Parties {
		switch p.Type {
		case "consignor":
			base.Sender = labelParty(p)
		case "consignee":
			base.Receiver = labelParty(p)
		case servicePointPartyType:
			base.ServicePoint = labelParty(p)
		}
	}
	out := make([]label.Label, len(resp.Items))
	for i, it := range resp.Items {
		l := base
		l.ItemNumber = i + 1
		l.SSCC = it.TrackingReference
		l.WeightGrams = grams(it.Weight)
		out[i] = l
	}
	return out
}

// labelParty is a party of the booking's answer as a label prints it.
func labelParty(p partyOut) label.Party {
	return label.Party{
		Name: str(p.Name), CoAddress: str(p.Coaddress), Address: str(p.Address),
		PostalCode: str(p.ZipCode), Place: str(p.PostalName), CountryCode: str(p.CountryCode),
	}
}

// grams is an item's weight as the label prints it; 0 when the booking
// gave none, or one no parcel has.
func grams(w flexNum) int {
	if !w.Set || w.V < 0 || w.V > math.MaxInt32 {
		return 0
	}
	return int(math.Round(w.V))
}

// routing is the routing block of a booking answer's properties, as
// label.RoutingFromProperties reads it from the answer's JSON.
func (p *bookingProps) routing() label.Routing {
	return label.Routing{
		Routing: str(p.Routing), RoutingDetailed: str(p.RoutingDetailed), MainCarNumber: str(p.MainCarNumber),
		DeliveryPointCarID: str(p.DeliveryPointCarID), TransportNetID: str(p.TransportNetID), RouteAddress: str(p.RouteAddress),
	}
}
