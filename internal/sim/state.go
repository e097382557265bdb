package sim

import (
	"strings"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// state is every stored order and its indexes. It is guarded by Server.mu.
type state struct {
	orders     []*order           // in booking order
	byShipment map[shipKey]*order // shipmentIds are per client (clients may choose them)
	byCode     map[string]*order  // SSCCs and returnCodes are global; a returnCode maps to its live order
	byOrderID  map[int64]*order
}

type shipKey struct{ client, id string }

func newState() *state {
	return &state{
		byShipment: map[shipKey]*order{},
		byCode:     map[string]*order{},
		byOrderID:  map[int64]*order{},
	}
}

// pickupDate is a home pickup's (TS 23) date, or nil.
func (o *order) pickupDate() *calendar.Date {
	if o.TS != tsC2CPickup {
		return nil
	}
	return o.Desired
}

// order is one booking (or the order a PUDO conversion created).
type order struct {
	ClientID       string
	ShopID         int64
	OrderID        int64
	ShipmentID     string // as answered: "(401)…" or the client's own
	TS, FP         int
	ServicePointID string // the booked or drop-off point
	BookedAt       time.Time
	Items          []orderItem
	Events         []event
	// What renders the booking's answer, kept instead of the answer itself
	// (a third of the memory): the normalised request, its date and the
	// service point chosen at booking. A retry re-renders the same bytes.
	Req         []byte
	Desired     *calendar.Date
	BookedPoint string
	// Conv is the answer of an order a PUDO conversion created (no request).
	Conv       *bookingResp
	Replaces   *order // the cancelled pickup order this one continues
	ReplacedBy *order // the return-from-service-point order that continues this one
}

type orderItem struct {
	SSCC       string // 18 digits
	ReturnCode string // "" when none
}

// shipmentKey is how a shipmentId is indexed: bare digits for GS1 shipment
// numbers (so "(401)…" and the bare form find the same order), else as sent.
func shipmentKey(id string) string {
	if k, v := ids.Parse(id); k == ids.KindShipment {
		return v
	}
	return strings.TrimSpace(id)
}

// codeKey normalises an SSCC or a returnCode for byCode.
func codeKey(id string) (string, bool) {
	switch k, v := ids.Parse(id); k {
	case ids.KindSSCC, ids.KindReturnCode:
		return v, true
	}
	return "", false
}

func (st *state) add(o *order) {
	st.orders = append(st.orders, o)
	st.index(o)
}

// index (re)indexes an order under all its identifiers.
func (st *state) index(o *order) {
	st.byOrderID[o.OrderID] = o
	st.byShipment[shipKey{o.ClientID, shipmentKey(o.ShipmentID)}] = o
	for _, it := range o.Items {
		st.byCode[it.SSCC] = o
		if it.ReturnCode != "" {
			st.byCode[it.ReturnCode] = o
		}
	}
}

// removeClient forgets one client's orders and returns how many.
func (st *state) removeClient(client string) int {
	kept := st.orders[:0]
	n := 0
	for _, o := range st.orders {
		if o.ClientID == client {
			n++
			continue
		}
		kept = append(kept, o)
	}
	clear(st.orders[len(kept):])
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
	for k, o := range st.byOrderID {
		if o.ClientID == client {
			delete(st.byOrderID, k)
		}
	}
	return n
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
	return st.byShipment[shipKey{client, shipmentKey(identifier)}]
}

// journey returns the chain of orders o belongs to, oldest first: a pickup
// order and the return-from-service-point order that replaced it.
func journey(o *order) []*order {
	for o.Replaces != nil {
		o = o.Replaces
	}
	var chain []*order
	for ; o != nil; o = o.ReplacedBy {
		chain = append(chain, o)
	}
	return chain
}

// eventKind is a step of a parcel's life.
type eventKind int

const (
	evBooked eventKind = iota
	evPickedUp
	evDroppedOff
	evInTransit
	evDelivered
	evCancelled
)

// eventInfo is how an event kind shows in tracking. apiKeys 001, 032 and
// 071 are documented; the others are the simulator's (inferred).
var eventInfo = [...]struct {
	apiKey, status string
	group          int
	no, en         string
	groupNO        string
	groupEN        string
}{
	evBooked:     {"001", "WAITING_FOR_PACKAGE", 1, "Sendingen er registrert", "The shipment has been registered", "Registrert", "Registered"},
	evPickedUp:   {"032", "PICKED_UP", 2, "Pakken er hentet", "The parcel has been picked up", "Hentet", "Collected"},
	evDroppedOff: {"041", "DROPPED_OFF", 2, "Pakken er levert inn på hentested", "The parcel was dropped off at a service point", "Innlevert", "Dropped off"},
	evInTransit:  {"050", "IN_TRANSIT", 3, "Pakken er under transport", "The parcel is in transit", "Under transport", "In transit"},
	evDelivered:  {"090", "DELIVERED", 4, "Pakken er levert", "The parcel has been delivered", "Levert", "Delivered"},
	evCancelled:  {"071", "CANCELLED", 9, "Henteoppdraget er kansellert", "The pickup order has been cancelled", "Kansellert", "Cancelled"},
}

type event struct {
	At             time.Time
	Kind           eventKind
	ServicePointID string
}

// visible returns the events that have happened by now.
func (o *order) visible(now time.Time) []event {
	n := 0
	for _, e := range o.Events {
		if e.At.After(now) {
			break
		}
		n++
	}
	return o.Events[:n]
}

// status is the parcelStatus at now.
func (o *order) status(now time.Time) string {
	ev := o.visible(now)
	if len(ev) == 0 {
		return eventInfo[evBooked].status
	}
	return eventInfo[ev[len(ev)-1].Kind].status
}

// Lifecycle times, in Norwegian local time (inferred: the carrier publishes
// none). Pickups happen late morning on the pickup date, the parcel leaves
// the terminal in the evening and is delivered the next working day.
const (
	pickupHour   = 11
	transitHour  = 18
	deliveryHour = 14
)

// pickupEvents are the events after booking of a TS 23 parcel picked up on d.
func pickupEvents(d calendar.Date, loc *time.Location) []event {
	return []event{
		{At: d.In(loc, pickupHour, 0), Kind: evPickedUp},
		{At: d.In(loc, transitHour, 0), Kind: evInTransit},
		{At: calendar.NextPickupDay(d).In(loc, deliveryHour, 0), Kind: evDelivered},
	}
}

// dropoffEvents are the events of a parcel dropped off at sp at t: it leaves
// with the evening run (the next one if t is after it) and is delivered the
// next working day.
func dropoffEvents(t time.Time, sp string, loc *time.Location) []event {
	local := t.In(loc)
	day := calendar.DateOf(local)
	transit := day.In(loc, transitHour, 0)
	if !transit.After(local) {
		day = day.AddDays(1)
		transit = day.In(loc, transitHour, 0)
	}
	return []event{
		{At: t, Kind: evDroppedOff, ServicePointID: sp},
		{At: transit, Kind: evInTransit},
		{At: calendar.NextPickupDay(day).In(loc, deliveryHour, 0), Kind: evDelivered},
	}
}
