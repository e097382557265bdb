package sim

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

// Clock errorKeys (public interface).
const (
	KeyClockBackwards = errorkey.ClockBackwards
	KeyClockRequest   = errorkey.ClockInvalid
)

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

func (c *clock) resp() clockResp {
	return clockResp{Now: c.now(), Start: c.start, Frozen: c.frozen}
}

// getClock reads the clock without Server.mu (shownClock): it never waits
// for a change's fsync.
func getClock(s *Server, c *call) (result, *apierror.Error) {
	return ok(s.st.shownClock().resp()), nil
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
		reason := "give set or advance"
		if req.Set != nil {
			reason = "give set or advance, not both"
		}
		return result{}, apierror.New(http.StatusBadRequest, KeyClockRequest, `send exactly one of "set" (RFC 3339) or "advance" (e.g. "26h" or "2d3h")`).
			WithField("set", reason).WithField("advance", reason)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	moved := s.st.clock // moved on a copy; apply installs it
	var err error
	field := "set"
	if req.Set != nil {
		t, perr := time.Parse(time.RFC3339, *req.Set)
		if perr != nil {
			return result{}, apierror.New(http.StatusBadRequest, KeyClockRequest, "set must be an RFC 3339 time").WithField("set", "must be RFC 3339")
		}
		err = moved.set(t)
	} else {
		field = "advance"
		d, perr := parseAdvance(*req.Advance)
		if perr != nil {
			err = perr
		} else {
			err = moved.advance(d)
		}
	}
	if aerr := clockError(field, err); aerr != nil {
		return result{}, aerr
	}
	if aerr := s.commitLocked(&record{Type: recClock, At: s.nowLocked(c), Clock: moved.rec()}); aerr != nil {
		return result{}, aerr
	}
	return ok(s.st.clock.resp()), nil
}

// clockError answers a refused set or advance of the named field, without
// repeating the value sent: each refusal has its own reason.
func clockError(field string, err error) *apierror.Error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errBackwards):
		return apierror.New(http.StatusBadRequest, KeyClockBackwards, err.Error()).
			WithField(field, "is before the simulated now")
	case errors.Is(err, errClockRange):
		return apierror.New(http.StatusBadRequest, KeyClockRequest, err.Error()).
			WithField(field, "moves the clock more than 100 years from its start")
	}
	return apierror.New(http.StatusBadRequest, KeyClockRequest, err.Error()).
		WithField(field, `must be a duration such as "26h", "90m", "1d" or "2d3h"`)
}

// parseAdvance reads an advance: whole days ("1d"), a Go duration ("26h",
// "90m", "1h30m") or days and then a duration ("2d3h").
func parseAdvance(text string) (time.Duration, error) {
	bad := errors.New(`advance must be a duration such as "26h", "90m", "1d" or "2d3h": whole days (d), then hours (h), minutes (m) or seconds (s)`)
	days, rest := 0, text
	if i := strings.IndexByte(text, 'd'); i >= 0 {
		n, err := strconv.Atoi(text[:i])
		if err != nil || n < 0 || text[:i] == "" || text[0] == '+' {
			return 0, bad
		}
		if n > int(maxOffset/(24*time.Hour)) {
			return 0, errClockRange
		}
		days, rest = n, text[i+1:]
	}
	var d time.Duration
	if rest != "" || days == 0 {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
			return 0, bad
		}
	}
	if d > maxOffset {
		return 0, errClockRange
	}
	return time.Duration(days)*24*time.Hour + d, nil
}

type resetResp struct {
	RemovedOrders int `json:"removedOrders"`
}

// resetState is POST /__sim/reset: every order, the clock and the
// generators back to their start, or only ?clientId='s orders.
func resetState(s *Server, c *call) (result, *apierror.Error) {
	client := c.r.URL.Query().Get("clientId") // its only value, validated (validate refuses it twice)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.st.count(client)
	rec := &record{Type: recReset, At: s.nowLocked(c), Client: client}
	if client == "" {
		restarted := s.st.clock
		restarted.reset()
		g := newGen(s.seed)
		rec.Clock, rec.Gen = restarted.rec(), &g
	}
	if aerr := s.commitLocked(rec); aerr != nil {
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
func (st *state) summary(o *order, now time.Time) orderSummary {
	sum := orderSummary{
		ClientID: o.ClientID, ShopID: o.ShopID, OrderID: o.OrderID, ShipmentID: o.ShipmentID,
		TransportSolutionID: int(o.TS), FreightProductID: int(o.FP), Status: o.status(now), BookedAt: o.BookedAt(),
		Items: make([]itemSummary, 0, len(o.Items)),
	}
	if d, ok := o.pickupDate(); ok {
		sum.PickupDate = ptr(d.String())
	}
	if o.ServicePointID != "" {
		sum.ServicePointID = ptr(o.ServicePointID)
	}
	if n := st.successor(o); n != nil {
		sum.ReplacedByOrderID = ptr(n.OrderID)
	}
	if o.ReplacesID != 0 {
		sum.ReplacesOrderID = ptr(o.ReplacesID)
	}
	for _, it := range o.Items {
		is := itemSummary{TrackingReference: ids.TrackingPrefix + it.SSCC()}
		if it.rc != 0 {
			is.ReturnCode = ptr(it.ReturnCode())
		}
		sum.Items = append(sum.Items, is)
	}
	return sum
}

func getState(s *Server, c *call) (result, *apierror.Error) {
	client := c.r.URL.Query().Get("clientId") // its only value, validated
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.st.clock.now()
	resp := stateResp{Now: now, Orders: []orderSummary{}}
	for _, o := range s.st.orders {
		if client == "" || o.ClientID == client {
			resp.Orders = append(resp.Orders, s.st.summary(o, now))
		}
	}
	return ok(resp), nil
}
