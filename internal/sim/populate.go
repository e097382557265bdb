package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// POST /__sim/populate books a demo world: orders across the fixtures'
// clients, every bookable transport solution and the lifecycle's stages, so
// that a dashboard or an admin panel under development has something to
// show.
//
// Each order is a booking request, built from gofakeit and the fixtures,
// that goes the way a client's would: validated against spec/helthjem.yaml
// and handled by createBooking, as the client it names, at a booking time
// in the past week. Drop-offs and PUDO conversions are the records
// createDropoff makes, at a time between the booking and now. So the
// orders' histories are in the past and the clock does not move: some are
// still waiting, some picked up, dropped off, in transit, delivered or
// converted, depending on their age.
//
// The world is a function of the seed, the generators' position and the
// simulated now: the same seed and clock give the same world, a full
// reset followed by the same populate gives it again, and a restart from
// the state file continues it.

// populate bounds.
const (
	minPopulate = 1
	maxPopulate = 1000
	// populateDays is how far back bookings go.
	populateDays = 6
)

type populateReq struct {
	Orders int `json:"orders"`
}

type populateResp struct {
	Booked     int            `json:"booked"`     // bookings made
	DroppedOff int            `json:"droppedOff"` // TS 113/115 parcels dropped off
	Converted  int            `json:"converted"`  // TS 23 parcels dropped off before pickup: PUDO conversions
	OrderIDs   []int64        `json:"orderIds"`   // every order made, conversions' too, in the order made
	Statuses   map[string]int `json:"statuses"`   // how many of those orders are in each status now
}

// demoOrder is one planned booking of the world.
type demoOrder struct {
	client  fixture.Client
	body    []byte    // the booking request
	at      time.Time // when it is booked
	dropAt  time.Time // when it is dropped off (converted for TS 23); zero: never
	point   string    // where, for TS 23: the Helthjem point nearest the sender
	orderID int64     // once booked
	ts      int       // its transport solution
}

// populate is POST /__sim/populate.
func populate(s *Server, c *call) (result, *apierror.Error) {
	var req populateReq
	if aerr := decode(c.body, &req); aerr != nil {
		return result{}, aerr
	}
	if req.Orders < minPopulate || req.Orders > maxPopulate { // the spec has checked it too
		return result{}, apierror.Newf(http.StatusBadRequest, errorkey.InvalidRequest, "orders must be %d to %d", minPopulate, maxPopulate).
			WithField("orders", fmt.Sprintf("must be %d to %d", minPopulate, maxPopulate))
	}
	s.mu.Lock()
	now := s.st.clock.now()
	seed := mix64(s.seed ^ 0x70_6f70_756c_6174 ^ uint64(s.st.gen.nextID))
	s.mu.Unlock()

	w := newWorld(s, gofakeit.New(seed), now)
	if len(w.clients) == 0 {
		return result{}, apierror.New(http.StatusBadRequest, errorkey.InvalidRequest, "no client of the fixtures has a shop to book for")
	}
	plan := make([]*demoOrder, req.Orders)
	conversions := 0
	for i := range plan {
		plan[i] = w.order()
		if plan[i].ts == tsC2CPickup && !plan[i].dropAt.IsZero() {
			conversions++
		}
	}
	if aerr := s.checkRoomFor(len(plan) + conversions); aerr != nil {
		return result{}, aerr
	}

	resp := populateResp{OrderIDs: []int64{}, Statuses: map[string]int{}}
	slices.SortStableFunc(plan, func(a, b *demoOrder) int { return a.at.Compare(b.at) })
	for _, o := range plan {
		res, aerr := s.invoke(c.r.Context(), s.api, http.MethodPost, "/parcels/v1/bookings", o.body, o.client, o.at)
		if aerr != nil {
			return result{}, resp.stopped(aerr)
		}
		o.orderID = res.body.(bookingResp).OrderID
		resp.Booked++
		resp.OrderIDs = append(resp.OrderIDs, o.orderID)
	}
	drops := slices.DeleteFunc(slices.Clone(plan), func(o *demoOrder) bool { return o.dropAt.IsZero() })
	slices.SortStableFunc(drops, func(a, b *demoOrder) int { return a.dropAt.Compare(b.dropAt) })
	for _, o := range drops {
		id, done, aerr := s.demoDropoff(o)
		switch {
		case aerr != nil:
			return result{}, resp.stopped(aerr)
		case !done: // reset meanwhile, or no longer waiting
		case id != 0:
			resp.Converted++
			resp.OrderIDs = append(resp.OrderIDs, id)
		default:
			resp.DroppedOff++
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now = s.st.clock.now()
	for _, id := range resp.OrderIDs {
		if o := s.st.byOrderID(id); o != nil {
			resp.Statuses[o.status(now)]++
		}
	}
	return ok(resp), nil
}

// checkRoomFor refuses, before anything is booked, a world of n orders
// that would pass -max-orders with the orders stored now.
func (s *Server) checkRoomFor(n int) *apierror.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.st.orders)+n <= s.opts.MaxOrders {
		return nil
	}
	return apierror.Newf(http.StatusInsufficientStorage, errorkey.OrderLimitReached,
		"%d more orders would pass the limit of %d; POST /__sim/reset (optionally ?clientId=) or raise -max-orders",
		n, s.opts.MaxOrders)
}

