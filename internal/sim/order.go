package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
)

// order is one booking (or the order a PUDO conversion created). Orders
// live in state; only apply (records.go) adds or changes one. What a
// record carries of it is orderRec; the links both ways are apply's.
//
// A conversion links two orders: the order it made continues the
// cancelled one (its ReplacesID) and state.replacedBy maps the cancelled
// one's orderId to it. An order holds no pointers to others: conversions
// are few, and two in every order cost a size class.
type order struct {
	orderRec
}

// pickupDate is a home pickup's (TS 23) date, if it has one.
func (o *order) pickupDate() (calendar.Date, bool) {
	if o.TS != tsC2CPickup {
		return calendar.Date{}, false
	}
	return o.Desired.date()
}

// civilDate is a date as an order keeps it: 8 bytes in the order, where a
// *calendar.Date took a pointer and 24 bytes more. The zero civilDate is
// no date (the zero calendar.Date is not a valid one). The state file
// keeps calendar.Date's JSON, as it did.
type civilDate struct {
	year       int32
	month, day uint8
}

// dateOf is d as a civilDate; nil is no date.
func dateOf(d *calendar.Date) civilDate {
	if d == nil {
		return civilDate{}
	}
	return civilDate{year: int32(d.Year), month: uint8(d.Month), day: uint8(d.Day)}
}

// date is the date, if there is one.
func (d civilDate) date() (calendar.Date, bool) {
	return calendar.Date{Year: int(d.year), Month: time.Month(d.month), Day: int(d.day)}, d != civilDate{}
}

// MarshalJSON writes the date as calendar.Date's JSON.
func (d civilDate) MarshalJSON() ([]byte, error) {
	cd, _ := d.date()
	return json.Marshal(cd)
}

// UnmarshalJSON reads calendar.Date's JSON; null is no date.
func (d *civilDate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = civilDate{}
		return nil
	}
	var cd calendar.Date
	if err := json.Unmarshal(b, &cd); err != nil {
		return err
	}
	if cd.Year < math.MinInt32 || cd.Year > math.MaxInt32 || cd.Month < 0 || cd.Month > 255 || cd.Day < 0 || cd.Day > 255 {
		return fmt.Errorf("desired date %d-%d-%d is out of range", cd.Year, cd.Month, cd.Day)
	}
	*d = dateOf(&cd)
	return nil
}

// journey returns the chain of orders o belongs to, oldest first: a pickup
// order and the return-from-service-point order that replaced it.
func (st *state) journey(o *order) []*order {
	for p := st.predecessor(o); p != nil; p = st.predecessor(o) {
		o = p
	}
	var chain []*order
	for ; o != nil; o = st.successor(o) {
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
//
// It is 32 bytes, where a time.Time, a kind and a string took 48: the
// instant as Unix seconds and nanoseconds, and the zone offset (which the
// state file shows) and the kind in one word. The state file keeps
// eventRec, as before.
type event struct {
	sec            int64
	nsec           int32
	offKind        int32 // the zone offset in seconds east of UTC <<8 | the kind
	ServicePointID string
}

// newEvent is an event of kind k at t (in t's zone offset), at service
// point sp ("" for none).
func newEvent(t time.Time, k eventKind, sp string) event {
	_, off := t.Zone()
	return event{sec: t.Unix(), nsec: int32(t.Nanosecond()), offKind: int32(off)<<8 | int32(uint8(k)), ServicePointID: sp}
}

// At is when the event happens (in the local zone: format it In a zone).
func (e event) At() time.Time { return time.Unix(e.sec, int64(e.nsec)) }

// Kind is the event's kind.
func (e event) Kind() eventKind { return eventKind(uint8(e.offKind)) }

// eventRec is an event as the state file keeps it.
type eventRec struct {
	At             time.Time `json:"at"`
	Kind           eventKind `json:"kind"`
	ServicePointID string    `json:"servicePointId,omitempty"`
}

// MarshalJSON writes the event as eventRec, its time in its zone offset.
func (e event) MarshalJSON() ([]byte, error) {
	return json.Marshal(eventRec{At: e.At().In(time.FixedZone("", int(e.offKind>>8))), Kind: e.Kind(), ServicePointID: e.ServicePointID})
}

// UnmarshalJSON reads an eventRec; a kind that is not a byte is unknown
// (checkEvents refuses the byte-sized unknown ones).
func (e *event) UnmarshalJSON(b []byte) error {
	var r eventRec
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	if r.Kind < 0 || r.Kind > math.MaxUint8 {
		return fmt.Errorf("unknown event kind %d", r.Kind)
	}
	*e = newEvent(r.At, r.Kind, r.ServicePointID)
	return nil
}

// visible returns the events that have happened by now.
func (o *order) visible(now time.Time) []event {
	n := 0
	for _, e := range o.Events {
		if e.At().After(now) {
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
	return eventInfo[ev[len(ev)-1].Kind()].status
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
		newEvent(d.In(loc, pickupHour, 0), evPickedUp, ""),
		newEvent(d.In(loc, transitHour, 0), evInTransit, ""),
		newEvent(calendar.NextPickupDay(d).In(loc, deliveryHour, 0), evDelivered, ""),
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
		newEvent(t, evDroppedOff, sp),
		newEvent(transit, evInTransit, ""),
		newEvent(calendar.NextPickupDay(day).In(loc, deliveryHour, 0), evDelivered, ""),
	}
}
