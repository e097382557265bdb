package sim_test

import (
	"path/filepath"
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
