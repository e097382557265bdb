package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// Record types. docs/state-file.md describes each one.
const (
	recMeta    = "meta"    // the state file's first line: version, seed, signing key
	recOrder   = "order"   // a new order: a booking, or an order of a compacted file
	recDropoff = "dropoff" // a TS 113/115 parcel dropped off: events appended
	recConvert = "convert" // a PUDO conversion: the pickup order cancelled, its successor added
	recClock   = "clock"   // the clock set or advanced
	recReset   = "reset"   // every order forgotten (clock and generators restart), or one client's
)

// record is one change of the simulator's state and one line of the state
// file. A handler builds it from a validated request, with every generated
// value drawn and the generators' state after the draws; apply makes it
// happen, live and on replay alike.
type record struct {
	Type string    `json:"type"`
	At   time.Time `json:"at"` // simulated time of the change; convert cancels at At
	Meta *metaRec  `json:"meta,omitempty"`
	// Order is the order an order or convert record adds; apply stores
	// this very value.
	Order *order `json:"order,omitempty"`
	// OrderID is the stored order a dropoff or convert changes.
	OrderID        int64     `json:"orderId,omitempty"`
	ServicePointID string    `json:"servicePointId,omitempty"` // dropoff, convert
	Events         []event   `json:"events,omitempty"`         // dropoff: appended to the order's
	Clock          *clockRec `json:"clock,omitempty"`          // clock; a full reset's restarted clock
	Client         string    `json:"clientId,omitempty"`       // reset of one client
	Gen            *gen      `json:"gen,omitempty"`            // after the draws; a full reset's restarted generators
}

type metaRec struct {
	Version int    `json:"version"`
	JWTKey  string `json:"jwtKey,omitempty"` // a generated key, so tokens survive a restart
	Seed    uint64 `json:"seed"`
}

// stateVersion is the meta record's version: 2 since records became one
// per change (issue 10); a version-1 file is refused.
const stateVersion = 2

// orderHead is the part of an order's record written and read as is.
type orderHead struct {
	ClientID       string    `json:"clientId"`
	ShopID         int64     `json:"shopId"`
	OrderID        int64     `json:"orderId"`
	ShipmentID     string    `json:"shipmentId"` // as answered: "(401)…" or the client's own
	TS             int       `json:"ts"`
	FP             int       `json:"fp"`
	ServicePointID string    `json:"servicePointId,omitempty"` // the booked or drop-off point
	BookedAt       time.Time `json:"bookedAt"`
}

// orderRec is an order as a record carries it (order's MarshalJSON):
// everything but the links, of which it keeps the orderId of the order it
// continues.
type orderRec struct {
	orderHead
	Items  []orderItem `json:"items"`
	Events []event     `json:"events"`
	// What renders the booking's answer, kept instead of the answer itself
	// (a third of the memory): the normalised request (in memory in a
	// compact form, in the state file as JSON), its date and the service
	// point chosen at booking. A retry re-renders the same bytes.
	Req         storedReq `json:"req,omitempty"`
	Desired     civilDate `json:"desired,omitzero"`
	BookedPoint string    `json:"bookedPoint,omitempty"`
	// An order a PUDO conversion created has no request: its answer is
	// never rendered again (it has no shipmentId of the client's to retry
	// with, and no label). Files written before kept that answer here,
	// with both parties' personal data; replay ignores it.
	Conv       legacyConv `json:"conv,omitzero"`
	ReplacesID int64      `json:"replaces,omitempty"` // the orderId of the order it continues
}

// recordIn and orderIn are a record and its order as readRecord reads
// them: record and orderRec with every value in its plain wire form, so
// that one decoder refuses an unknown key at any depth in one pass over
// the line (a value that reads itself is scanned again, by a decoder of
// its own). Only the request reads itself (storedReq), as leniently as
// it always has.
type recordIn struct {
	Type           string     `json:"type"`
	At             time.Time  `json:"at"`
	Meta           *metaRec   `json:"meta"`
	Order          *orderIn   `json:"order"`
	OrderID        int64      `json:"orderId"`
	ServicePointID string     `json:"servicePointId"`
	Events         []eventRec `json:"events"`
	Clock          *clockRec  `json:"clock"`
	Client         string     `json:"clientId"`
	Gen            *genRec    `json:"gen"`
}

type orderIn struct {
	orderHead
	Items       []itemRec      `json:"items"`
	Events      []eventRec     `json:"events"`
	Req         storedReq      `json:"req"`
	Desired     *calendar.Date `json:"desired"`
	BookedPoint string         `json:"bookedPoint"`
	Conv        legacyConv     `json:"conv"`
	ReplacesID  int64          `json:"replaces"`
}

