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
	Walk(api, func(where, name string, p *openapi3.SchemaRef) {
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

// TestKeys: what the journal and cassettes redact, by key: what the spec
// marks, secrets, and a key the spec does not have by its name.
func TestKeys(t *testing.T) {
	api, err := validate.Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	keys := New(api)
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"name", true}, {"customer name", true}, {"Customer_Name", true}, {"co", true}, {"phone1", true},
		{"detailedAddress", true}, {"postalName", true}, {"reference", true}, {"messageToConsignee", true},
		{"client_secret", true}, {"token", true}, {"access_token", true},
		// A client's own keys the spec does not have: by their names.
		{"mobile", true}, {"firstName", true}, {"e-mail", true}, {"homeAddress", true}, {"comment", false},
		// The spec's own keys, not personal.
		{"zipCode", false}, {"countryCode", false}, {"shopId", false}, {"servicePointName", false},
		{"productName", false}, {"trackingReference", false}, {"contents", false}, {"handoverStreetName", false},
	} {
		if got := Secret(tc.key) || keys.Personal(tc.key); got != tc.want {
			t.Errorf("Secret||Personal(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}
