package sim_test

import (
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mockhelthjem/mockhelthjem/spec"
)

// TestBookingBounds (issue 11, requirement 1): every string and array a
// booking stores is bounded in spec/helthjem.yaml, so the spec refuses a
// request that would make an order arbitrarily large. A booking stores
// its request as decoded (unknown keys are dropped), so the bound must be
// on every schema BookingRequest reaches that admits a string or an
// array: maxLength (or an enum) and maxItems.
func TestBookingBounds(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(spec.Helthjem)
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Components.Schemas["BookingRequest"]
	if root == nil {
		t.Fatal("no BookingRequest schema")
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(path string, s *openapi3.Schema)
	walk = func(path string, s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		typed := s.Type != nil && len(s.Type.Slice()) > 0
		branches := append(append(append(openapi3.SchemaRefs{}, s.AnyOf...), s.OneOf...), s.AllOf...)
		switch {
		case !typed && len(branches) == 0:
			t.Errorf("%s: no type, so any string or array", path)
		case s.Type.Is(openapi3.TypeString) && s.MaxLength == nil && len(s.Enum) == 0:
			t.Errorf("%s: a string without maxLength", path)
		case s.Type.Is(openapi3.TypeArray) && s.MaxItems == nil:
			t.Errorf("%s: an array without maxItems", path)
		case s.Type.Is(openapi3.TypeObject) && s.AdditionalProperties.Schema != nil:
			t.Errorf("%s: additional properties are kept", path)
		}
		for i, b := range branches {
			walk(path+"|"+string(rune('0'+i)), b.Value)
		}
		if s.Items != nil {
			walk(path+"[]", s.Items.Value)
		}
		names := make([]string, 0, len(s.Properties))
		for name := range s.Properties {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			walk(path+"."+name, s.Properties[name].Value)
		}
	}
	walk("BookingRequest", root.Value)
}
