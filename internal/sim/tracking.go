package sim

import (
	"net/http"
	"strings"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// eventTimeLayout is how tracking writes times, in Norwegian local time.
const eventTimeLayout = "2006-01-02 15:04:05"

// fetchTracking is GET /parcels/v1/tracking/fetch/{identifier}/{locale}/{onlyLastEvent}.
func fetchTracking(s *Server, c *call) (result, *apierror.Error) {
	id := c.route.PathParams["identifier"]
	english := !isNorwegian(c.route.PathParams["locale"])
	onlyLast := c.route.PathParams["onlyLastEvent"] == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.find(c.client.ID, id)
	if o == nil {
		return result{}, apierror.New(http.StatusNotFound, apierror.KeyCannotFindOrder,
			"no order with that shipmentId, trackingReference or returnCode")
	}
	chain := s.st.journey(o)
	out := make([]trackedShipment, 0, len(chain))
	for _, o := range chain {
		out = append(out, s.trackedLocked(o, chain, s.nowLocked(c), english, onlyLast))
	}
	return ok(out), nil
}

func isNorwegian(locale string) bool {
	switch strings.ToUpper(locale) {
	case "NO", "NB", "NN":
		return true
	}
	return false
}

// trackedLocked renders one order of a journey as tracking shows it.
func (s *Server) trackedLocked(o *order, chain []*order, now time.Time, english, onlyLast bool) trackedShipment {
	ts := trackedShipment{
		ShipmentNumber: strings.TrimPrefix(o.ShipmentID, ids.ShipmentPrefix), ShopID: o.ShopID,
	}
	events := o.visible(now)
	if onlyLast && len(events) > 1 {
		events = events[len(events)-1:]
	}
	rendered := make([]trackedEvent, 0, len(events))
	for _, e := range events {
		info := eventInfo[e.Kind()]
		te := trackedEvent{
			EventTime:  e.At().In(s.oslo).Format(eventTimeLayout),
			EventType:  eventType{APIKey: info.apiKey, Description: info.no},
			EventGroup: eventGroup{ID: info.group},
		}
		if english {
			te.EventType.Description = info.en
		}
		rendered = append(rendered, te)
	}
	for i, it := range o.Items {
		ti := trackedItem{
			TrackingNumber: it.SSCC(), FreightProductID: int(o.FP), ParcelStatus: o.status(now),
			LinkedParcelNumbers: []string{}, Events: rendered,
		}
		if it.rc != 0 {
			ti.ReturnCode = ptr(it.ReturnCode())
		}
		for _, other := range chain {
			if other != o && i < len(other.Items) {
				ti.LinkedParcelNumbers = append(ti.LinkedParcelNumbers, other.Items[i].SSCC())
			}
		}
		ts.Items = append(ts.Items, ti)
	}
	return ts
}
