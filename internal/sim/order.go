package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
)

// order is one booking (or the order a PUDO conversion created). Orders
// live in state; only apply (records.go) adds or changes one. A record
// carries it as orderRec (MarshalJSON), the fields orderRec describes, in
// 176 bytes: strings and slices first, then the integers, then the small
// ones, so nothing is padded.
//
// A conversion links two orders: the order it made continues the
// cancelled one (its ReplacesID) and state.replacedBy maps the cancelled
// one's orderId to it. An order holds no pointers to others: conversions
// are few, and two in every order cost a size class.
type order struct {
	ClientID       string
	ShipmentID     string
	ServicePointID string
	BookedPoint    string
	Req            storedReq
	Items          []orderItem
	Events         []event
	ShopID         int64
	OrderID        int64
	ReplacesID     int64
	booked         stamp // BookedAt
	TS, FP         int16
	Desired        civilDate
}

// BookedAt is when the order was booked, in the zone offset it was
// booked in.
func (o *order) BookedAt() time.Time { return o.booked.zoned() }

// MarshalJSON writes the order as orderRec.
func (o *order) MarshalJSON() ([]byte, error) {
	return json.Marshal(orderRec{
		orderHead: orderHead{ClientID: o.ClientID, ShopID: o.ShopID, OrderID: o.OrderID, ShipmentID: o.ShipmentID,
			TS: int(o.TS), FP: int(o.FP), ServicePointID: o.ServicePointID, BookedAt: o.BookedAt()},
		Items: o.Items, Events: o.Events, Req: o.Req, Desired: o.Desired, BookedPoint: o.BookedPoint,
		ReplacesID: o.ReplacesID,
	})
}

// UnmarshalJSON reads an orderRec as readRecord reads a record's order.
func (o *order) UnmarshalJSON(b []byte) error {
	var r orderIn
	if err := decodeStrict(b, &r); err != nil {
		return err
	}
	v, err := r.order()
	if err != nil {
		return err
	}
	*o = *v
	return nil
}

// stamp is an instant and its zone offset in 16 bytes (a time.Time takes
// 24), with a byte of tag for its holder: Unix seconds, nanoseconds, and
// the offset and the tag in one word.
type stamp struct {
	sec    int64
	nsec   int32
	offTag int32 // the zone offset in seconds east of UTC <<8 | the tag
}

func newStamp(t time.Time, tag uint8) stamp {
	_, off := t.Zone()
	return stamp{sec: t.Unix(), nsec: int32(t.Nanosecond()), offTag: int32(off)<<8 | int32(tag)}
}

// time is the instant, in the local zone: format it In a zone, or zoned.
func (s stamp) time() time.Time { return time.Unix(s.sec, int64(s.nsec)) }

// zoned is the instant in a zone of its offset, which JSON shows as the
// time.Time it was made from showed.
func (s stamp) zoned() time.Time { return s.time().In(time.FixedZone("", int(s.offTag>>8))) }

func (s stamp) tag() uint8 { return uint8(s.offTag) }

// pickupDate is a home pickup's (TS 23) date, if it has one.
func (o *order) pickupDate() (calendar.Date, bool) {
	if o.TS != tsC2CPickup {
		return calendar.Date{}, false
	}
	return o.Desired.date()
}

// civilDate is a date as an order keeps it: 4 bytes in the order, where a
// *calendar.Date took a pointer and 24 bytes more. The zero civilDate is
// no date (the zero calendar.Date is not a valid one). The state file
// keeps calendar.Date's JSON, as it did.
type civilDate struct {
	year       int16
	month, day uint8
}

// dateOf is d as a civilDate; nil is no date.
func dateOf(d *calendar.Date) civilDate {
	if d == nil {
		return civilDate{}
	}
	return civilDate{year: int16(d.Year), month: uint8(d.Month), day: uint8(d.Day)}
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
	if err := decodeStrict(b, &cd); err != nil {
		return err
	}
	v, err := checkedDateOf(&cd)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// checkedDateOf is dateOf, for a date read from a state file: one out of
// a civilDate's range is an error.
func checkedDateOf(cd *calendar.Date) (civilDate, error) {
	if cd != nil && (cd.Year < math.MinInt16 || cd.Year > math.MaxInt16 || cd.Month < 0 || cd.Month > 255 || cd.Day < 0 || cd.Day > 255) {
		return civilDate{}, fmt.Errorf("desired date %d-%d-%d is out of range", cd.Year, cd.Month, cd.Day)
	}
	return dateOf(cd), nil
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
// kind is its stamp's tag. The state file keeps eventRec, as before.
type event struct {
	at             stamp
	ServicePointID string
}

// newEvent is an event of kind k at t (in t's zone offset), at service
// point sp ("" for none).
func newEvent(t time.Time, k eventKind, sp string) event {
	return event{at: newStamp(t, uint8(k)), ServicePointID: sp}
}

// At is when the event happens (in the local zone: format it In a zone).
func (e event) At() time.Time { return e.at.time() }

// Kind is the event's kind.
func (e event) Kind() eventKind { return eventKind(e.at.tag()) }

// eventRec is an event as the state file keeps it.
type eventRec struct {
	At             time.Time `json:"at"`
	Kind           eventKind `json:"kind"`
	ServicePointID string    `json:"servicePointId,omitempty"`
}

// MarshalJSON writes the event as eventRec, its time in its zone offset.
func (e event) MarshalJSON() ([]byte, error) {
	return json.Marshal(eventRec{At: e.at.zoned(), Kind: e.Kind(), ServicePointID: e.ServicePointID})
}

// UnmarshalJSON reads an eventRec as readRecord reads one.
func (e *event) UnmarshalJSON(b []byte) error {
	var r eventRec
	if err := decodeStrict(b, &r); err != nil {
		return err
	}
	v, err := r.event()
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// event is the event r describes; a kind that is not a byte is unknown
// (checkEvents refuses the byte-sized unknown ones).
func (r eventRec) event() (event, error) {
	if r.Kind < 0 || r.Kind > math.MaxUint8 {
		return event{}, fmt.Errorf("unknown event kind %d", r.Kind)
	}
	return newEvent(r.At, r.Kind, r.ServicePointID), nil
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
