package main

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// band indexes positions by latitude, so that a "within km" query reads only
// those of a narrow band instead of all.
type band struct {
	lat, lon []float64 // sorted by lat
	id       []int     // the caller's index of each
}

func newBand(n int, pos func(i int) (lat, lon float64)) band {
	b := band{id: make([]int, n)}
	for i := range b.id {
		b.id[i] = i
	}
	slices.SortFunc(b.id, func(x, y int) int {
		lx, _ := pos(x)
		ly, _ := pos(y)
		return cmp.Or(cmp.Compare(lx, ly), cmp.Compare(x, y))
	})
	for _, i := range b.id {
		lat, lon := pos(i)
		b.lat, b.lon = append(b.lat, lat), append(b.lon, lon)
	}
	return b
}

// within calls f with the caller's index and distance of each position at
// most km from (lat, lon), in latitude order, until f returns false.
func (b band) within(lat, lon, km float64, f func(i int, d float64) bool) {
	dlat := km/kmPerDegree + 1e-9
	// A degree of longitude is shortest at the band's pole-most latitude.
	dlon := km/float64(kmPerDegree*math.Cos(min(math.Abs(lat)+dlat, 89.9)*math.Pi/180)) + 1e-9
	for k := sort.SearchFloat64s(b.lat, lat-dlat); k < len(b.lat) && b.lat[k] <= lat+dlat; k++ {
		if math.Abs(b.lon[k]-lon) > dlon {
			continue
		}
		if d := fixture.DistanceKM(lat, lon, b.lat[k], b.lon[k]); d <= km && !f(b.id[k], d) {
			return
		}
	}
}
