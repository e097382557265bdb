package sim_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

func atOslo(y int, m time.Month, d, h int) func(*sim.Options) {
	return func(o *sim.Options) { o.Clock = time.Date(y, m, d, h, 0, 0, 0, mustOslo()) }
}

// TestPickupDates asks the dates operation on days around holidays.
func TestPickupDates(t *testing.T) {
	body := `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`
	tests := []struct {
		name  string
		clock func(*sim.Options)
		query string
		want  []any
	}{
		{"guide", atOslo(2026, 6, 16, 10), "", []any{"2026-06-17", "2026-06-18", "2026-06-19", "2026-06-20", "2026-06-22", "2026-06-23", "2026-06-24", "2026-06-25", "2026-06-26", "2026-06-27", "2026-06-29", "2026-06-30"}},
		{"guide late evening", atOslo(2026, 6, 16, 23), "?limit=3", []any{"2026-06-17", "2026-06-18", "2026-06-19"}},
		// Easter 2027: Maundy Thursday 25 Mar, Good Friday 26, Easter Sunday 28, Easter Monday 29.
		{"Easter 2027", atOslo(2027, 3, 23, 9), "?limit=8", []any{"2027-03-24", "2027-03-27", "2027-03-30", "2027-03-31"}},
		// 17 May 2028 is a Wednesday; Ascension 2028 is 25 May.
		{"17 May", atOslo(2028, 5, 15, 9), "?limit=4", []any{"2028-05-16", "2028-05-18", "2028-05-19"}},
		{"Christmas", atOslo(2026, 12, 22, 9), "?limit=6", []any{"2026-12-23", "2026-12-24", "2026-12-28"}},
		{"New Year", atOslo(2026, 12, 30, 9), "?limit=4", []any{"2026-12-31", "2027-01-02"}},
		{"limit 1 on a Saturday", atOslo(2026, 6, 20, 9), "?limit=1", []any{}},
		{"limit 30", atOslo(2026, 6, 16, 10), "?limit=30", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.clock)
			r := e.do("POST", pathDates+tt.query, e.demo(), body)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			got := r.json(t)["dates"].([]any)
			if tt.want == nil {
				if len(got) != 26 { // 17 Jun - 16 Jul 2026: 4 Sundays, no holidays
					t.Errorf("limit 30 gave %d dates, want 26: %v", len(got), got)
				}
				return
			}
			assertDiff(t, "dates", tt.want, got)
		})
	}

	t.Run("uncovered address", func(t *testing.T) {
		e := newEnv(t)
		r := e.do("POST", pathDates, e.demo(), `{"shopId":16,"freightProductId":26,"zipCode":"9170","countryCode":"NO"}`)
		if r.Status != 400 || r.errorKey(t) != "no.carrier.support" {
			t.Fatalf("= %d %s", r.Status, r.Body)
		}
	})
}

// TestCoverage checks find/single per transport solution.
func TestCoverage(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	tests := []struct {
		ts      int
		zip     string
		status  int
		product string
	}{
		{23, "0468", 200, "HELTHJEM_MEGTILDEG"},
		{23, "9170", 400, ""},
		{2, "0468", 200, "HELTHJEM"},
		{2, "9170", 400, ""},
		{1, "0468", 200, "HELTHJEM"},
		{86, "0468", 200, "HELTHJEM_SHOP"},
		{86, "9170", 400, ""},
		{62, "0468", 200, "HELTHJEM_SHOP"},
		{23, "5003", 200, "HELTHJEM_MEGTILDEG"}, // Bergen
		{23, "7010", 200, "HELTHJEM_MEGTILDEG"}, // Trondheim
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("TS %d at %s", tt.ts, tt.zip), func(t *testing.T) {
			body := fmt.Sprintf(`{"shopId":16,"transportSolutionId":%d,"address":"x","zipCode":%q,"postalName":"x","countryCode":"NO"}`, tt.ts, tt.zip)
			r := e.do("POST", pathSingle, token, body)
			if r.Status != tt.status {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if tt.status == 400 {
				if r.errorKey(t) != "no.carrier.support" {
					t.Errorf("errorKey = %s", r.errorKey(t))
				}
				return
			}
			if got := r.json(t)["productName"]; got != tt.product {
				t.Errorf("productName = %v, want %s", got, tt.product)
			}
		})
	}
}

