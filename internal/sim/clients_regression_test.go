package sim_test

import (
	"testing"
)

// TestEmptyStringMeasureIsNotGiven: `"volume": ""`, which Helthjem's own
// coverage demo (helthjem/helthjem.github.io, generate_token.js and
// map.js) sends beside `"weight": "1000"`, was refused with 400
// invalid.request ("must be a number or a string of digits"). An empty
// string is now a measure not given, as null is, wherever a measure is
// taken; anything else that is not digits is still refused.
func TestEmptyStringMeasureIsNotGiven(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	accepted := []struct{ name, path, body string }{
		{"find/single volume and co empty, ids and weight strings", pathSingle,
			`{"shopId":"16","transportSolutionId":"1","customerName":"Ken","countryCode":"NO","address":"Moldegata 5","zipCode":"0468","postalName":"Oslo","co":"","weight":"1000","volume":""}`},
		{"find/single weight empty", pathSingle,
			`{"shopId":16,"transportSolutionId":2,"address":"Moldegata 5","zipCode":"0468","postalName":"Oslo","countryCode":"NO","weight":""}`},
		{"nearby weight and volume empty", pathNearby,
			`{"shopId":"16","transportSolutionId":"86","countryCode":"NO","zipCode":"0468","weight":"","volume":""}`},
		{"dates weight empty", pathDates,
			`{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO","weight":""}`},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			if r := e.do("POST", tt.path, token, tt.body); r.Status != 200 {
				t.Fatalf("= %d %s, want 200", r.Status, r.Body)
			}
		})
	}

	t.Run("booking item measures empty", func(t *testing.T) {
		r := e.do("POST", pathBooking, token, booking(t, 113, func(b map[string]any) {
			it := item(b, 0)
			it["weight"], it["width"], it["height"], it["length"], it["volume"] = "", "", "", "", ""
		}))
		if r.Status != 200 {
			t.Fatalf("= %d %s, want 200", r.Status, r.Body)
		}
		got := firstItem(r.json(t))
		for _, k := range []string{"weight", "width", "height", "length", "volume"} {
			if got[k] != nil {
				t.Errorf("answer %s = %v, want null (not given)", k, got[k])
			}
		}
	})

	refused := []struct{ name, body string }{
		{"a space", `{"shopId":16,"transportSolutionId":2,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO","volume":" "}`},
		{"letters", `{"shopId":16,"transportSolutionId":2,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO","weight":"1kg"}`},
		{"empty id", `{"shopId":"","transportSolutionId":2,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`},
	}
	for _, tt := range refused {
		t.Run("still refused: "+tt.name, func(t *testing.T) {
			r := e.do("POST", pathSingle, token, tt.body)
			if r.Status != 400 || r.errorKey(t) != "invalid.request" {
				t.Fatalf("= %d %s, want 400 invalid.request", r.Status, r.Body)
			}
		})
	}
}
