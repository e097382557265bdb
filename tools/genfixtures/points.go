package main

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// point is a service point being built.
type point struct {
	id, name, carrier string
	street, number    string
	code              *postal
	lat, lon          float64
	hours             [7]string // MONDAY..SUNDAY, "HH:MM-HH:MM" or "" for closed
	invented          bool
	route             [6]string // routeAddress, routing, routingDetailed, mainCarNumber, deliveryPointCarId, transportNetId
	order             int       // within its town, for ids
}

// seed makes the invented points reproducible; each place draws from its
// own stream (seed, FNV-64 of its name), so a change in one place leaves
// the others' points alone.
const seed = 20260616

// The one real service point: the C2C guide's, with the routing block of
// its TS 113 booking. Its position and opening hours are approximate.
var joker = point{
	id: "49003", name: "Joker Trondheimsveien", carrier: fixture.CarrierHelthjem,
	street: "TRONDHEIMSVEIEN", number: "26", lat: 59.9193, lon: 10.7612,
	hours: [7]string{"07:00-23:00", "07:00-23:00", "07:00-23:00", "07:00-23:00", "07:00-23:00", "08:00-23:00", "10:00-22:00"},
	route: [6]string{"TRONDHEIMSVEIEN 26 A", "107-12", "107", "107", "9394", "204"},
}

const jokerCode = 560

// guideSenders are the C2C guide's sender postal codes: 49003 must be the
// Helthjem point nearest each (its nearby answer for 0468 lists 49003
// first; its TS 113 booking from 0561 gets 49003), so no invented Helthjem
// point may lie closer to them than 49003 does.
var guideSenders = []int{468, 561}

// chain is a shop chain with its usual opening hours: weekdays, Saturday,
// Sunday ("" closed).
type chain struct {
	name                    string
	weekday, sat, sun       string
	weightTown, weightRural int
}

var helthjemChains = []chain{
	{"Kiwi", "07:00-23:00", "07:00-23:00", "", 6, 3},
	{"Rema 1000", "07:00-23:00", "08:00-21:00", "", 6, 3},
	{"Coop Extra", "07:00-23:00", "08:00-22:00", "", 5, 3},
	{"Coop Prix", "07:00-22:00", "08:00-20:00", "", 3, 2},
	{"Coop Mega", "08:00-22:00", "08:00-20:00", "", 2, 0},
	{"Coop Marked", "09:00-20:00", "09:00-18:00", "", 0, 4},
	{"Meny", "07:00-22:00", "08:00-20:00", "", 3, 1},
	{"Bunnpris", "07:00-23:00", "08:00-21:00", "", 3, 2},
	{"Joker", "07:00-23:00", "08:00-23:00", "10:00-22:00", 3, 6},
	{"Spar", "08:00-22:00", "08:00-20:00", "", 2, 4},
	{"Extra", "07:00-23:00", "08:00-22:00", "", 2, 1},
	{"Narvesen", "07:00-22:00", "08:00-22:00", "09:00-21:00", 2, 0},
}

var postnordChains = []chain{
	{"Circle K", "06:00-23:00", "07:00-23:00", "08:00-23:00", 3, 3},
	{"Bunnpris", "07:00-23:00", "08:00-21:00", "", 2, 2},
	{"Coop Extra", "07:00-23:00", "08:00-22:00", "", 2, 2},
	{"Spar", "08:00-22:00", "08:00-20:00", "", 1, 2},
	{"Narvesen", "07:00-22:00", "08:00-22:00", "09:00-21:00", 2, 0},
	{"Kiwi", "07:00-23:00", "07:00-23:00", "", 1, 1},
}

// streets are common Norwegian street names.
var streets = []string{
	"STORGATA", "KIRKEGATA", "KIRKEVEIEN", "SKOLEVEIEN", "STASJONSVEIEN", "JERNBANEGATA",
	"STRANDGATA", "SJØGATA", "INDUSTRIVEIEN", "PARKVEIEN", "SKOGVEIEN", "BJØRKEVEIEN",
	"FURUVEIEN", "SOLVEIEN", "HAGEVEIEN", "SENTRUMSVEIEN", "TORGGATA", "BRUGATA",
	"NORDRE GATE", "SØNDRE GATE", "HOVEDGATA", "KONGENS GATE", "DRONNINGENS GATE",
	"FJORDVEIEN", "HAVNEGATA", "MARKVEIEN", "ÅSVEIEN", "BAKKEVEIEN", "GAMLEVEIEN",
	"NYVEIEN", "RINGVEIEN", "ELVEGATA", "BERGVEIEN", "GRANVEIEN", "LIVEIEN", "ENGVEIEN",
}

