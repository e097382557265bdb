package sim

import (
	"cmp"
	"slices"
	"sync/atomic"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// state is the simulator's state: every stored order and its indexes, the
// simulated clock and the id generators. It knows nothing of HTTP.
//
// Handlers read it (under Server.mu) and describe a change as a record;
// apply (records.go) is the only code that changes it, for a live request
// and for a restart's replay alike. The mutators below (add, removeClient)
// are apply's helpers and are called from nowhere else.
type state struct {
	orders []*order // in booking order
	// byShipment finds an order by its shipmentId (shipmentKey). The ids
	// are unique across clients, client-supplied ones included.
	byShipment map[string]*order
	// byCode finds an order by an SSCC or a returnCode (as codes); a
	// returnCode maps to its live order (the one a conversion made, once
	// there is one). An order is found by its orderId in orders, which
	// is in orderId order too (byOrderID).
	byCode map[code]*order
	// replacedBy maps the orderId of an order a PUDO conversion cancelled
	// to the order that continues it (successor); the continuing order
	// names the cancelled one by its ReplacesID (predecessor).
	replacedBy map[int64]*order
	clock      clock
	// shown is a copy of clock that apply publishes whenever a record
	// changes the clock (clock.go, shownClock): requests read the clock
	// there without Server.mu, which a change holds through its fsync.
	shown atomic.Pointer[clock]
	gen   gen
}

func newState(c clock, g gen) *state {
	st := &state{
		byShipment: map[string]*order{},
		byCode:     map[code]*order{},
		replacedBy: map[int64]*order{},
		clock:      c,
		gen:        g,
	}
	st.publishClock()
	return st
}

// shipmentKey is how a shipmentId is indexed: the canonical form of an id
// ids.Parse knows (so "(401)…" and the bare digits find the same order, and
// a client's shipmentId shaped like an SSCC or a returnCode is seen as
// taken by the generators), else as sent without surrounding space.
func shipmentKey(id string) string {
	_, v := ids.Parse(id)
	return v
}

// taken reports whether any order, of any client, holds id as its
// shipmentId (in shipmentKey form), an SSCC or a returnCode. Generated ids
// skip taken values.
func (st *state) taken(id string) bool {
	if c, ok := codeOf(id); ok && st.byCode[c] != nil {
		return true
	}
	return st.byShipment[id] != nil
}

// byOrderID is the order with orderId id, or nil: a binary search of
// orders, whose orderIds increase (checkOrder sees to it).
func (st *state) byOrderID(id int64) *order {
	i, found := slices.BinarySearchFunc(st.orders, id, func(o *order, id int64) int { return cmp.Compare(o.OrderID, id) })
	if !found {
		return nil
	}
	return st.orders[i]
}

// find returns the client's order for a shipmentId, SSCC or returnCode, in
// any of the forms ids.Parse knows. Another client's order is not found.
func (st *state) find(client, identifier string) *order {
	if k, ok := codeKey(identifier); ok {
		if o := st.byCode[k]; o != nil && o.ClientID == client {
			return o
		}
	}
	// A client's own shipmentId may look like another client's code.
	if o := st.byShipment[shipmentKey(identifier)]; o != nil && o.ClientID == client {
		return o
	}
	return nil
}

// predecessor is the order o continues (a cancelled pickup order), or nil.
func (st *state) predecessor(o *order) *order {
	if o.ReplacesID == 0 {
		return nil
	}
	return st.byOrderID(o.ReplacesID)
}

// successor is the order that continues o (the return-from-service-point
// order of its conversion), or nil.
func (st *state) successor(o *order) *order { return st.replacedBy[o.OrderID] }

// count is how many orders client holds ("" counts all).
func (st *state) count(client string) int {
	if client == "" {
		return len(st.orders)
	}
	n := 0
	for _, o := range st.orders {
		if o.ClientID == client {
			n++
		}
	}
	return n
}

// add stores a new order under all its identifiers (apply only).
func (st *state) add(o *order) {
	st.orders = append(st.orders, o)
	st.byShipment[shipmentKey(o.ShipmentID)] = o
	for _, it := range o.Items {
		st.byCode[it.sscc] = o
		if it.rc != 0 {
			st.byCode[it.rc] = o
		}
	}
}

// removeClient forgets one client's orders (apply only).
func (st *state) removeClient(client string) {
	kept := st.orders[:0]
	for _, o := range st.orders {
		if o.ClientID != client {
			kept = append(kept, o)
		}
	}
	clear(st.orders[len(kept):])
	if len(kept) == 0 {
		kept = nil // as a fresh or fully reset state has it
	}
	st.orders = kept
	for k, o := range st.byShipment {
		if o.ClientID == client {
			delete(st.byShipment, k)
		}
	}
	for k, o := range st.byCode {
		if o.ClientID == client {
			delete(st.byCode, k)
		}
	}
	for k, o := range st.replacedBy { // the orders of a link have one client
		if o.ClientID == client {
			delete(st.replacedBy, k)
		}
	}
}

// removeAll forgets every order (apply only).
func (st *state) removeAll() {
	st.orders = nil
	st.byShipment = map[string]*order{}
	st.byCode = map[code]*order{}
	st.replacedBy = map[int64]*order{}
}
