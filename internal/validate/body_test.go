package validate

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// asAny reads v through the Body API as encoding/json decodes into an
// any with UseNumber: objects as maps (a key sent twice: the last one),
// numbers as their text.
func asAny(v Value) any {
	switch v.Kind() {
	case Null:
		return nil
	case Bool:
		return string(v.Raw()) == "true"
	case Number:
		return json.Number(v.Raw())
	case String:
		return v.Text()
	case Object:
		m := map[string]any{}
		n := 0
		v.Members(func(k []byte, val Value) bool {
			m[string(k)] = asAny(val)
			n++
			return true
		})
		if n != v.Len() {
			panic("Members and Len disagree")
		}
		return m
	}
	list := []any{}
	v.Elements(func(e Value) bool {
		list = append(list, asAny(e))
		return true
	})
	if len(list) != v.Len() {
		panic("Elements and Len disagree")
	}
	return list
}

// FuzzBody: a body read through Body holds what encoding/json decodes.
//
//	go test ./internal/validate -run '^$' -fuzz '^FuzzBody$' -fuzztime 1m
func FuzzBody(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":[1,-2.5e+3,true,false,null,"x"],"a":{"b":[]}}`, `"\u00e6\ud83d\ude00\ud800\udc00\udc00"`,
		"{\"\xff\xfe k\":\"\xff\xfe a\"}", `{"\u0061":1,"a":2}`, `[[[{"x":[{}]}]],{"y":"\/"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil || dec.More() || !json.Valid(b) {
			return
		}
		c := checkers.Get().(*checker)
		if err := c.t.parse(b); err != nil {
			t.Fatal(err)
		}
		body := &c.body
		body.c = c
		defer body.Release()
		if diff := cmp.Diff(want, asAny(body.Root())); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
}

// TestRequestBody: a request that passes hands back its body, one that
// fails (its body or a parameter) or has none does not, and Request
// itself keeps nothing.
func TestRequestBody(t *testing.T) {
	v, err := Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, body string
		want             any
		fails            bool
	}{
		{"passes", "/parcels/v1/addresses/find/single", `{"shopId":"16","transportSolutionId":23,"address":"Gate 1","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`,
			map[string]any{"shopId": "16", "transportSolutionId": json.Number("23"), "address": "Gate 1", "zipCode": "0468", "postalName": "Oslo", "countryCode": "NO"}, false},
		{"fails", "/parcels/v1/addresses/find/single", `{"shopId":"16"}`, nil, true},
		{"not JSON", "/parcels/v1/addresses/find/single", `{"shopId":`, nil, true},
		{"with a parameter", "/parcels/v1/addresses/find/single/dates?limit=5", `{"shopId":"16","transportSolutionId":23,"freightProductId":26,"address":"Gate 1","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`,
			map[string]any{"shopId": "16", "transportSolutionId": json.Number("23"), "freightProductId": json.Number("26"), "address": "Gate 1", "zipCode": "0468", "postalName": "Oslo", "countryCode": "NO"}, false},
		{"a parameter fails", "/parcels/v1/addresses/find/single/dates?limit=99", `{"shopId":"16","transportSolutionId":23,"freightProductId":26,"address":"Gate 1","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
			rt, aerr := v.Find(r)
			if aerr != nil {
				t.Fatal(aerr)
			}
			b, aerr := v.RequestBody(r.Context(), r, rt, []byte(tc.body))
			defer b.Release()
			if (aerr != nil) != tc.fails || (b == nil) != tc.fails {
				t.Fatalf("RequestBody = %v, %v", b, aerr)
			}
			if b != nil {
				if diff := cmp.Diff(tc.want, asAny(b.Root())); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}