// stopped is the answer to a world that stopped part-way: each booking,
// drop-off and conversion is its own change, so those made before the
// failure are stored and stay. The failure's status and errorKey are
// kept; the message says what was made (with its orderIds in
// GET /__sim/state) and that the failed change itself was not applied.
func (r *populateResp) stopped(aerr *apierror.Error) *apierror.Error {
	if r.Booked == 0 {
		return aerr // nothing made: the failure's own answer is the whole truth
	}
	partial := apierror.Newf(aerr.Status, aerr.Key,
		"populate stopped part-way: %d orders were booked (%d dropped off, %d converted) and are stored (see GET /__sim/state); the next change failed and was not applied: %s",
		r.Booked, r.DroppedOff, r.Converted, aerr.Message)
	partial.Fields = aerr.Fields
	return partial
}

// demoDropoff drops o's parcel off at o.dropAt, as createDropoff would have
// then: the same records, through commitLocked. It returns the orderId of
// the order a conversion made (0 for a drop-off), and done false when the
// order is gone or no longer waiting (a reset meanwhile): nothing was
// dropped off, and the answer must not count it.
func (s *Server) demoDropoff(d *demoOrder) (convID int64, done bool, aerr *apierror.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.byOrderID(d.orderID)
	if o == nil || o.status(d.dropAt) != eventInfo[evBooked].status {
		return 0, false, nil // reset meanwhile, or no longer waiting: nothing to drop off
	}
	// Dropped off by a client while populate ran, later than dropAt, so
	// the status at dropAt still says waiting: apply would refuse a second
	// conversion of a home pickup, or a drop-off before the order's last
	// event (a home pickup's stored events are its planned pickup, so the
	// event check is for the service-point solutions only).
	if s.st.successor(o) != nil || o.TS != tsC2CPickup && o.Events[len(o.Events)-1].At().After(d.dropAt) {
		return 0, false, nil
	}
	pointID := d.point
	if o.TS != tsC2CPickup {
		pointID = o.ServicePointID
	}
	sp, found := s.fx.ServicePoint(pointID)
	if !found {
		return 0, false, apierror.New(http.StatusInternalServerError, errorkey.InternalError, "the demo world lost a service point")
	}
	if o.TS != tsC2CPickup {
		rec := &record{Type: recDropoff, At: d.dropAt, OrderID: o.OrderID, ServicePointID: sp.ID, Events: dropoffEvents(d.dropAt, sp.ID, s.oslo)}
		if aerr := s.commitLocked(rec); aerr != nil {
			return 0, false, aerr
		}
		return 0, true, nil
	}
	if aerr := s.checkCapLocked(); aerr != nil {
		return 0, false, aerr
	}
	rec, aerr := s.conversionLocked(o, sp, d.dropAt)
	if aerr != nil {
		return 0, false, aerr
	}
	if aerr := s.commitLocked(rec); aerr != nil {
		return 0, false, aerr
	}
	return rec.Order.OrderID, true, nil
}

// invoke runs an operation of v as a request to method and path with body
// would run it, from the spec's route and validation on, as client at now:
// the handler of a real request, without its authentication, faults and
// journal entry.
func (s *Server) invoke(ctx context.Context, v *validate.Validator, method, path string, body []byte, client fixture.Client, now time.Time) (result, *apierror.Error) {
	r, err := http.NewRequestWithContext(ctx, method, path, bytes.NewReader(body))
	if err != nil {
		return result{}, apierror.New(http.StatusInternalServerError, errorkey.InternalError, "the simulator built a request it cannot send")
	}
	r.Header.Set("Content-Type", "application/json")
	route, aerr := v.Find(r)
	if aerr != nil {
		return result{}, aerr
	}
	if aerr := v.Request(ctx, r, route, body); aerr != nil {
		return result{}, aerr
	}
	return s.handlers[route.OperationID](s, &call{r: r, route: route, body: body, client: client, now: now, pinned: true})
}

