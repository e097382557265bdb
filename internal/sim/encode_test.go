package sim

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// trickyStrings are strings whose JSON encoding has a rule of its own.
var trickyStrings = []string{
	"", "plain", "Vækerøveien 164d", `"quoted" \back\slash/`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "\u2028\u2029 separators", "invalid \xff\xfe utf-8 \xc3", "cut four-byte \xf0\x9f\x98",
	"emoji 😀", "\ufffd", "øæå ÆØÅ", " 47 980 50 370", "49003", "null",
}

// randomString is one of trickyStrings, or random bytes.
func randomString(r *rand.Rand) string {
	if r.IntN(3) > 0 {
		return trickyStrings[r.IntN(len(trickyStrings))]
	}
	b := make([]byte, r.IntN(12))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

func randomNullString(r *rand.Rand) *string {
	if r.IntN(4) == 0 {
		return nil
	}
	return ptr(randomString(r))
}

var trickyNumbers = []float64{0, math.Copysign(0, -1), 1, -1, 12, 1000, 0.5, 1e-7, 1e21, 1e300, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64}

func randomFlexNum(r *rand.Rand) flexNum {
	switch r.IntN(3) {
	case 0:
		return flexNum{}
	case 1:
		return flexNum{V: trickyNumbers[r.IntN(len(trickyNumbers))], Set: true}
	}
	return flexNum{V: (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(40)-20)), Set: true}
}

var trickyRaw = []json.RawMessage{nil, json.RawMessage("null"), json.RawMessage("49003"), json.RawMessage(`"49003"`),
	json.RawMessage(`"a<b>&c"`), json.RawMessage(`"\u2028 \u2029"`), json.RawMessage("\"\u2028\""), json.RawMessage(`"with space"`), json.RawMessage(`-1.5e3`)}

func randomAnswer(r *rand.Rand) bookingResp {
	resp := bookingResp{ShipmentID: randomString(r), FreightProductID: r.IntN(200) - 10, OrderID: r.Int64() - r.Int64()}
	if r.IntN(8) > 0 {
		resp.AdditionalServices = []any{}
	}
	if r.IntN(8) > 0 {
		resp.Parties = []partyOut{}
		for range r.IntN(4) {
			resp.Parties = append(resp.Parties, partyOut{
				Type: randomString(r), ID: trickyRaw[r.IntN(len(trickyRaw))], Name: randomNullString(r),
				CountryCode: randomNullString(r), PostalName: randomNullString(r), ZipCode: randomNullString(r),
				Address: randomNullString(r), DetailedAddress: randomNullString(r), Phone1: randomNullString(r),
				Phone2: randomNullString(r), Email: randomNullString(r), Reference: randomNullString(r),
				Contact: randomNullString(r), Coaddress: randomNullString(r),
			})
		}
	}
	if r.IntN(8) > 0 {
		resp.Items = []itemOut{}
		for range r.IntN(4) {
			it := itemOut{
				ItemID: randomNullString(r), ItemNumber: r.Int64N(100) - 5, TrackingReference: randomString(r),
				ReturnCode: randomNullString(r), LinkedParcelType: randomNullString(r), LinkedTrackingReference: randomNullString(r),
				Weight: randomFlexNum(r), Volume: randomFlexNum(r), Length: randomFlexNum(r), Height: randomFlexNum(r), Width: randomFlexNum(r),
				ContentValue: randomNullString(r), ExternalSupplierID: randomNullString(r), Contents: randomNullString(r),
				Properties: itemProperties{ShortItemIdentifier: randomString(r)}, ExternalOrderID: randomNullString(r),
			}
			if r.IntN(8) > 0 {
				it.Articles = []any{}
			}
			resp.Items = append(resp.Items, it)
		}
	}
	p := &resp.Properties
	for _, f := range []**string{&p.AreaID, &p.DeliveryPointCarID, &p.DistributionDate, &p.FreightProductName, &p.MainCarNumber,
		&p.PickupZipString, &p.ProductName, &p.RegionID, &p.RetailerID, &p.RouteAddress, &p.RouteDescription, &p.RouteName,
		&p.RouteSeq, &p.RouteZipAndCity, &p.Routing, &p.RoutingDescription, &p.RoutingDetailed, &p.ServicePointType,
		&p.ShopName, &p.TransportNetID} {
		*f = randomNullString(r)
	}
	return resp
}

// checkAnswerEncoding fails unless appendJSON writes what json.Marshal
// writes, error for error.
func checkAnswerEncoding(t *testing.T, resp bookingResp) {
	t.Helper()
	want, werr := json.Marshal(resp)
	got, gerr := resp.appendJSON([]byte("prefix"))
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("json.Marshal error %v, appendJSON error %v", werr, gerr)
	}
	if werr == nil && !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("appendJSON differs from json.Marshal\n got: %s\nwant: prefix%s", got, want)
	}
}

// TestAnswerEncodingMatchesMarshal holds the booking answer's hand-written
// encoder to json.Marshal's bytes: random answers of tricky strings (HTML
// characters, control characters, line separators, invalid UTF-8), numbers
// (-0, tiny, huge), nulls, empty and nil lists, raw ids.
func TestAnswerEncodingMatchesMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		checkAnswerEncoding(t, randomAnswer(r))
	}
	// A list that is never empty in practice still encodes as Marshal does.
	resp := randomAnswer(r)
	resp.AdditionalServices = []any{"x", 1.5, nil}
	checkAnswerEncoding(t, resp)
}

func FuzzAnswerEncoding(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s, 1.5, []byte(`"49003"`))
	}
	f.Fuzz(func(t *testing.T, s string, v float64, id []byte) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return // not a JSON number: no request carries one
		}
		resp := bookingResp{ShipmentID: s, Parties: []partyOut{{Type: s, ID: id, Name: &s}},
			Items:      []itemOut{{TrackingReference: s, Weight: flexNum{V: v, Set: true}, Contents: &s, Properties: itemProperties{ShortItemIdentifier: s}}},
			Properties: bookingProps{ShopName: &s, Routing: &s}}
		checkAnswerEncoding(t, resp)
	})
}