// rng is the per-place random stream: PCG, used through its raw Uint64 so
// that no helper whose algorithm a Go release may change shapes the data.
type rng struct{ r *rand.Rand }

func newRNG(name string) rng {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rng{rand.New(rand.NewPCG(seed, h.Sum64()))}
}

func (g rng) intn(n int) int { return int(g.r.Uint64() % uint64(n)) }
func (g rng) float() float64 { return float64(g.r.Uint64()>>11) / (1 << 53) }
func (g rng) pick(w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	k := g.intn(total)
	for i, x := range w {
		if k < x {
			return i
		}
		k -= x
	}
	panic("unreachable")
}

// pointCounts: a town of size codes gets this many Helthjem and PostNord points.
func pointCounts(size int) (helthjem, postnord int) {
	helthjem = 1 + size/5
	if size >= 4 {
		postnord = 1 + size/15
	}
	return helthjem, postnord
}

// invent creates the service points of every town, then numbers them:
// Helthjem ids from 49004 up, PostNord ids from 103001 up, in postal code
// order.
func invent(ts []town, byCode map[int]*postal) ([]*point, error) {
	jc, ok := byCode[jokerCode]
	if !ok {
		return nil, fmt.Errorf("postal code %04d of 49003 is not in the register", jokerCode)
	}
	j := joker
	j.code = jc
	all := []*point{&j}
	keep := keepOut(byCode)
	for _, t := range ts {
		g := newRNG(t.p.name)
		nh, np := pointCounts(t.size)
		used := map[string]bool{}
		for i := range nh + np {
			carrier, chains := fixture.CarrierHelthjem, helthjemChains
			if i >= nh {
				carrier, chains = fixture.CarrierPostNord, postnordChains
			}
			sp, err := inventOne(g, t, carrier, chains, used, keep)
			if err != nil {
				return nil, err
			}
			sp.order = i
			all = append(all, sp)
		}
	}
	slices.SortStableFunc(all[1:], func(a, b *point) int {
		return cmp.Or(cmp.Compare(a.carrier, b.carrier), cmp.Compare(a.code.code, b.code.code), cmp.Compare(a.code.place.name, b.code.place.name), cmp.Compare(a.order, b.order))
	})
	nextH, nextP := 49004, 103001
	for _, sp := range all[1:] {
		sp.invented = true
		if sp.carrier == fixture.CarrierHelthjem {
			sp.id, nextH = strconv.Itoa(nextH), nextH+1
		} else {
			sp.id, nextP = strconv.Itoa(nextP), nextP+1
		}
	}
	slices.SortStableFunc(all, func(a, b *point) int {
		return cmp.Or(cmp.Compare(a.code.code, b.code.code), cmp.Compare(len(a.id), len(b.id)), cmp.Compare(a.id, b.id))
	})
	return all, nil
}

// keepOut returns, for each guide sender, its position and how near 49003 is.
func keepOut(byCode map[int]*postal) []circle {
	var out []circle
	for _, code := range guideSenders {
		c := byCode[code]
		out = append(out, circle{c.lat, c.lon, fixture.DistanceKM(c.lat, c.lon, joker.lat, joker.lon) + keepOutMarginKM})
	}
	return out
}

// keepOutMarginKM keeps invented points clearly farther than 49003.
const keepOutMarginKM = 0.1

type circle struct{ lat, lon, km float64 }