// readRecord reads a state file's line as openState does: unknown keys
// are refused, and so is a value the in-memory forms cannot hold.
func readRecord(raw []byte) (*record, error) {
	var in recordIn
	if err := decodeStrict(raw, &in); err != nil {
		return nil, err
	}
	r := &record{Type: in.Type, At: in.At, Meta: in.Meta, OrderID: in.OrderID, ServicePointID: in.ServicePointID,
		Clock: in.Clock, Client: in.Client}
	var err error
	if in.Order != nil {
		if r.Order, err = in.Order.order(); err != nil {
			return nil, err
		}
	}
	if r.Events, err = eventsOf(in.Events); err != nil {
		return nil, err
	}
	if in.Gen != nil {
		g, err := in.Gen.gen()
		if err != nil {
			return nil, err
		}
		r.Gen = &g
	}
	return r, nil
}

// order is the order r describes. A transport solution or freight
// product beyond an int16 is refused here, as checkOrder refuses other
// unknown ones.
func (r *orderIn) order() (*order, error) {
	if r.TS != int(int16(r.TS)) || r.FP != int(int16(r.FP)) {
		return nil, fmt.Errorf("order %d has unknown transport solution %d or freight product %d", r.OrderID, r.TS, r.FP)
	}
	desired, err := checkedDateOf(r.Desired)
	if err != nil {
		return nil, err
	}
	var items []orderItem
	if r.Items != nil {
		items = make([]orderItem, len(r.Items))
	}
	for i, it := range r.Items {
		if items[i], err = newOrderItem(it.SSCC, it.ReturnCode); err != nil {
			return nil, err
		}
	}
	events, err := eventsOf(r.Events)
	if err != nil {
		return nil, err
	}
	return &order{
		ClientID: r.ClientID, ShipmentID: r.ShipmentID, ServicePointID: r.ServicePointID, BookedPoint: r.BookedPoint,
		Req: r.Req, Items: items, Events: events, ShopID: r.ShopID, OrderID: r.OrderID, ReplacesID: r.ReplacesID,
		booked: newStamp(r.BookedAt, 0), TS: int16(r.TS), FP: int16(r.FP), Desired: desired,
	}, nil
}

