package personal

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// TestSpecMarksEveryPersonalProperty (journal redaction by a hand-kept
// list): the journal's redaction was a list of key names kept by hand,
// which missed the c/o name (`co`) of the coverage requests, nearby's
// `streetAddress` and every `postalName` (the guide's consignor has a
// street address there). It now comes from the spec's x-personal marks, so
// every property of spec/helthjem.yaml whose name looks personal must
// carry one, true or false: a property added to the spec cannot be
// forgotten. The properties that hold personal data under other names are
// pinned as marked personal.
func TestSpecMarksEveryPersonalProperty(t *testing.T) {
	api, err := validate.Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	mustBePersonal := map[string]bool{
		"co": true, "reference": true, "messageToCarrier": true, "messageToConsignee": true,
		"name": true, "customer name": true, "customerName": true, "contact": true,
		"address": true, "coaddress": true, "detailedAddress": true, "streetAddress": true,
		"phone1": true, "phone2": true, "email": true,
	}
	found := map[string]bool{}
	Walk(api, func(_ Direction, where, name string, p *openapi3.SchemaRef) {
		personal, marked := Mark(p)
		if LooksPersonal(Name(name)) && !marked {
			t.Errorf("%s.%s looks personal but has no %s: mark it true or false", where, name, Ext)
		}
		if mustBePersonal[name] {
			found[name] = true
			if !personal {
				t.Errorf("%s.%s holds personal data but is not marked %s: true", where, name, Ext)
			}
		}
	})
	for name := range mustBePersonal {
		if !found[name] {
			t.Errorf("property %q is in no operation of the spec", name)
		}
	}
}

// TestKeys: what the journal and cassettes redact, by key and direction:
// what the spec marks, secrets, and a key the spec does not have by its
// name.
func TestKeys(t *testing.T) {
	api, err := validate.Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	keys := New(api)
	for _, tc := range []struct {
		key             string
		request, answer bool
	}{
		{"name", true, true}, {"customer name", true, true}, {"Customer_Name", true, true}, {"co", true, true},
		{"phone1", true, true}, {"detailedAddress", true, true}, {"postalName", true, true},
		{"reference", true, true}, {"messageToConsignee", true, true},
		{"client_secret", true, true}, {"token", true, true}, {"access_token", true, true},
		// A client's own keys the spec does not have: by their names.
		{"mobile", true, true}, {"firstName", true, true}, {"e-mail", true, true}, {"homeAddress", true, true},
		{"comment", false, false},
		// The spec's own keys, not personal.
		{"zipCode", false, false}, {"countryCode", false, false}, {"shopId", false, false},
		{"trackingReference", false, false}, {"contents", false, false},
		// Marked false in answers only (a service point's, a product's):
		// kept there, redacted when a client puts them in a request.
		{"servicePointName", true, false}, {"productName", true, false}, {"handoverStreetName", true, false},
		{"streetName", true, false}, {"visitingAddress", true, false},
	} {
		for _, d := range []struct {
			in   Direction
			want bool
		}{{Request, tc.request}, {Answer, tc.answer}} {
			if got := Secret(tc.key) || keys.Personal(d.in, tc.key); got != d.want {
				t.Errorf("Secret||Personal(%d, %q) = %v, want %v", d.in, tc.key, got, d.want)
			}
		}
	}
}

// TestAnswerOnlyFalseMarkKeptInRequests (a client's streetName kept in
// the journal): the marks were one flag per key across the spec, so a
// service point's streetName or visitingAddress, marked false in answers,
// was kept when a client sent the key in its own party. A false mark now
// keeps a key only in the direction whose schemas carry it: every key the
// spec marks false in answers and not in requests is personal in a
// request.
func TestAnswerOnlyFalseMarkKeptInRequests(t *testing.T) {
	api, err := validate.Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	keys := New(api)
	inRequest := map[string]bool{}
	falseInAnswer := map[string]bool{}
	Walk(api, func(in Direction, _, name string, p *openapi3.SchemaRef) {
		personal, marked := Mark(p)
		switch {
		case in == Request:
			inRequest[Name(name)] = true
		case marked && !personal && LooksPersonal(Name(name)):
			falseInAnswer[name] = true
		}
	})
	if len(falseInAnswer) < 3 {
		t.Fatalf("only %d answer properties marked false: the test checks too little", len(falseInAnswer))
	}
	for name := range falseInAnswer {
		if inRequest[Name(name)] {
			continue
		}
		if !keys.Personal(Request, name) {
			t.Errorf("%q, marked false only in answers, is kept in a request body", name)
		}
		if keys.Personal(Answer, name) {
			t.Errorf("%q, marked false in answers, is redacted in an answer", name)
		}
	}
}
