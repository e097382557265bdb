package sim

import (
	"net/http"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/label"
)

// getUILabel is GET /__sim/ui/label?order=orderId: the order's labels as
// the PNG that GET /parcels/v1/labels/{shipmentId}/unified-large answers its
// client with Accept: image/png, drawn by the same code (labelsLocked,
// label.Render), for the dashboard's preview. It shows any client's order.
func getUILabel(s *Server, c *call) (result, *apierror.Error) {
	if !s.uiAllowed(c.r) {
		return see(uiLoginPath, nil), nil
	}
	id, _ := parseOrderID(c.r.URL.Query().Get("order")) // the spec has checked it
	s.mu.Lock()
	o := s.st.byOrderID(id)
	var labels []label.Label
	switch {
	case o == nil:
	case labelless[int(o.TS)]:
		s.mu.Unlock()
		return result{}, apierror.New(http.StatusBadRequest, errorkey.LabelNotApplicable,
			"C2C parcels (transport solutions 23, 113 and 115) are labelless: the sender writes the returnCode on the parcel")
	default:
		labels = s.labelsLocked(o)
	}
	s.mu.Unlock()
	if labels == nil {
		return result{}, apierror.New(http.StatusNotFound, errorkey.CannotFindOrder, "no order with that orderId")
	}
	b, err := label.Render(label.PNG, labels, label.Options{})
	if err != nil {
		return result{}, apierror.New(http.StatusInternalServerError, errorkey.InternalError, "the label could not be rendered")
	}
	return result{status: http.StatusOK, raw: b, contentType: label.PNG.MediaType(), header: http.Header{"Cache-Control": {"no-store"}}}, nil
}

// labelPreview picks the order whose label the dashboard shows: the
// selected one when it has a label, else the newest order that has.
func (s *Server) labelPreview(selected int64) (orderID int64, ts int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.st.byOrderID(selected); o != nil && !labelless[int(o.TS)] {
		return o.OrderID, int(o.TS), true
	}
	for i := len(s.st.orders) - 1; i >= 0; i-- {
		if o := s.st.orders[i]; !labelless[int(o.TS)] {
			return o.OrderID, int(o.TS), true
		}
	}
	return 0, 0, false
}