// eventsOf is the events recs describe (nil for nil).
func eventsOf(recs []eventRec) ([]event, error) {
	if recs == nil {
		return nil, nil
	}
	evs := make([]event, len(recs))
	for i, r := range recs {
		var err error
		if evs[i], err = r.event(); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown keys:
// readRecord's decoder, and the UnmarshalJSON methods of the values an
// order holds (a decoder's setting does not reach them), which read
// themselves outside a record as readRecord reads them.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// legacyConv reads the "conv" key of an order that files before it kept
// (a conversion's whole booking answer) and forgets it: it is never
// written, holds nothing and costs no memory.
type legacyConv struct{}

// UnmarshalJSON discards the old answer.
func (*legacyConv) UnmarshalJSON([]byte) error { return nil }

// apply makes r happen. It is the one function that changes state: a
// handler calls it after appending r to the state file, a restart for
// every record of the file. It checks r first and changes nothing when r
// is impossible (an order without a client, a link to a missing order, an
// id already held, an unknown type): on replay that is corruption.
func (st *state) apply(r *record) error {
	target, err := st.check(r)
	if err != nil {
		return err
	}
	switch r.Type {
	case recOrder:
		st.addOrder(r.Order, target)
	case recDropoff:
		target.Events = append(target.Events[:len(target.Events):len(target.Events)], r.Events...)
		target.ServicePointID = r.ServicePointID
	case recConvert:
		vis := target.visible(r.At)
		target.Events = append(vis[:len(vis):len(vis)], newEvent(r.At, evCancelled, r.ServicePointID))
		st.addOrder(r.Order, target)
	case recClock:
		st.clock.restore(*r.Clock)
		st.publishClock()
	case recReset:
		if r.Client != "" {
			st.removeClient(r.Client)
		} else {
			st.removeAll()
			st.clock.restore(*r.Clock)
			st.publishClock()
		}
	}
	if r.Gen != nil {
		st.gen = *r.Gen
	}
	return nil
}

// check reports whether apply would accept r, changing nothing, and
// returns the stored order r changes or continues, if any.
func (st *state) check(r *record) (*order, error) {
	switch r.Type {
	case recOrder:
		if r.Order == nil {
			return nil, errors.New("order record without order")
		}
		var prev *order
		if r.Order.ReplacesID != 0 {
			if prev = st.byOrderID(r.Order.ReplacesID); prev == nil {
				return nil, fmt.Errorf("order %d continues order %d, which does not exist", r.Order.OrderID, r.Order.ReplacesID)
			}
		}
		return prev, st.checkOrder(r.Order, prev)
	case recDropoff:
		o := st.byOrderID(r.OrderID)
		if o == nil {
			return nil, fmt.Errorf("drop-off of order %d, which does not exist", r.OrderID)
		}
		if r.ServicePointID == "" || len(r.Events) == 0 {
			return nil, errors.New("drop-off without service point or events")
		}
		if err := checkEvents(r.Events); err != nil {
			return nil, err
		}
		if last := o.Events[len(o.Events)-1]; r.Events[0].At().Before(last.At()) {
			return nil, fmt.Errorf("drop-off of order %d before its last event", r.OrderID)
		}
		return o, nil
	case recConvert:
		o := st.byOrderID(r.OrderID)
		switch {
		case o == nil:
			return nil, fmt.Errorf("conversion of order %d, which does not exist", r.OrderID)
		case r.Order == nil || r.Order.ReplacesID != r.OrderID:
			return nil, fmt.Errorf("conversion of order %d without the order that continues it", r.OrderID)
		case r.At.IsZero() || r.ServicePointID == "":
			return nil, errors.New("conversion without time or service point")
		}
		return o, st.checkOrder(r.Order, o)
	case recClock:
		if r.Clock == nil {
			return nil, errors.New("clock record without clock")
		}
		return nil, nil
	case recReset:
		if r.Client == "" && (r.Clock == nil || r.Gen == nil) {
			return nil, errors.New("full reset without the restarted clock and generators")
		}
		return nil, nil
	case recMeta:
		return nil, errors.New("a meta record after the first line")
	default:
		return nil, fmt.Errorf("unknown record type %q", r.Type)
	}
}

// checkOrder checks a new order: it has a client and ids no order holds
// (except the returnCodes it takes over from prev, the order it
// continues), known products and events in time order.
func (st *state) checkOrder(r *order, prev *order) error {
	switch {
	case r.ClientID == "":
		return fmt.Errorf("order %d has no clientId", r.OrderID)
	case r.OrderID <= 0 || st.byOrderID(r.OrderID) != nil:
		return fmt.Errorf("orderId %d is not new", r.OrderID)
	case len(st.orders) > 0 && r.OrderID < st.orders[len(st.orders)-1].OrderID:
		// The generator's orderIds only grow; orders stays in orderId
		// order for byOrderID's search.
		return fmt.Errorf("orderId %d is below the last order's", r.OrderID)
	case shipmentKey(r.ShipmentID) == "" || st.byShipment[shipmentKey(r.ShipmentID)] != nil:
		// A booking refuses a shipmentId any order holds as any id; a
		// file written before that may hold one equal to another order's
		// code (find tells them apart by client), and still replays.
		return fmt.Errorf("order %d: its shipmentId is empty or already held", r.OrderID)
	case len(r.Items) == 0 || len(r.Items) > maxBookingItems:
		return fmt.Errorf("order %d has %d items", r.OrderID, len(r.Items))
	case r.Req == "" && r.ReplacesID == 0:
		return fmt.Errorf("order %d has neither its request nor an order it continues", r.OrderID)
	case !bookable[int64(r.TS)]:
		return fmt.Errorf("order %d has unknown transport solution %d", r.OrderID, r.TS)
	}
	if _, ok := products[int(r.FP)]; !ok {
		return fmt.Errorf("order %d has unknown freight product %d", r.OrderID, r.FP)
	}
	if prev != nil {
		if prev.ClientID != r.ClientID || st.successor(prev) != nil {
			return fmt.Errorf("order %d cannot continue order %d", r.OrderID, prev.OrderID)
		}
	}
	// Items hold canonical codes (orderItem); a code equals the
	// shipmentId's key exactly when its string does.
	ship, shipIsCode := codeOf(shipmentKey(r.ShipmentID))
	for i, it := range r.Items {
		if shipIsCode && (it.sscc == ship || (it.rc != 0 && it.rc == ship)) {
			return fmt.Errorf("order %d item %d: an id equals the order's shipmentId", r.OrderID, i)
		}
		// Generated and client-supplied SSCCs alike have a valid check
		// digit, so a changed digit is caught here too.
		if it.sscc.isReturnCode() || !ids.ValidGS1(it.SSCC()) || st.taken(it.SSCC()) {
			return fmt.Errorf("order %d item %d: the SSCC is malformed or already held", r.OrderID, i)
		}
		if it.rc != 0 {
			// A conversion's order takes over the returnCodes of the order
			// it continues, item by item.
			inherited := prev != nil && i < len(prev.Items) && prev.Items[i].rc == it.rc && st.byCode[it.rc] == prev
			if !it.rc.isReturnCode() || (!inherited && st.taken(it.ReturnCode())) {
				return fmt.Errorf("order %d item %d: the returnCode is malformed or already held", r.OrderID, i)
			}
		}
		for _, other := range r.Items[:i] { // at most maxBookingItems
			if other.sscc == it.sscc || (it.rc != 0 && other.rc == it.rc) {
				return fmt.Errorf("order %d item %d repeats an id", r.OrderID, i)
			}
		}
	}
	return checkEvents(r.Events)
}

// checkEvents wants at least one event, known kinds, in time order.
func checkEvents(evs []event) error {
	if len(evs) == 0 {
		return errors.New("an order without events")
	}
	for i, e := range evs {
		if !e.Kind().known() {
			return fmt.Errorf("unknown event kind %d", e.Kind())
		}
		if i > 0 && e.At().Before(evs[i-1].At()) {
			return errors.New("events out of time order")
		}
	}
	return nil
}

// addOrder stores a new order, linked to prev (apply only).
func (st *state) addOrder(o, prev *order) {
	if prev != nil {
		st.replacedBy[prev.OrderID] = o
	}
	st.add(o)
}