// TestNearbyOrdering: the 3 nearest by great-circle distance, in order;
// only the nearest when none is within 5 km; none beyond reach.
func TestNearbyOrdering(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	ask := func(t *testing.T, zip string, ts int) reply {
		return e.do("POST", pathNearby, token, fmt.Sprintf(`{"shopId":16,"transportSolutionId":%d,"zipCode":%q,"countryCode":"NO"}`, ts, zip))
	}
	ids := func(r reply) []string {
		var out []string
		fps := r.json(t)["freightProducts"].([]any)
		for _, sp := range fps[0].(map[string]any)["servicePoints"].([]any) {
			out = append(out, sp.(map[string]any)["servicePointExternalId"].(string))
		}
		return out
	}
	t.Run("three nearest within 5 km", func(t *testing.T) {
		for _, pc := range fx.PostalCodes {
			near := fx.Nearest(pc.Lat, pc.Lon, "helthjem", 3)
			if !pc.Pickup || near[0].DistanceKM > 5 {
				continue
			}
			r := ask(t, pc.Code, 113)
			want := []string{near[0].ID, near[1].ID, near[2].ID}
			assertDiff(t, "service points at "+pc.Code, want, ids(r))
			return
		}
		t.Fatal("the fixture has no pickup postal code within 5 km of a service point")
	})
	t.Run("the guide's consignor gets Joker Trondheimsveien first", func(t *testing.T) {
		if got := ids(ask(t, "0561", 113)); got[0] != "49003" {
			t.Errorf("nearest to 0561 = %v, want 49003 first, as the guide's TS 113 booking shows", got)
		}
	})
	t.Run("only the nearest beyond 5 km", func(t *testing.T) {
		for _, pc := range fx.PostalCodes {
			near := fx.Nearest(pc.Lat, pc.Lon, "helthjem", 3)
			if near[0].DistanceKM <= 5 || near[0].DistanceKM > 50 {
				continue
			}
			got := ids(ask(t, pc.Code, 113))
			assertDiff(t, "points at "+pc.Code, []string{near[0].ID}, got)
			return
		}
		t.Fatal("the fixture has no postal code 5-50 km from its nearest service point")
	})
	t.Run("Svalbard has none", func(t *testing.T) {
		r := ask(t, "9170", 113)
		if r.Status != 400 || r.errorKey(t) != "no.carrier.support" {
			t.Fatalf("= %d %s", r.Status, r.Body)
		}
	})
	t.Run("TS 62 lists Hentepakke and PostNord", func(t *testing.T) {
		r := ask(t, "0150", 62)
		var fps []float64
		for _, fp := range r.json(t)["freightProducts"].([]any) {
			fps = append(fps, fp.(map[string]any)["freightProductId"].(float64))
		}
		assertDiff(t, "freight products", []float64{55, 3}, fps)
	})
	t.Run("TS 115 is the medium/large product", func(t *testing.T) {
		fp := ask(t, "0468", 115).json(t)["freightProducts"].([]any)[0].(map[string]any)
		if fp["freightProductId"] != 93.0 {
			t.Errorf("freightProductId = %v, want 93 (inferred)", fp["freightProductId"])
		}
	})
}

// simulatedTS are the transport solutions the mock simulates, and
// pointTS those nearby answers for.
var (
	simulatedTS = []int{1, 2, 23, 62, 86, 113, 115}
	pointTS     = []int{1, 62, 86, 113, 115}
)

// registerSample is fixtures/testdata/register-sample.csv: real postal
// codes from every county, each labelled by hand covered or remote.
func registerSample(t testing.TB) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "fixtures", "testdata", "register-sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"postalCode", "postalName", "county", "expect"}; !slices.Equal(rows[0], want) {
		t.Fatalf("register sample header %v, want %v", rows[0], want)
	}
	return rows[1:]
}

