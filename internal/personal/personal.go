// Package personal tells which keys of Helthjem's JSON bodies hold personal
// data or secrets. The personal keys are read once from the x-personal
// marks of spec/helthjem.yaml, so the mock's request journal
// (internal/sim) and contracttest's cassettes (internal/contract) redact
// by one list that a property added to the spec cannot escape.
//
// It is not a redactor: it classifies key names, and each caller replaces
// values in its own way ("<redacted>" in the journal, "<personal data>" in
// a cassette).
package personal

import (
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// Ext marks a property of spec/helthjem.yaml whose value is personal data:
// `x-personal: true` (names, phone numbers, e-mail and street addresses,
// free text addressed to people, references), or `x-personal: false` for
// one whose name looks personal but is not (a service point's name, a
// product's). A property whose name looks personal must carry it either
// way (TestSpecMarksEveryPersonalProperty).
const Ext = "x-personal"

// secretKeys are the keys whose values are secrets, by Name: never kept,
// whatever the spec says.
var secretKeys = []string{"clientsecret", "secret", "password", "token", "accesstoken", "authorization"}

// personalWords are what a key that looks personal contains, by Name.
var personalWords = []string{"name", "phone", "mobile", "mail", "address", "street", "contact"}

// Keys tells, by Name, whether a key's value is personal data: a key the
// spec marks personal on any property (a key is personal wherever it
// appears, so a service point's postalName goes with a person's). A key
// the spec has but does not mark is not; a key the spec does not have is
// personal when its name looks personal (a client's own "mobile" or
// "firstName"). The zero Keys knows no spec and judges every key by its
// name.
type Keys struct {
	marked map[string]bool
}

// New reads the marks of every property that an operation of v reads or
// answers. Run it once; lookups are a map read.
func New(v *validate.Validator) Keys {
	keys := Keys{marked: map[string]bool{}}
	Walk(v, func(_, name string, p *openapi3.SchemaRef) {
		k := Name(name)
		personal, marked := Mark(p)
		if !marked {
			personal = LooksPersonal(k) // TestSpecMarksEveryPersonalProperty fails first
		}
		keys.marked[k] = keys.marked[k] || personal
	})
	return keys
}

// Personal reports whether the value of key name is personal data.
func (keys Keys) Personal(name string) bool {
	k := Name(name)
	if p, known := keys.marked[k]; known {
		return p
	}
	return LooksPersonal(k)
}

// Secret reports whether the value of key name is a secret or a token
// (client_secret, access_token, Authorization).
func Secret(name string) bool {
	return slices.Contains(secretKeys, Name(name))
}

// Name is a key compared in lower case without spaces, '_' or '-'
// ("customer name", client_secret).
func Name(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-':
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// LooksPersonal reports whether a key, by Name, looks like it holds
// personal data.
func LooksPersonal(k string) bool {
	for _, w := range personalWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Mark reads a property's x-personal, written beside a $ref or in the
// property's own schema: whether it is personal, and whether it is marked
// at all.
func Mark(p *openapi3.SchemaRef) (personal, marked bool) {
	v, marked := p.Extensions[Ext]
	if !marked && p.Value != nil {
		v, marked = p.Value.Extensions[Ext]
	}
	personal, _ = v.(bool)
	return personal, marked
}

// Walk calls visit for every property of every schema that an operation
// of v reads or answers, at any depth, once per schema; where names the
// property's schema for messages ("PartyIn", or the operationId for one
// written in place).
func Walk(v *validate.Validator, visit func(where, name string, p *openapi3.SchemaRef)) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		if ref.Ref != "" {
			where = ref.Ref[strings.LastIndexByte(ref.Ref, '/')+1:]
		}
		s := ref.Value
		seen[s] = true
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			visit(where, name, s.Properties[name])
			walk(where+"."+name, s.Properties[name])
		}
		walk(where+"[]", s.Items)
		walk(where, s.Not)
		walk(where, s.AdditionalProperties.Schema)
		for _, refs := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range refs {
				walk(where, r)
			}
		}
	}
	content := func(where string, c openapi3.Content) {
		for _, mt := range c {
			if mt != nil {
				walk(where, mt.Schema)
			}
		}
	}
	ids := v.OperationIDs()
	slices.Sort(ids)
	for _, id := range ids {
		op := v.Operation(id)
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			content(id+" request", op.RequestBody.Value.Content)
		}
		if op.Responses == nil {
			continue
		}
		for status, res := range op.Responses.Map() {
			if res.Value != nil {
				content(id+" "+status, res.Value.Content)
			}
		}
	}
}
