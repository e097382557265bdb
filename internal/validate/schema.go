package validate

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// node is an OpenAPI 3.0 schema compiled once for checking tapes: its
// references resolved, its pattern compiled, its properties indexed. It
// means what kin-openapi's Schema.VisitJSON means, keyword by keyword (see
// check.go); compile refuses any keyword it does not implement, so a spec
// that uses one fails at start-up instead of being checked less.
type node struct {
	// types permitted; anyType when the schema has no type.
	types typeSet
	// typeReason is kin's reason for a value of another type.
	typeReason string
	nullable   bool
	empty      bool // kin's IsEmpty: no constraint at all (null still fails)

	anyOf, allOf, oneOf []*node

	enum       []string // string values only
	enumReason string

	minLength  uint64
	maxLength  int64 // -1: none
	pattern    *regexp.Regexp
	patternSrc string
	format     stringFormat

	min, max  *float64
	intFormat intFormat

	minItems uint64
	maxItems int64 // -1: none
	items    *node

	props      map[string]int // name to index in propNames/propNodes
	propNames  []string
	propNodes  []*node // nil for a name that is only required
	required   []int   // indexes, in the schema's order
	reqMask    uint64
	additional *node // additionalProperties as a schema
	closed     bool  // additionalProperties: false

	reason, errorKey string // x-reason, x-error-key
}

type typeSet uint8

const (
	typeString typeSet = 1 << iota
	typeNumber
	typeInteger
	typeBoolean
	typeObject
	typeArray

	anyType typeSet = 1<<iota - 1
)

var typeBits = map[string]typeSet{
	openapi3.TypeString: typeString, openapi3.TypeNumber: typeNumber, openapi3.TypeInteger: typeInteger,
	openapi3.TypeBoolean: typeBoolean, openapi3.TypeObject: typeObject, openapi3.TypeArray: typeArray,
}

type stringFormat uint8

const (
	formatNone stringFormat = iota
	formatDate
	formatDateTime
	formatByte
)

type intFormat uint8

const (
	intFormatNone intFormat = iota
	intFormatInt32
	intFormatInt64
)

// maxProps bounds an object schema's properties: presence is a bitmask.
const maxProps = 64

// compiler compiles a document's schemas, each once.
type compiler struct {
	done     map[*openapi3.Schema]*node
	active   map[*openapi3.Schema]bool // on the current path: a cycle
	patterns map[string]*regexp.Regexp // compiled once each (a Regexp is safe for concurrent use)
}

func newCompiler() *compiler {
	return &compiler{done: map[*openapi3.Schema]*node{}, active: map[*openapi3.Schema]bool{}, patterns: map[string]*regexp.Regexp{}}
}

func (c *compiler) ref(where string, r *openapi3.SchemaRef) (*node, error) {
	if r == nil || r.Value == nil {
		return nil, fmt.Errorf("%s: unresolved schema %q", where, refName(r))
	}
	return c.schema(where, r.Value)
}

func refName(r *openapi3.SchemaRef) string {
	if r == nil {
		return ""
	}
	return r.Ref
}

func (c *compiler) schema(where string, s *openapi3.Schema) (*node, error) {
	if n, ok := c.done[s]; ok {
		return n, nil
	}
	if c.active[s] {
		return nil, fmt.Errorf("%s: recursive schemas are not supported", where)
	}
	c.active[s] = true
	defer delete(c.active, s)
	if err := unsupported(s); err != "" {
		return nil, fmt.Errorf("%s: %s is not supported by the compiled validator", where, err)
	}
	n := &node{
		types:     anyType,
		nullable:  s.Nullable,
		empty:     s.IsEmpty(),
		minLength: s.MinLength,
		maxLength: -1,
		min:       s.Min,
		max:       s.Max,
		minItems:  s.MinItems,
		maxItems:  -1,
		closed:    s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has,
	}
	n.reason, _ = s.Extensions[ExtReason].(string)
	n.errorKey, _ = s.Extensions[ExtErrorKey].(string)
	if s.Type != nil {
		n.types = 0
		for _, t := range s.Type.Slice() {
			bit, ok := typeBits[t]
			if !ok {
				return nil, fmt.Errorf("%s: type %q is not supported", where, t)
			}
			n.types |= bit
		}
		n.typeReason = expectedType(s.Type.Slice())
	}
	if s.MaxLength != nil {
		n.maxLength = clampInt64(*s.MaxLength)
	}
	if s.MaxItems != nil {
		n.maxItems = clampInt64(*s.MaxItems)
	}
	if s.Pattern != "" {
		re := c.patterns[s.Pattern]
		if re == nil {
			var err error
			if re, err = regexp.Compile(goPattern(s.Pattern)); err != nil {
				return nil, fmt.Errorf("%s: pattern %q: %w", where, s.Pattern, err)
			}
			c.patterns[s.Pattern] = re
		}
		n.pattern, n.patternSrc = re, s.Pattern
	}
	if err := n.setFormat(s.Format); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if len(s.Enum) > 0 {
		for _, e := range s.Enum {
			// A null in an enum changes no verdict: a null passes when
			// the schema is nullable, and fails otherwise.
			switch e := e.(type) {
			case string:
				n.enum = append(n.enum, e)
			case nil:
			default:
				return nil, fmt.Errorf("%s: only string enums are supported", where)
			}
		}
		allowed, err := json.Marshal(s.Enum)
		if err != nil {
			return nil, fmt.Errorf("%s: enum: %w", where, err)
		}
		n.enumReason = "value is not one of the allowed values " + string(allowed)
	}
	var err error
	for _, x := range []struct {
		name string
		refs openapi3.SchemaRefs
		out  *[]*node
	}{{"anyOf", s.AnyOf, &n.anyOf}, {"allOf", s.AllOf, &n.allOf}, {"oneOf", s.OneOf, &n.oneOf}} {
		for i, r := range x.refs {
			sub, err := c.ref(fmt.Sprintf("%s.%s[%d]", where, x.name, i), r)
			if err != nil {
				return nil, err
			}
			*x.out = append(*x.out, sub)
		}
	}
	if s.Items != nil {
		if n.items, err = c.ref(where+".items", s.Items); err != nil {
			return nil, err
		}
	}
	if ap := s.AdditionalProperties.Schema; ap != nil {
		if n.additional, err = c.ref(where+".additionalProperties", ap); err != nil {
			return nil, err
		}
	}
	if err := c.properties(where, s, n); err != nil {
		return nil, err
	}
	c.done[s] = n
	return n, nil
}