// inventOne places one point of carrier in town t: at one of the town's
// postal codes (drawn at random), moved by up to spreadKM, named after its
// chain and its street or town.
func inventOne(g rng, t town, carrier string, chains []chain, used map[string]bool, keep []circle) (*point, error) {
	weights := make([]int, len(chains))
	for i, c := range chains {
		weights[i] = c.weightRural
		if t.size >= bigTownMinCodes {
			weights[i] = c.weightTown
		}
	}
	for try := 0; try < 100; try++ {
		code := t.p.codes[g.intn(len(t.p.codes))]
		lat, lon := jitter(g, code.lat, code.lon, spreadKM(t.p, code))
		ch := chains[g.pick(weights)]
		street, number := pickStreet(g, t), strconv.Itoa(1+g.intn(streetNumbers(t.size)))
		name := ch.name + " " + titleCase(placeBase(t.p.name))
		if t.size >= bigTownMinCodes || used[name] {
			name = ch.name + " " + titleCase(street)
		}
		if used[name] || !inBounds(lat, lon) {
			continue
		}
		if carrier == fixture.CarrierHelthjem && slices.ContainsFunc(keep, func(c circle) bool {
			return fixture.DistanceKM(c.lat, c.lon, lat, lon) <= c.km
		}) {
			continue
		}
		used[name] = true
		sp := &point{name: name, carrier: carrier, street: street, number: number, code: code, lat: lat, lon: lon}
		for d := range 5 {
			sp.hours[d] = ch.weekday
		}
		sp.hours[5], sp.hours[6] = ch.sat, ch.sun
		return sp, nil
	}
	return nil, fmt.Errorf("town %s: no place for another %s point", t.p.name, carrier)
}

// spreadKM is how far from its postal code's position a point may lie: more
// where many codes of the place share one position.
func spreadKM(p *place, code *postal) float64 {
	shared := 0
	for _, c := range p.codes {
		if c.lat == code.lat && c.lon == code.lon {
			shared++
		}
	}
	return min(0.3+float64(0.15*math.Sqrt(float64(shared))), 1.5)
}

func streetNumbers(size int) int {
	if size >= bigTownMinCodes {
		return 120
	}
	return 40
}

// jitter moves (lat, lon) by a random offset of up to km, rounded to 4
// decimals as the fixture writes it.
func jitter(g rng, lat, lon, km float64) (float64, float64) {
	r := km * math.Sqrt(g.float())
	theta := 2 * math.Pi * g.float()
	dlat := float64(r*math.Cos(theta)) / kmPerDegree
	dlon := float64(r*math.Sin(theta)) / float64(kmPerDegree*math.Cos(lat*math.Pi/180))
	return round4(lat + dlat), round4(lon + dlon)
}

const kmPerDegree = fixture.EarthRadiusKM * math.Pi / 180

func round4(x float64) float64 { return math.Round(float64(x*1e4)) / 1e4 }

// inBounds is the fixture's bounding box of Norway.
func inBounds(lat, lon float64) bool {
	return lat >= 57 && lat <= 81 && lon >= 4 && lon <= 32
}

// pickStreet draws a common street name or, one time in six, the road
// named after the nearest other town, when that is one word (LYSAKERVEIEN in
// Oslo).
func pickStreet(g rng, t town) string {
	if g.intn(6) == 0 && t.neighbour != "" {
		return t.neighbour + "VEIEN"
	}
	return streets[g.intn(len(streets))]
}

// placeBase is a place name without a one-letter suffix: KRISTIANSAND S is
// KRISTIANSAND.
func placeBase(name string) string {
	if i := strings.LastIndexByte(name, ' '); i > 0 && len([]rune(name[i+1:])) == 1 {
		return name[:i]
	}
	return name
}

// titleCase writes an upper-case name as a shop name would: "MO I RANA" is
// "Mo i Rana", "NORDRE GATE" is "Nordre gate", "NY-ÅLESUND" is "Ny-Ålesund".
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if i > 0 && slices.Contains([]string{"i", "på", "og", "gate", "vei", "plass"}, w) {
			continue
		}
		parts := strings.Split(w, "-")
		for k, p := range parts {
			r := []rune(p)
			if len(r) > 0 {
				r[0] = []rune(strings.ToUpper(string(r[0])))[0]
			}
			parts[k] = string(r)
		}
		words[i] = strings.Join(parts, "-")
	}
	return strings.Join(words, " ")
}
