package sim

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// StateDiff compares the whole state of two servers, (-a +b): every order
// with every field, the indexes, the links, the clock and the generators.
// It compares the state type itself, so a field added to it is compared
// without anyone remembering to. An order is compared in full once, as an
// element of state.orders; an index entry or a link compares by orderId,
// after checking that it points into state.orders at all.
func StateDiff(a, b *Server) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := a.st.consistent(); err != nil {
		return "a: " + err.Error()
	}
	if err := b.st.consistent(); err != nil {
		return "b: " + err.Error()
	}
	byID := cmp.FilterPath(func(p cmp.Path) bool {
		if p.Last().Type() != reflect.TypeFor[*order]() {
			return false
		}
		_, inSlice := p.Last().(cmp.SliceIndex)
		f, ok := p.Index(-2).(cmp.StructField)
		return !inSlice || !ok || f.Name() != "orders"
	}, cmp.Comparer(func(x, y *order) bool {
		return (x == nil) == (y == nil) && (x == nil || x.OrderID == y.OrderID)
	}))
	opts := []cmp.Option{byID,
		// Requests and raw ids (json.RawMessage too) compared whole,
		// not byte by byte.
		cmp.Comparer(func(x, y []byte) bool { return bytes.Equal(x, y) && (x == nil) == (y == nil) }),
		cmp.AllowUnexported(state{}, order{}, orderItem{}, civilDate{}, event{}, stamp{}, clock{}, gen{}, rand.PCG{}),
		cmpopts.IgnoreFields(clock{}, "wall"),  // a func; wall0 is compared
		cmpopts.IgnoreFields(state{}, "shown")} // consistent checks it is clock
	if cmp.Equal(a.st, b.st, opts...) { // much faster than Diff
		return ""
	}
	return cmp.Diff(a.st, b.st, opts...)
}

// consistent checks that every index entry and link points to an order of
// st.orders, under that order's own identifiers.
func (st *state) consistent() error {
	in := map[*order]bool{}
	for _, o := range st.orders {
		in[o] = true
	}
	for k, o := range st.byShipment {
		if !in[o] || shipmentKey(o.ShipmentID) != k {
			return fmt.Errorf("byShipment[%s] is not an order's shipmentId", k)
		}
	}
	for k, o := range st.byCode {
		found := false
		for _, it := range o.Items {
			found = found || it.sscc == k || it.rc == k
		}
		if !in[o] || !found {
			return fmt.Errorf("byCode[%s] is not an order's code", k)
		}
	}
	for i, o := range st.orders { // byOrderID's binary search needs it
		if i > 0 && o.OrderID <= st.orders[i-1].OrderID {
			return fmt.Errorf("order %d follows order %d: orders are not in orderId order", o.OrderID, st.orders[i-1].OrderID)
		}
	}
	if c := st.shownClock(); c == nil || c.start != st.clock.start || c.frozen != st.clock.frozen ||
		c.wall0 != st.clock.wall0 || c.offset != st.clock.offset {
		return errors.New("the clock shown to reads without the lock is not the state's clock")
	}
	for _, o := range st.orders {
		if p := st.predecessor(o); o.ReplacesID != 0 && (p == nil || st.successor(p) != o) {
			return fmt.Errorf("order %d is linked to an order outside the state or one way only", o.OrderID)
		}
	}
	for k, o := range st.replacedBy {
		if !in[o] || o.ReplacesID != k || st.byOrderID(k) == nil {
			return fmt.Errorf("replacedBy[%d] is not linked both ways", k)
		}
	}
	return nil
}

// Perturbations Perturb can make, each a change StateDiff must see.
var Perturbations = []string{"generator", "clock", "shown clock", "index", "event", "link"}

// Perturb changes s's state behind apply's back, to show that StateDiff
// notices: a test of the test. It reports false when the state has nothing
// to change of that kind (no order, no link).
func Perturb(s *Server, what string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	switch what {
	case "generator":
		st.gen.rcNext++
	case "clock": // published, as apply would: the clock itself differs
		st.clock.offset++
		st.publishClock()
	case "shown clock": // the copy reads without the lock see, alone
		c := *st.shownClock()
		c.offset++
		st.shown.Store(&c)
	case "index":
		for k := range st.byCode {
			delete(st.byCode, k)
			return true
		}
		return false
	case "event":
		if len(st.orders) == 0 {
			return false
		}
		o := st.orders[len(st.orders)-1]
		o.Events = o.Events[:len(o.Events)-1]
	case "link":
		for k := range st.replacedBy {
			delete(st.replacedBy, k)
			return true
		}
		return false
	default:
		panic("unknown perturbation " + what)
	}
	return true
}

// SetCompactFloor lowers the size under which s never compacts its state
// file while running, so a test can reach it.
func SetCompactFloor(s *Server, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compactFloor = n
}
