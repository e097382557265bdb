package sim

import (
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
)

// order is one booking (or the order a PUDO conversion created). Orders
// live in state; only apply (records.go) adds or changes one. What a
// record carries of it is orderRec; the links both ways are apply's.
type order struct {
	orderRec
	Replaces   *order `json:"-"` // the cancelled pickup order this one continues
	ReplacedBy *order `json:"-"` // the return-from-service-point order that continues this one
}

// pickupDate is a home pickup's (TS 23) date, or nil.
func (o *order) pickupDate() *calendar.Date {
	if o.TS != tsC2CPickup {
		return nil
	}
	return o.Desired
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
}{
	evBooked:     {"001", "WAITING_FOR_PACKAGE", 1, "Sendingen er registrert", "The shipment has been registered"},
	evPickedUp:   {"032", "PICKED_UP", 2, "Pakken er hentet", "The parcel has been picked up"},
	evDroppedOff: {"041", "DROPPED_OFF", 2, "Pakken er levert inn på hentested", "The parcel was dropped off at a service point"},
	evInTransit:  {"050", "IN_TRANSIT", 3, "Pakken er under transport", "The parcel is in transit"},
	evDelivered:  {"090", "DELIVERED", 4, "Pakken er levert", "The parcel has been delivered"},
	evCancelled:  {"071", "CANCELLED", 9, "Henteoppdraget er kansellert", "The pickup order has been cancelled"},
}

func (k eventKind) known() bool { return k >= 0 && int(k) < len(eventInfo) }

// event is a step of an order's life at a time, stored in advance: tracking
// shows the ones that have happened by the simulated now.
type event struct {
	At             time.Time `json:"at"`
	Kind           eventKind `json:"kind"`
	ServicePointID string    `json:"servicePointId,omitempty"`
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
