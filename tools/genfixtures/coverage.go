package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// The coverage rule (inferred: Helthjem publishes no coverage map). Every
// code is in exactly one of four classes, from the most covered down:
//
//   - pickup: C2C doorstep pickup (TS 23) and home delivery (TS 1, 2), in
//     dense areas: at least pickupMinCodes postal codes of known position
//     (its own included) lie within pickupRadiusKM;
//   - home: home delivery (TS 1, 2) only: within homeKM(size) of the centre
//     of a town;
//   - points only: neither, but a Helthjem service point within reachKM
//     (TS 1, 62, 86, 113, 115 through service points);
//   - remote: nothing at all (every transport solution answers
//     no.carrier.support): Svalbard, Jan Mayen, the places of remotePlaces,
//     and any code with no Helthjem service point within reachKM.
//
// A town is a postal place matched to a GeoNames place or with curated
// codes, or with at least minPointCodes codes; its size is its number of
// postal codes in the register, its centre the GeoNames position (else the
// median of its codes' positions). A code whose position is only copied
// from a distant numbered neighbour (vague) is served through service
// points only, and does not count as of known position.
const (
	pickupMinCodes  = 15
	pickupRadiusKM  = 5.0
	reachKM         = 50.0 // as the simulator's reachKM
	bigTownMinCodes = 10   // names its points after streets, not the town
)

// homeKM is how far home delivery reaches around a town of size codes.
func homeKM(size int) float64 { return 4 + float64(0.5*math.Sqrt(float64(size))) }

// remotePlaces are postal places without any coverage, besides Svalbard and
// Jan Mayen. Inferred, like the rest of the rule.
var remotePlaces = []struct{ name, county, why string }{
	{"RØST", "Nordland", "island reached by ferry or plane only"},
	{"VÆRØY", "Nordland", "island reached by ferry or helicopter only"},
	{"TRÆNA", "Nordland", "island reached by ferry only"},
	{"LURØY", "Nordland", "island reached by ferry only"},
	{"VEGA", "Nordland", "island reached by ferry only"},
	{"UTSIRA", "Rogaland", "island reached by ferry only"},
	{"KVITSØY", "Rogaland", "island reached by ferry only"},
	{"FEDJE", "Vestland", "island reached by ferry only"},
	{"HARDBAKKE", "Vestland", "island (Solund) reached by ferry only"},
	{"HASVIK", "Finnmark", "island (Sørøya) reached by ferry only"},
	{"BERLEVÅG", "Finnmark", "outer coast, convoy driving in winter"},
	{"KONGSFJORD", "Finnmark", "outer coast, convoy driving in winter"},
	{"BÅTSFJORD", "Finnmark", "outer coast, convoy driving in winter"},
	{"GAMVIK", "Finnmark", "outer coast, convoy driving in winter"},
	{"MEHAMN", "Finnmark", "outer coast, convoy driving in winter"},
	{"NERVEI", "Finnmark", "outer coast, convoy driving in winter"},
	{"KJØLLEFJORD", "Finnmark", "outer coast, convoy driving in winter"},
	{"SKARSVÅG", "Finnmark", "outer coast, convoy driving in winter"},
	{"GJESVÆR", "Finnmark", "outer coast, convoy driving in winter"},
	{"HAVØYSUND", "Finnmark", "outer coast, convoy driving in winter"},
}

// remoteCounties have no coverage at all.
var remoteCounties = []string{"Svalbard", "Jan Mayen"}

// town is a postal place that anchors coverage.
type town struct {
	p         *place
	lat, lon  float64
	size      int
	neighbour string // the nearest other town's name, if one word, for street names
}

// markRemote sets remote on the codes of Svalbard, Jan Mayen and the
// remote places.
func markRemote(places []*place) error {
	byName := map[string]*place{}
	for _, p := range places {
		byName[p.name] = p
	}
	for _, r := range remotePlaces {
		p, ok := byName[r.name]
		if !ok {
			return fmt.Errorf("remote place %s is not in the register", r.name)
		}
		for _, c := range p.codes {
			if c.county != r.county {
				return fmt.Errorf("remote place %s: %04d lies in %s, listed in %s", r.name, c.code, c.county, r.county)
			}
			c.remote = true
		}
	}
	for _, p := range places {
		for _, c := range p.codes {
			if slices.Contains(remoteCounties, c.county) {
				c.remote = true
			}
		}
	}
	return nil
}

// towns returns the places that anchor coverage and get service points:
// those matched to GeoNames or with curated codes, and those with at least
// minPointCodes codes, leaving out remote ones.
func towns(places []*place) []town {
	var out []town
	for _, p := range places {
		if p.codes[0].remote {
			continue
		}
		t := town{p: p, size: len(p.codes)}
		switch {
		case p.match != nil:
			t.lat, t.lon = p.match.lat, p.match.lon
		case hasCurated(p) || len(p.codes) >= minPointCodes:
			var lats, lons []float64
			for _, c := range p.codes {
				lats, lons = append(lats, c.lat), append(lons, c.lon)
			}
			t.lat, t.lon = median(lats), median(lons)
		default:
			continue
		}
		out = append(out, t)
	}
	for i := range out {
		var near *town
		d := 0.0
		for j := range out {
			if dj := fixture.DistanceKM(out[i].lat, out[i].lon, out[j].lat, out[j].lon); i != j && (near == nil || dj < d) {
				near, d = &out[j], dj
			}
		}
		if near == nil {
			continue
		}
		if base := placeBase(near.p.name); !strings.ContainsAny(base, " -") {
			out[i].neighbour = base
		}
	}
	return out
}

// minPointCodes: an unmatched postal place with this many codes is a town.
const minPointCodes = 3

func hasCurated(p *place) bool {
	return slices.ContainsFunc(p.codes, func(c *postal) bool { return c.src == fromCurated })
}

// cover sets home and pickup from the towns and the density of codes.
func cover(codes []*postal, ts []town) {
	var known []*postal
	for _, c := range codes {
		if !c.vague {
			known = append(known, c)
		}
	}
	knownBand := newBand(len(known), func(i int) (float64, float64) { return known[i].lat, known[i].lon })
	townBand := newBand(len(ts), func(i int) (float64, float64) { return ts[i].lat, ts[i].lon })
	maxHomeKM := 0.0
	for _, t := range ts {
		maxHomeKM = max(maxHomeKM, homeKM(t.size))
	}
	for _, c := range codes {
		if c.remote || c.vague {
			continue
		}
		townBand.within(c.lat, c.lon, maxHomeKM, func(i int, d float64) bool {
			c.home = d <= homeKM(ts[i].size)
			return !c.home
		})
		dense := 0
		knownBand.within(c.lat, c.lon, pickupRadiusKM, func(int, float64) bool {
			dense++
			return true
		})
		if dense >= pickupMinCodes {
			c.home, c.pickup = true, true
		}
	}
}

// markUnreached makes remote every code with no Helthjem point within
// reachKM.
func markUnreached(codes []*postal, points []*point) []*postal {
	var helthjem []*point
	for _, sp := range points {
		if sp.carrier == fixture.CarrierHelthjem {
			helthjem = append(helthjem, sp)
		}
	}
	b := newBand(len(helthjem), func(i int) (float64, float64) { return helthjem[i].lat, helthjem[i].lon })
	var unreached []*postal
	for _, c := range codes {
		if c.remote {
			continue
		}
		reached := false
		b.within(c.lat, c.lon, reachKM, func(int, float64) bool {
			reached = true
			return false
		})
		if !reached {
			c.remote, c.home, c.pickup = true, false, false
			unreached = append(unreached, c)
		}
	}
	return unreached
}