// world draws the demo orders: people from gofakeit and a list of common
// Norwegian names, addresses on the streets of the fixtures' Helthjem
// service points, in their postal codes and places.
type world struct {
	s       *Server
	f       *gofakeit.Faker
	now     time.Time
	clients []fixture.Client       // those with a shop
	points  []fixture.ServicePoint // Helthjem's
}

func newWorld(s *Server, f *gofakeit.Faker, now time.Time) *world {
	w := &world{s: s, f: f, now: now}
	for _, cl := range s.fx.Clients {
		if len(cl.Shops) > 0 {
			w.clients = append(w.clients, cl)
		}
	}
	for _, sp := range s.fx.ServicePoints {
		if sp.Carrier == fixture.CarrierHelthjem {
			w.points = append(w.points, sp)
		}
	}
	return w
}

// Common Norwegian first names and surnames (Statistics Norway's most
// frequent). gofakeit's names are English; a Norwegian shop's parcels
// carry Norwegian ones, so gofakeit draws from these lists.
var (
	norwegianFirstNames = []string{"Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
		"Hilde", "Anna", "Solveig", "Marianne", "Randi", "Ida", "Nora", "Emma", "Sofie", "Ingeborg",
		"Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Thomas",
		"Hans", "Geir", "Tor", "Morten", "Terje", "Jonas", "Emil", "Magnus", "Håkon", "Øystein"}
	norwegianLastNames = []string{"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
		"Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen",
		"Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen",
		"Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen",
		"Mathisen", "Lie", "Amundsen", "Nguyen", "Rasmussen", "Ali", "Lunde", "Solheim", "Berge", "Moe", "Nygård", "Bakke"}
	mailDomains = []string{"gmail.com", "online.no", "hotmail.com", "outlook.com", "icloud.com", "yahoo.no", "live.no"}
)

// person is a party's name, phone and email.
func (w *world) person() (name, phone, email string) {
	first, last := w.f.RandomString(norwegianFirstNames), w.f.RandomString(norwegianLastNames)
	// Norwegian mobile numbers: eight digits starting with 4 or 9.
	phone = w.f.Numerify(w.f.RandomString([]string{"4", "9"}) + "#######")
	local := asciiFold(first) + "." + asciiFold(last)
	if w.f.Bool() {
		local += strconv.Itoa(w.f.Number(1, 99))
	}
	return first + " " + last, phone, local + "@" + w.f.RandomString(mailDomains)
}

// address draws a street address on a Helthjem point's street, in a
// postal code that ok accepts.
func (w *world) address(ok func(fixture.PostalCode) bool) map[string]any {
	for range min(200, 8*len(w.points)) {
		sp := w.points[w.f.Number(0, len(w.points)-1)]
		pc, found := w.s.fx.PostalCode(sp.PostalCode)
		if !found || pc.Remote || !ok(pc) || sp.StreetName == "" {
			continue
		}
		street := titleCase(sp.StreetName) + " " + strconv.Itoa(w.f.Number(1, 140))
		if w.f.Number(1, 5) == 1 {
			street += w.f.RandomString([]string{"A", "B", "C"})
		}
		return map[string]any{"address": street, "zipCode": pc.Code, "postalName": titleCase(pc.Name), "countryCode": "NO"}
	}
	// Fixtures without such a point: the contract's sender, whom every
	// default service covers.
	a := w.s.fx.Contract.Sender
	return map[string]any{"address": a.Address, "zipCode": a.ZipCode, "postalName": a.PostalName, "countryCode": "NO"}
}

func (w *world) party(typ string, ok func(fixture.PostalCode) bool) map[string]any {
	p := w.address(ok)
	p["type"] = typ
	p["name"], p["phone1"], p["email"] = w.person()
	return p
}

func anyCode(fixture.PostalCode) bool { return true }