// TestWholeNorway (issue 12): every real postal code answers 200 or
// no.carrier.support, for find/single on every simulated transport
// solution and for nearby on every one with service points; never
// invalid.zipCode (central Trondheim, Jevnaker, 3050, 4631, 3370, 6800
// and 8006 got "unknown Norwegian postal code"). A remote code answers
// no.carrier.support everywhere, a covered one has service points.
func TestWholeNorway(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	rows := registerSample(t)
	counties := map[string]bool{}
	for _, row := range rows {
		counties[row[2]] = true
	}
	if len(rows) < 100 || len(counties) < 17 {
		t.Fatalf("the sample has %d codes in %d counties, want at least 100 in all 15 and Svalbard and Jan Mayen", len(rows), len(counties))
	}
	ask := func(path string, ts int, zip string) reply {
		return e.do("POST", path, token, fmt.Sprintf(`{"shopId":16,"transportSolutionId":%d,"address":"x","zipCode":%q,"postalName":"x","countryCode":"NO"}`, ts, zip))
	}
	for _, row := range rows {
		zip, place, county, expect := row[0], row[1], row[2], row[3]
		t.Run(zip+" "+place+" ("+county+")", func(t *testing.T) {
			var ok200 []string
			check := func(what string, r reply) {
				t.Helper()
				switch {
				case r.Status == 200 && expect == "remote":
					t.Errorf("%s: 200 at a remote code: %s", what, r.Body)
				case r.Status == 200:
					ok200 = append(ok200, what)
				case r.Status != 400 || r.errorKey(t) != "no.carrier.support":
					t.Errorf("%s: %d %s, want 200 or 400 no.carrier.support", what, r.Status, r.Body)
				}
			}
			for _, ts := range simulatedTS {
				check(fmt.Sprintf("find/single TS %d", ts), ask(pathSingle, ts, zip))
			}
			for _, ts := range pointTS {
				check(fmt.Sprintf("nearby TS %d", ts), ask(pathNearby, ts, zip))
			}
			if expect == "covered" && !slices.Contains(ok200, "find/single TS 86") {
				t.Errorf("a covered code without a Helthjem service point; 200 for %v", ok200)
			}
		})
	}

	t.Run("the issue's codes", func(t *testing.T) {
		for _, tc := range []struct {
			zip    string
			ts     []int // answering 200
			uncov  []int // answering no.carrier.support
			reason string
		}{
			{"7011", simulatedTS, nil, "central Trondheim, Munkegata 1: doorstep pickup"},
			{"4631", simulatedTS, nil, "Kristiansand: doorstep pickup"},
			{"6800", simulatedTS, nil, "Førde: doorstep pickup"},
			{"8006", simulatedTS, nil, "Bodø: doorstep pickup"},
			{"3520", []int{1, 2, 62, 86, 113, 115}, []int{23}, "Jevnaker: home delivery"},
			{"3050", []int{1, 2, 62, 86, 113, 115}, []int{23}, "Mjøndalen: home delivery"},
			{"3370", []int{1, 2, 62, 86, 113, 115}, []int{23}, "Vikersund: home delivery"},
			{"9170", nil, simulatedTS, "Longyearbyen, Svalbard: nothing"},
			{"4180", nil, simulatedTS, "Kvitsøy, an island reached by ferry only: nothing, though Stavanger's points are within 50 km"},
		} {
			for _, ts := range tc.ts {
				if r := ask(pathSingle, ts, tc.zip); r.Status != 200 {
					t.Errorf("%s (%s) TS %d: %d %s, want 200", tc.zip, tc.reason, ts, r.Status, r.Body)
				}
			}
			for _, ts := range tc.uncov {
				if r := ask(pathSingle, ts, tc.zip); r.Status != 400 || r.errorKey(t) != "no.carrier.support" {
					t.Errorf("%s (%s) TS %d: %d %s, want 400 no.carrier.support", tc.zip, tc.reason, ts, r.Status, r.Body)
				}
			}
		}
	})

	t.Run("a code not in the register", func(t *testing.T) {
		for _, zip := range []string{"0000", "0002", "9999"} {
			for _, ts := range simulatedTS {
				r := ask(pathSingle, ts, zip)
				if r.Status != 400 || r.errorKey(t) != "invalid.zipCode" || !strings.Contains(string(r.Body), `"zipCode"`) {
					t.Errorf("%s TS %d: %d %s, want 400 invalid.zipCode naming zipCode", zip, ts, r.Status, r.Body)
				}
			}
		}
	})
}
