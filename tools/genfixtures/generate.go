package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// generated is the generator's output.
type generated struct {
	codes     []*postal
	places    []*place
	points    []*point
	rejected  []string  // GeoNames matches dropped as namesakes
	unreached []*postal // codes made remote for want of a service point
}

// generate builds the fixtures from the sources.
func generate(src *sources) (*generated, error) {
	gx, err := newGeoIndex(src)
	if err != nil {
		return nil, err
	}
	g := &generated{}
	byName := map[string]*place{}
	byCode := make(map[int]*postal, len(src.register))
	for _, code := range slices.Sorted(maps.Keys(src.register)) {
		name := src.register[code]
		p := byName[name]
		if p == nil {
			p = &place{name: name}
			byName[name] = p
			g.places = append(g.places, p)
		}
		c := &postal{code: code, place: p}
		p.codes = append(p.codes, c)
		g.codes = append(g.codes, c)
		byCode[code] = c
	}
	if g.rejected, err = locate(g.codes, g.places, src, gx); err != nil {
		return nil, err
	}
	if err := markRemote(g.places); err != nil {
		return nil, err
	}
	ts := towns(g.places)
	cover(g.codes, ts)
	if g.points, err = invent(ts, byCode); err != nil {
		return nil, err
	}
	g.unreached = markUnreached(g.codes, g.points)
	return g, nil
}

// files returns the fixture files by name.
func (g *generated) files() map[string][]byte {
	return map[string][]byte{
		fixture.PostalCodesFile:      g.postalCSV(),
		fixture.ServicePointsCSVFile: g.pointsCSV(),
	}
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func coord(x float64) string { return strconv.FormatFloat(round4(x), 'f', 4, 64) }

func (g *generated) postalCSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(fixture.PostalCodeColumns)
	for _, c := range g.codes {
		w.Write([]string{fmt.Sprintf("%04d", c.code), c.place.name, c.municipality, c.county, coord(c.lat), coord(c.lon),
			bit(c.home), bit(c.pickup), bit(c.remote), bit(c.src.approximate())})
	}
	w.Flush()
	return b.Bytes()
}

func (g *generated) pointsCSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(fixture.ServicePointColumns)
	for _, sp := range g.points {
		w.Write(slices.Concat([]string{sp.id, sp.name, fixture.RetailerType, sp.carrier, sp.street, sp.number,
			fmt.Sprintf("%04d", sp.code.code), sp.code.place.name, coord(sp.lat), coord(sp.lon), bit(sp.invented)},
			sp.hours[:], sp.route[:]))
	}
	w.Flush()
	return b.Bytes()
}

// summary describes the output: the counts fixtures/README.md quotes.
func (g *generated) summary() string {
	var b strings.Builder
	count := func(f func(*postal) bool) int {
		n := 0
		for _, c := range g.codes {
			if f(c) {
				n++
			}
		}
		return n
	}
	fmt.Fprintf(&b, "postal codes: %d in %d places\n", len(g.codes), len(g.places))
	fmt.Fprintf(&b, "  positions: %d curated, %d of their place, %d of their municipality (approx), %d from neighbours (approx)\n",
		count(func(c *postal) bool { return c.src == fromCurated }), count(func(c *postal) bool { return c.src == fromPlace }),
		count(func(c *postal) bool { return c.src == fromMunicipal }), count(func(c *postal) bool { return c.src == fromNeighbours }))
	fmt.Fprintf(&b, "  coverage: %d pickup+home, %d home only, %d service points only, %d remote (%d for want of a point)\n",
		count(func(c *postal) bool { return c.pickup }), count(func(c *postal) bool { return c.home && !c.pickup }),
		count(func(c *postal) bool { return !c.home && !c.remote }), count(func(c *postal) bool { return c.remote }), len(g.unreached))
	counties := map[string]int{}
	for _, c := range g.codes {
		counties[c.county]++
	}
	fmt.Fprintf(&b, "  counties: %d\n", len(counties))
	perCarrier := map[string]int{}
	towns := map[string]bool{}
	for _, sp := range g.points {
		perCarrier[sp.carrier]++
		if sp.carrier == fixture.CarrierHelthjem {
			towns[sp.code.place.name] = true
		}
	}
	fmt.Fprintf(&b, "service points: %d helthjem in %d postal places, %d postnord\n", perCarrier[fixture.CarrierHelthjem], len(towns), perCarrier[fixture.CarrierPostNord])
	for _, r := range g.rejected {
		fmt.Fprintf(&b, "  dropped match %s\n", r)
	}
	names := slices.SortedFunc(slices.Values(g.unreached), func(a, b *postal) int { return cmp.Compare(a.code, b.code) })
	for _, c := range names {
		fmt.Fprintf(&b, "  unreached %s (%s)\n", c, c.county)
	}
	return b.String()
}