// properties indexes the declared properties, sorted by name as kin
// visits an object's keys, and the required ones.
func (c *compiler) properties(where string, s *openapi3.Schema, n *node) error {
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	for _, name := range s.Required {
		if s.Properties[name] == nil && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	if len(names) > maxProps {
		return fmt.Errorf("%s: more than %d properties", where, maxProps)
	}
	sort.Strings(names)
	n.props = make(map[string]int, len(names))
	n.propNames = names
	n.propNodes = make([]*node, len(names))
	for i, name := range names {
		n.props[name] = i
		if r := s.Properties[name]; r != nil {
			sub, err := c.ref(where+"."+name, r)
			if err != nil {
				return err
			}
			n.propNodes[i] = sub
		}
	}
	for _, name := range s.Required {
		i := n.props[name]
		n.required = append(n.required, i)
		n.reqMask |= 1 << i
	}
	return nil
}

// unsupported names a keyword s uses that the compiled validator does not
// implement, "" if none. Annotations (description, example, x-...) and
// OpenAPI 3.1's keywords are listed too: the document is 3.0.
func unsupported(s *openapi3.Schema) string {
	switch {
	case s.Not != nil:
		return "not"
	case s.Discriminator != nil:
		return "discriminator"
	case s.UniqueItems:
		return "uniqueItems"
	case s.ExclusiveMin.IsSet():
		return "exclusiveMinimum"
	case s.ExclusiveMax.IsSet():
		return "exclusiveMaximum"
	case s.MultipleOf != nil:
		return "multipleOf"
	case s.MinProps != 0:
		return "minProperties"
	case s.MaxProps != nil:
		return "maxProperties"
	case s.ReadOnly:
		return "readOnly"
	case s.WriteOnly:
		return "writeOnly"
	case s.Default != nil:
		// kin writes a request body's defaults into the body it checks.
		return "default"
	case s.Always != nil:
		return "a boolean schema"
	case s.Const != nil, len(s.PrefixItems) > 0, s.Contains != nil, s.MinContains != nil, s.MaxContains != nil,
		len(s.PatternProperties) > 0, len(s.DependentSchemas) > 0, s.PropertyNames != nil,
		s.UnevaluatedItems.Has != nil, s.UnevaluatedItems.Schema != nil,
		s.UnevaluatedProperties.Has != nil, s.UnevaluatedProperties.Schema != nil,
		s.If != nil, s.Then != nil, s.Else != nil, len(s.DependentRequired) > 0:
		return "an OpenAPI 3.1 keyword"
	}
	return ""
}

// setFormat takes the formats kin-openapi checks by default: date,
// date-time and byte on strings, int32 and int64 on integers. kin ignores
// any other format unless a program registers a checker for it; one
// registered that this package does not implement is refused.
func (n *node) setFormat(f string) error {
	switch f {
	case "":
	case "date":
		n.format = formatDate
	case "date-time":
		n.format = formatDateTime
	case "byte":
		n.format = formatByte
	case "int32":
		n.intFormat = intFormatInt32
	case "int64":
		n.intFormat = intFormatInt64
	default:
		_, str := openapi3.SchemaStringFormats[f]
		_, num := openapi3.SchemaNumberFormats[f]
		_, integer := openapi3.SchemaIntegerFormats[f]
		if str || num || integer {
			return fmt.Errorf("format %q has a checker this package does not implement", f)
		}
	}
	return nil
}

// goPattern is kin-openapi's translation of a pattern to Go's syntax.
func goPattern(re string) string {
	return patternCodepoints.ReplaceAllString(re, `\x{${code}}`)
}

var patternCodepoints = regexp.MustCompile(`(?P<replaced_with_slash_x>\\u)(?P<code>[0-9A-F]{4})`)

func clampInt64(u uint64) int64 {
	if u > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(u)
}

// expectedType is kin's reason for a value of a type that types does
// not permit.
func expectedType(types []string) string {
	if len(types) == 1 {
		switch t := types[0]; t {
		case openapi3.TypeArray, openapi3.TypeObject, openapi3.TypeInteger:
			return "value must be an " + t
		default:
			return "value must be a " + t
		}
	}
	return "value must be one of " + strings.Join(types, ", ")
}
