package sim_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

const (
	pathSingle  = "/parcels/v1/addresses/find/single"
	pathNearby  = "/parcels/v1/service-points/nearby"
	pathDates   = "/parcels/v1/addresses/find/single/dates"
	pathBooking = "/parcels/v1/bookings"
	pathToken   = "/auth/oauth2/v1/token"
)

// TestLenientInputs: what real clients send is accepted (notes §3).
func TestLenientInputs(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	tests := []struct {
		name, path, body string
	}{
		{"string shopId", pathSingle, `{"shopId":"16","transportSolutionId":23,"address":"Eksempelveien 12","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`},
		{"string transportSolutionId", pathSingle, `{"shopId":16,"transportSolutionId":"23","address":"Eksempelveien 12","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`},
		{"customer name with a space", pathSingle, `{"shopId":16,"transportSolutionId":23,"customer name":"A B","address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`},
		{"customerName", pathSingle, `{"shopId":16,"transportSolutionId":23,"customerName":"A B","address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`},
		{"nulls and unknown keys (PHP SDK body)", pathSingle, `{"shopId":16,"transportSolutionId":2,"customerName":null,"countryCode":"NO","postalName":"Oslo","zipCode":"0468","address":"x","partyId":null,"deliveryPointId":null,"co":null,"volume":null,"weight":null}`},
		{"string weight", pathSingle, `{"shopId":16,"transportSolutionId":2,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO","weight":"900"}`},
		{"lower-case country", pathSingle, `{"shopId":16,"transportSolutionId":2,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"no"}`},
		{"nearby with streetAddress", pathNearby, `{"shopId":16,"transportSolutionId":113,"zipCode":"0468","countryCode":"NO","streetAddress":"Eksempelveien 12"}`},
		{"nearby trailing slash", pathNearby + "/", `{"shopId":16,"transportSolutionId":86,"zipCode":"0468","countryCode":"NO"}`},
		{"dates string ids", pathDates, `{"shopId":"16","freightProductId":"26","zipCode":"0561","countryCode":"NO","coAddress":"x"}`},
		{"dates trailing slash", pathDates + "/", `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`},
		{"charset in content type", pathSingle, `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", tt.path, token, tt.body, "Content-Type", "application/json; charset=utf-8")
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
		})
	}
}

// TestBadInputs: each bad request gets its documented status and errorKey,
// an errorMap entry per problem without the submitted value, and leaves
// the state as it was.
func TestBadInputs(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	const secretValue = "Zx9SECRETVALUEqq" // must never be echoed
	tests := []struct {
		name, method, path, body, contentType string
		status                                int
		key                                   string
		fields                                []string
	}{
		{"malformed JSON", "POST", pathSingle, `{"shopId":16,`, "", 400, "failed.to.parse.request", []string{"body"}},
		{"not an object", "POST", pathSingle, `[1,2]`, "", 400, "invalid.request", nil},
		{"empty body", "POST", pathSingle, ``, "", 400, "invalid.request", []string{"body"}},
		{"wrong type shopId", "POST", pathSingle, `{"shopId":true,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`, "", 400, "invalid.request", []string{"shopId"}},
		{"letters in shopId", "POST", pathSingle, `{"shopId":"` + secretValue + `","transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`, "", 400, "invalid.request", []string{"shopId"}},
		{"missing zipCode and address", "POST", pathSingle, `{"shopId":16,"transportSolutionId":23,"postalName":"Oslo","countryCode":"NO"}`, "", 400, "invalid.request", []string{"zipCode", "address"}},
		{"wrong type zipCode", "POST", pathNearby, `{"shopId":16,"transportSolutionId":113,"zipCode":468,"countryCode":"NO"}`, "", 400, "invalid.request", []string{"zipCode"}},
		{"bad country code", "POST", pathNearby, `{"shopId":16,"transportSolutionId":113,"zipCode":"0468","countryCode":"` + secretValue + `"}`, "", 400, "invalid.request", []string{"countryCode"}},
		{"missing freightProductId", "POST", pathDates, `{"shopId":16,"zipCode":"0561","countryCode":"NO"}`, "", 400, "invalid.request", []string{"freightProductId"}},
		{"limit 0", "POST", pathDates + "?limit=0", `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`, "", 400, "invalid.request", []string{"limit"}},
		{"limit 31", "POST", pathDates + "?limit=31", `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`, "", 400, "invalid.request", []string{"limit"}},
		{"limit not a number", "POST", pathDates + "?limit=abc", `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`, "", 400, "invalid.request", []string{"limit"}},
		{"dates for another product", "POST", pathDates, `{"shopId":16,"freightProductId":92,"zipCode":"0561","countryCode":"NO"}`, "", 400, "invalid.freightProductId", []string{"freightProductId"}},
		{"unknown postal code", "POST", pathSingle, `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"0000","postalName":"Oslo","countryCode":"NO"}`, "", 400, "invalid.zipCode", []string{"zipCode"}},
		{"unsupported transport solution", "POST", pathSingle, `{"shopId":16,"transportSolutionId":999,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`, "", 400, "unsupported.transportSolutionId", []string{"transportSolutionId"}},
		{"oversized body", "POST", pathSingle, `{"address":"` + strings.Repeat("a", 1<<20) + `"}`, "", 413, "request.too.large", nil},
		{"form content type", "POST", pathSingle, `shopId=16`, "application/x-www-form-urlencoded", 415, "unsupported.media.type", []string{"Content-Type"}},
		{"text content type", "POST", pathBooking, `{}`, "text/plain", 415, "unsupported.media.type", []string{"Content-Type"}},
		{"wrong method", "GET", pathSingle, ``, "", 405, "method.not.allowed", nil},
		{"wrong method on booking", "DELETE", pathBooking, ``, "", 405, "method.not.allowed", nil},
		{"unknown path", "POST", "/parcels/v1/nope", `{}`, "", 404, "not.found", nil},
		{"unknown version", "GET", "/parcels/v2/tracking/fetch/x/NO/false", ``, "", 404, "not.found", nil},
		{"bad onlyLastEvent", "GET", "/parcels/v1/tracking/fetch/T-NXXW9/NO/maybe", ``, "", 400, "invalid.request", []string{"onlyLastEvent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.state()
			hdr := []string{}
			if tt.contentType != "" {
				hdr = append(hdr, "Content-Type", tt.contentType)
			}
			var body any
			if tt.body != "" {
				body = tt.body
			}
			r := e.do(tt.method, tt.path, token, body, hdr...)
			if r.Status != tt.status {
				t.Fatalf("status = %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			m := r.json(t)
			if m["errorKey"] != tt.key {
				t.Errorf("errorKey = %v, want %s", m["errorKey"], tt.key)
			}
			if m["statusCode"] != float64(tt.status) {
				t.Errorf("statusCode = %v, want %d", m["statusCode"], tt.status)
			}
			errMap, _ := m["errorMap"].(map[string]any)
			for _, f := range tt.fields {
				if _, ok := errMap[f]; !ok {
					t.Errorf("errorMap %v has no entry for %s", errMap, f)
				}
			}
			if strings.Contains(string(r.Body), secretValue) {
				t.Errorf("the error echoes the submitted value: %s", r.Body)
			}
			if after := e.state(); after != before {
				t.Errorf("state changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestAuth covers the bearer token's failure modes.
func TestAuth(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	other := e.token("demo2", "demo2-secret") // shop 17 only
	body := `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`
	parts := strings.Split(token, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"shops":[16]`, `"shops":[16,17]`, 1))) + "." + parts[2]

	tests := []struct {
		name   string
		header string
		status int
		key    string
	}{
		{"no header", "", 401, "authentication.missing"},
		{"wrong scheme", "Basic ZGVtbzpkZW1vLXNlY3JldA==", 401, "authentication.invalid"},
		{"bearer without token", "Bearer ", 401, "authentication.invalid"},
		{"malformed", "Bearer not-a-jwt", 401, "authentication.invalid"},
		{"bad signature", "Bearer " + parts[0] + "." + parts[1] + ".AAAA" + parts[2][4:], 401, "authentication.invalid"},
		{"forged claims", "Bearer " + forged, 401, "authentication.invalid"},
		{"other shop", "Bearer " + other, 403, "no.access.shop.id"},
		{"lower-case scheme", "bearer " + token, 200, ""},
		{"valid", "Bearer " + token, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", pathSingle, "", body, "Authorization", tt.header)
			if r.Status != tt.status {
				t.Fatalf("status = %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.key != "" && r.errorKey(t) != tt.key {
				t.Errorf("errorKey = %s, want %s", r.errorKey(t), tt.key)
			}
		})
	}

	t.Run("expired after advance", func(t *testing.T) {
		e := newEnv(t)
		token := e.demo()
		e.advance("23h59m")
		if r := e.do("POST", pathSingle, token, body); r.Status != 200 {
			t.Fatalf("a 23h59m old token: %d %s", r.Status, r.Body)
		}
		e.advance("1m")
		r := e.do("POST", pathSingle, token, body)
		if r.Status != 401 || r.errorKey(t) != "authentication.expired" {
			t.Fatalf("a 24h old token: %d %s", r.Status, r.Body)
		}
	})

	t.Run("token endpoint", func(t *testing.T) {
		for _, tt := range []struct {
			name, body string
			status     int
			key        string
		}{
			{"wrong secret", `{"client_id":"demo","client_secret":"nope","grant_type":"client_credentials"}`, 401, "authentication.failed"},
			{"unknown client", `{"client_id":"nobody","client_secret":"x","grant_type":"client_credentials"}`, 401, "authentication.failed"},
			{"wrong grant_type", `{"client_id":"demo","client_secret":"demo-secret","grant_type":"password"}`, 400, "unsupported.grant.type"},
			{"missing grant_type", `{"client_id":"demo","client_secret":"demo-secret"}`, 400, "invalid.request"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do("POST", pathToken, "", tt.body)
				if r.Status != tt.status || r.errorKey(t) != tt.key {
					t.Fatalf("= %d %s, want %d %s", r.Status, r.Body, tt.status, tt.key)
				}
				if strings.Contains(string(r.Body), "nope") {
					t.Errorf("error echoes the secret: %s", r.Body)
				}
			})
		}
	})

	t.Run("claims", func(t *testing.T) {
		var c struct {
			Sub   string  `json:"sub"`
			Shops []int64 `json:"shops"`
			Iat   int64   `json:"iat"`
			Exp   int64   `json:"exp"`
			Jti   string  `json:"jti"`
		}
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Fatal(err)
		}
		if c.Sub != "demo" || len(c.Shops) != 1 || c.Shops[0] != 16 || c.Iat != guideClock.Unix() || c.Exp-c.Iat != 86400 || len(c.Jti) != 16 {
			t.Errorf("claims = %+v", c)
		}
		hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if !strings.Contains(string(hdr), `"alg":"HS256"`) {
			t.Errorf("header = %s, want HS256", hdr)
		}
	})
}
