package sim_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// TestGuideReplay sends every request of the carrier's C2C guide, byte for
// byte as the guide writes it (testdata/guide/*.request.json, copied from
// the guide), and compares the answers with golden files.
func TestGuideReplay(t *testing.T) {
	e := newEnv(t)
	// The guide's own placeholder credentials are a client of the default
	// fixtures, so its token request works as written.
	tok := e.do("POST", "/auth/oauth2/v1/token", "", guideRequest(t, "token"))
	golden(t, "guide/token", tok)
	token := tok.json(t)["token"].(string)

	steps := []struct {
		name, path string
	}{
		{"find-single", "/parcels/v1/addresses/find/single"},
		{"nearby", "/parcels/v1/service-points/nearby/"}, // the guide's trailing slash
		{"dates", "/parcels/v1/addresses/find/single/dates"},
		{"booking-23", "/parcels/v1/bookings"},
		{"booking-113", "/parcels/v1/bookings"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := e.do("POST", st.path, token, guideRequest(t, st.name))
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			golden(t, "guide/"+st.name, r)
		})
	}
}

func guideRequest(t testing.TB, name string) []byte {
	return readFile(t, filepath.Join("testdata", "guide", name+".request.json"))
}

// TestGuideAnswers pins the values the guide shows, beyond the golden files.
func TestGuideAnswers(t *testing.T) {
	e := newEnv(t)
	token := e.demo()

	single := e.do("POST", "/parcels/v1/addresses/find/single", token, guideRequest(t, "find-single")).json(t)
	if single["productName"] != "HELTHJEM_MEGTILDEG" || single["handoverCity"] != "OSLO" {
		t.Errorf("find/single = %v, want HELTHJEM_MEGTILDEG in OSLO", single)
	}

	dates := e.do("POST", "/parcels/v1/addresses/find/single/dates", token, guideRequest(t, "dates")).json(t)
	want := []any{"2026-06-17", "2026-06-18", "2026-06-19", "2026-06-20", "2026-06-22", "2026-06-23",
		"2026-06-24", "2026-06-25", "2026-06-26", "2026-06-27", "2026-06-29", "2026-06-30"}
	assertDiff(t, "dates", want, dates["dates"])

	nearby := e.do("POST", "/parcels/v1/service-points/nearby/", token, guideRequest(t, "nearby")).json(t)
	fp := nearby["freightProducts"].([]any)[0].(map[string]any)
	if fp["freightProductId"] != 92.0 || fp["freightName"] != "Helthjem C2C via butikk - small" || fp["transporterId"] != 113.0 {
		t.Errorf("freight product = %v", fp)
	}

	b113 := e.do("POST", "/parcels/v1/bookings", token, guideRequest(t, "booking-113")).json(t)
	parties := b113["parties"].([]any)
	if len(parties) != 3 {
		t.Fatalf("TS 113 booking has %d parties, want consignee, consignor and servicePoint", len(parties))
	}
	sp := parties[2].(map[string]any)
	if sp["type"] != "servicePoint" || sp["id"] != "49003" || sp["name"] != "Joker Trondheimsveien" ||
		sp["address"] != "TRONDHEIMSVEIEN 26" || sp["zipCode"] != "0560" || sp["postalName"] != "OSLO" {
		t.Errorf("third party = %v, want Joker Trondheimsveien as in the guide", sp)
	}
	if b113["freightProductId"] != 92.0 {
		t.Errorf("TS 113 freightProductId = %v, want 92", b113["freightProductId"])
	}
	props := b113["properties"].(map[string]any)
	if props["distributionDate"] != "20260617" || props["servicePointType"] != "RETAILER" {
		t.Errorf("properties = %v", props)
	}
}

// TestGuideAnswersAsWritten holds the mock's answers to the guide's
// requests against the guide's own responses (the copies in
// internal/validate/testdata/guide): every value the guide shows is the
// mock's, but for the ids and codes the mock generates. The guide trims
// some answers, so the mock may say more. Issue 12, finding 8: its nearby
// answer lists Joker Trondheimsveien 49003 first, and its TS 113 booking
// shows 49003's routing block (routeAddress "TRONDHEIMSVEIEN 26 A",
// routing "107-12", ...), which the mock derived differently.
func TestGuideAnswersAsWritten(t *testing.T) {
	e := newEnv(t)
	token := e.token("your-client-id", "your-secret") // the guide's shop, "Testbutikken Helthjem"
	for _, st := range []struct{ name, path string }{
		{"token", pathToken},
		{"find-single", pathSingle},
		{"nearby", pathNearby + "/"},
		{"dates", pathDates},
		// Not booking-23: the guide's answer has other parties than its
		// request (reference notes §3.4).
		{"booking-113", pathBooking},
	} {
		t.Run(st.name, func(t *testing.T) {
			var want, got any
			if err := json.Unmarshal(readFile(t, filepath.Join("..", "validate", "testdata", "guide", st.name+".response.json")), &want); err != nil {
				t.Fatal(err)
			}
			r := e.do("POST", st.path, token, guideRequest(t, st.name))
			if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			for _, d := range shownDiffs("$", want, got) {
				t.Error(d)
			}
		})
	}
}

// shownDiffs lists where got differs from what want shows: every key of
// an object in want, every element of an array in want (got may have more
// elements and keys), values equal, except generated keys.
func shownDiffs(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %v, want an object", path, got)}
		}
		var out []string
		for k, wv := range w {
			gv, ok := g[k]
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s.%s: missing", path, k))
			case generated[k] != nil:
			default:
				out = append(out, shownDiffs(path+"."+k, wv, gv)...)
			}
		}
		sort.Strings(out)
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) < len(w) {
			return []string{fmt.Sprintf("%s: got %v, want at least %d elements", path, got, len(w))}
		}
		var out []string
		for i := range w {
			out = append(out, shownDiffs(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: got %v, want %v (as the guide shows)", path, got, want)}
	}
	return nil
}