// order plans one demo booking.
func (w *world) order() *demoOrder {
	f := w.f
	cl := w.clients[f.Number(0, len(w.clients)-1)]
	o := &demoOrder{client: cl, at: w.bookingTime()}
	req := map[string]any{"shopId": cl.Shops[f.Number(0, len(cl.Shops)-1)]}
	var consignee, consignor map[string]any
	switch n := f.Number(1, 100); {
	case n <= 40: // C2C home pickup; a quarter handed in at a point instead
		o.ts = tsC2CPickup
		consignee = w.party("consignee", anyCode)
		consignor = w.party("consignor", func(pc fixture.PostalCode) bool { return pc.Pickup })
		today := calendar.DateOf(o.at.In(w.s.oslo))
		date := calendar.NextPickupDay(today)
		if f.Number(1, 3) == 1 {
			date = calendar.NextPickupDay(date)
		}
		req["desiredDeliveryDate"] = date.Int()
		if f.Number(1, 4) == 1 {
			pc, _ := w.s.fx.PostalCode(consignor["zipCode"].(string))
			if near := w.s.pointsNear(pc, fixture.CarrierHelthjem); len(near) > 0 {
				o.point = near[0].ID
				o.dropAt = w.between(o.at, minTime(w.now, date.In(w.s.oslo, pickupHour, 0)))
			}
		}
	case n <= 75: // C2C from a service point; most handed in already
		o.ts = tsC2CSmall
		if f.Number(1, 5) == 1 {
			o.ts = tsC2CLarge
		}
		consignee = w.party("consignee", anyCode)
		consignor = w.party("consignor", anyCode)
		if f.Number(1, 10) <= 7 {
			o.dropAt = w.between(o.at, w.now)
		}
	default: // B2C: the shop sends to a customer
		o.ts = []int{tsHomeOrPoint, tsHomeOnly, tsHentepakke, tsPointsOnly}[f.Number(0, 3)]
		home := func(pc fixture.PostalCode) bool { return o.ts != tsHomeOnly || pc.Home }
		consignee = w.party("consignee", home)
		consignor = w.party("consignor", anyCode)
		consignor["name"] = cl.Name
	}
	req["transportSolutionId"] = o.ts
	req["parties"] = []any{consignee, consignor}
	var items []any
	// Within what the freight product takes (catalogue.go's limits): a
	// small C2C parcel (TS 113) fits a shop's shelf.
	grams, cm := 15_000, [3]int{60, 40, 30}
	if o.ts == tsC2CSmall {
		grams, cm = 5_000, [3]int{40, 30, 20}
	}
	for i := range w.itemCount() {
		contents := []rune(f.ProductName())
		items = append(items, map[string]any{
			"itemNumber": i + 1, "trackingReference": "", "weight": f.Number(150, grams),
			"length": f.Number(10, cm[0]), "width": f.Number(10, cm[1]), "height": f.Number(2, cm[2]),
			"contents": string(contents[:min(len(contents), 35)]),
		})
	}
	req["items"] = items
	o.body, _ = json.Marshal(req) // maps, strings and ints only
	return o
}

func (w *world) itemCount() int {
	switch n := w.f.Number(1, 20); {
	case n == 1:
		return 3
	case n <= 4:
		return 2
	}
	return 1
}

// bookingTime draws a time in the last populateDays days, in opening
// hours (08–22 in Norway), never after now.
func (w *world) bookingTime() time.Time {
	today := calendar.DateOf(w.now.In(w.s.oslo))
	t := today.AddDays(-w.f.Number(0, populateDays)).In(w.s.oslo, w.f.Number(8, 21), w.f.Number(0, 59))
	if t.After(w.now) {
		t = w.now.Add(-time.Duration(w.f.Number(5, 180)) * time.Minute)
	}
	return t
}

// between draws a time from a fifth to nine tenths of the way from a to b,
// to the second, moved into opening hours (08–22 in Norway) when that
// keeps it between a and b: service points scan few parcels at night.
func (w *world) between(a, b time.Time) time.Time {
	t := a.Add(time.Duration(w.f.Float64Range(0.2, 0.9) * float64(b.Sub(a)))).Truncate(time.Second)
	local := t.In(w.s.oslo)
	day := calendar.DateOf(local)
	var open time.Time
	switch {
	case local.Hour() < 8:
		open = day.In(w.s.oslo, w.f.Number(8, 10), w.f.Number(0, 59))
	case local.Hour() >= 22:
		open = day.In(w.s.oslo, w.f.Number(19, 21), w.f.Number(0, 59))
	default:
		return t
	}
	if open.After(a) && !open.After(b) {
		return open
	}
	return t
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// titleCase writes "MO I RANA" as "Mo I Rana" and "BJØRKEVEIEN" as
// "Bjørkeveien".
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}

// asciiFold writes a name as an email's local part: "Bjørg" as "bjorg",
// "Håkon" as "hakon".
func asciiFold(s string) string {
	r := strings.NewReplacer("æ", "ae", "ø", "o", "å", "a", "é", "e", " ", "")
	return r.Replace(strings.ToLower(s))
}
