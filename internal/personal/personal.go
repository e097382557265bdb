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

// Direction is where a body goes: a request to the carrier or its
// answer. The spec marks a property in the schemas of one of them, and a
// key may be marked `false` in answers (a service point's streetName)
// while a client sends it, unknown to the spec, inside its own party.
type Direction int

const (
	Request Direction = iota
	Answer
)

// Keys tells, by Name, whether a key's value is personal data in a
// request or in an answer. A key the spec marks `true` on any property is
// personal in both, wherever it appears (a service point's postalName goes
// with a person's). A key marked `false` is kept only in the direction
// whose schemas mark it so: the spec vouches for an answer's streetName,
// never for one a client adds to a request. Any other key is personal when
// its name looks personal (a client's own "mobile" or "firstName"). The
// zero Keys knows no spec and judges every key by its name.
type Keys struct {
	personal map[string]bool    // marked true somewhere
	kept     [2]map[string]bool // by Direction: in the spec there and not personal
}

// New reads the marks of every property that an operation of v reads or
// answers. Run it once; lookups are map reads.
func New(v *validate.Validator) Keys {
	keys := Keys{personal: map[string]bool{}, kept: [2]map[string]bool{{}, {}}}
	Walk(v, func(in Direction, _, name string, p *openapi3.SchemaRef) {
		k := Name(name)
		personal, marked := Mark(p)
		if !marked {
			personal = LooksPersonal(k) // TestSpecMarksEveryPersonalProperty fails first
		}
		if personal {
			keys.personal[k] = true
		} else {
			keys.kept[in][k] = true
		}
	})
	return keys
}

// Personal reports whether the value of key name, in a body going in
// direction in, is personal data.
func (keys Keys) Personal(in Direction, name string) bool {
	k := Name(name)
	switch {
	case keys.personal[k]:
		return true
	case keys.kept[in][k]:
		return false
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
// of v reads or answers, at any depth, once per schema and direction; in
// says whether the schema is read (a request body) or answered, and where
// names the property's schema for messages ("PartyIn", or the operationId
// for one written in place).
func Walk(v *validate.Validator, visit func(in Direction, where, name string, p *openapi3.SchemaRef)) {
	type seenKey struct {
		in Direction
		s  *openapi3.Schema
	}
	seen := map[seenKey]bool{}
	var in Direction
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[seenKey{in, ref.Value}] {
			return
		}
		if ref.Ref != "" {
			where = ref.Ref[strings.LastIndexByte(ref.Ref, '/')+1:]
		}
		s := ref.Value
		seen[seenKey{in, s}] = true
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			visit(in, where, name, s.Properties[name])
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
			in = Request
			content(id+" request", op.RequestBody.Value.Content)
		}
		in = Answer
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
