package validate

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// checker checks a tape against compiled schemas, keyword by keyword as
// kin-openapi's Schema.VisitJSON does (schema_3point0_validator.go), with
// the same verdicts and the same reasons.
//
// It runs in one of two modes. A verdict stops at the first problem and
// allocates nothing: that is every request that passes. An explanation
// (explain set) visits the value as kin does, object keys in sorted order
// and required properties after them, and records each problem in p, so
// that the first reason and the first x-error-key win as they did with
// kin's errors.
type checker struct {
	body    Body // the tape as RequestBody hands it out
	t       *tape
	buf     []byte // decoded strings
	explain bool
	p       *problem
	path    []string // explain: keys and indexes down to the value
}

// verdict checks without recording, as kin checks the branches of anyOf,
// allOf and oneOf (their own errors are never reported).
func (c *checker) verdict(n *node, ti int32) bool {
	explain := c.explain
	c.explain = false
	ok := c.check(n, ti)
	c.explain = explain
	return ok
}

// fail records a problem with the value at ti, as problem.schema maps a
// kin SchemaError: the schema's x-reason over kin's reason, its
// x-error-key if none is set yet, "must not be null" for a null value.
// It reports false, so that a check can return it.
func (c *checker) fail(n *node, ti int32, reason string) bool {
	if !c.explain {
		return false
	}
	if n.reason != "" {
		reason = n.reason
	}
	if n.errorKey != "" && c.p.key == "" {
		c.p.key = n.errorKey
	}
	if c.t.toks[ti].kind == kindNull {
		reason = "must not be null"
	}
	c.p.add(fieldPath("", c.path), reason)
	return false
}

// failf is fail with a reason formatted only when explaining (generic, so
// that a verdict does not even box arg).
func failf[T any](c *checker, n *node, ti int32, format string, arg T) bool {
	if !c.explain {
		return false
	}
	return c.fail(n, ti, fmt.Sprintf(format, arg))
}

func (c *checker) check(n *node, ti int32) bool {
	k := c.t.toks[ti].kind
	if k == kindNull && n.nullable {
		return true
	}
	if n.empty {
		return k != kindNull || c.fail(n, ti, "Value is not nullable")
	}
	if len(n.oneOf) > 0 {
		var matched []int
		for i, b := range n.oneOf {
			if c.verdict(b, ti) {
				if !c.explain && len(matched) == 1 {
					return false
				}
				matched = append(matched, i)
			}
		}
		switch {
		case len(matched) == 0:
			return c.fail(n, ti, `value doesn't match any schema from "oneOf"`)
		case len(matched) > 1:
			return failf(c, n, ti, `value matches more than one schema from "oneOf" (matches schemas at indices %v)`, matched)
		}
	}
	if len(n.anyOf) > 0 && !c.anyOf(n.anyOf, ti) {
		return c.fail(n, ti, `doesn't match any schema from "anyOf"`)
	}
	for _, b := range n.allOf {
		if !c.verdict(b, ti) {
			return c.fail(n, ti, `doesn't match all schemas from "allOf"`)
		}
	}
	if k == kindNull && len(n.oneOf)+len(n.anyOf)+len(n.allOf) > 0 {
		return true
	}
	if n.enumReason != "" && !c.inEnum(n, ti) {
		return c.fail(n, ti, n.enumReason)
	}
	switch k {
	case kindNull:
		return c.fail(n, ti, "Value is not nullable")
	case kindTrue, kindFalse:
		return n.types&typeBoolean != 0 || c.fail(n, ti, n.typeReason)
	case kindNumber:
		return c.number(n, ti)
	case kindString:
		return c.string(n, ti)
	case kindArray:
		return c.array(n, ti)
	default:
		return c.object(n, ti)
	}
}

// anyOf reports whether a branch matches, trying them in order.
func (c *checker) anyOf(branches []*node, ti int32) bool {
	for _, b := range branches {
		if c.verdict(b, ti) {
			return true
		}
	}
	return false
}

func (c *checker) inEnum(n *node, ti int32) bool {
	if c.t.toks[ti].kind != kindString {
		return false
	}
	var v []byte
	v, c.buf = c.t.str(ti, c.buf)
	for _, e := range n.enum {
		if string(v) == e {
			return true
		}
	}
	return false
}

func (c *checker) number(n *node, ti int32) bool {
	f, ok := c.float(ti)
	if !ok {
		return c.fail(n, ti, "cannot convert json.Number to float64")
	}
	integer := n.types&typeInteger != 0 && n.types&typeNumber == 0
	switch {
	case integer && f != math.Trunc(f):
		return c.fail(n, ti, "value must be an integer")
	case n.types&(typeInteger|typeNumber) == 0:
		return c.fail(n, ti, n.typeReason)
	case integer && n.intFormat != intFormatNone:
		if msg := intFormatProblem(n.intFormat, f); msg != "" {
			return c.fail(n, ti, msg)
		}
	}
	if n.min != nil && !(*n.min <= f) {
		return failf(c, n, ti, "number must be at least %g", *n.min)
	}
	if n.max != nil && !(*n.max >= f) {
		return failf(c, n, ti, "number must be at most %g", *n.max)
	}
	return true
}

// float is the number's value as json.Number.Float64 gives it; false when
// it is out of float64's range.
func (c *checker) float(ti int32) (float64, bool) {
	tok := &c.t.toks[ti]
	raw := c.t.src[tok.start:tok.end]
	// Up to 15 digits, an integer is exact in a float64: no need to parse.
	if len(raw) <= 15 {
		var v int64
		neg := raw[0] == '-'
		digits := raw
		if neg {
			digits = raw[1:]
		}
		plain := true
		for _, ch := range digits {
			if ch < '0' || ch > '9' {
				plain = false
				break
			}
			v = v*10 + int64(ch-'0')
		}
		if plain {
			if neg {
				return -float64(v), true
			}
			return float64(v), true
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// intFormatProblem is kin's check of the int32 and int64 formats
// (validateIntegerFormat with its range validators), "" when f passes.
func intFormatProblem(format intFormat, f float64) string {
	const int64Range = "value should be between -9223372036854775808 and 9223372036854775807"
	name, lo, hi := "int64", int64(math.MinInt64), int64(math.MaxInt64)
	if format == intFormatInt32 {
		name, lo, hi = "int32", math.MinInt32, math.MaxInt32
	}
	var v int64
	switch {
	case f == float64(math.MaxInt64): // 2^63: kin takes it as MaxInt64
		v = math.MaxInt64
	case f >= float64(math.MinInt64) && f < float64(math.MaxInt64):
		v = int64(f)
	default:
		return fmt.Sprintf("integer doesn't match the format %q (%s)", name, int64Range)
	}
	if v < lo || v > hi {
		return fmt.Sprintf("integer doesn't match the format %q (value should be between %d and %d)", name, lo, hi)
	}
	return ""
}

func (c *checker) string(n *node, ti int32) bool {
	if n.types&typeString == 0 {
		return c.fail(n, ti, n.typeReason)
	}
	tok := &c.t.toks[ti]
	if n.minLength != 0 || n.maxLength >= 0 {
		// kin counts code points (its UTF-16 count never sees a surrogate).
		var length int64
		switch {
		case tok.ascii:
			length = int64(tok.end - tok.start - 2)
		case tok.plain:
			length = int64(utf8.RuneCount(c.t.raw(ti)))
		default:
			var v []byte
			v, c.buf = c.t.str(ti, c.buf)
			length = int64(utf8.RuneCount(v))
		}
		if n.minLength != 0 && length < int64(n.minLength) {
			return failf(c, n, ti, "minimum string length is %d", n.minLength)
		}
		if n.maxLength >= 0 && length > n.maxLength {
			return failf(c, n, ti, "maximum string length is %d", n.maxLength)
		}
	}
	if n.pattern == nil && n.format == formatNone {
		return true
	}
	var v []byte
	v, c.buf = c.t.str(ti, c.buf)
	if n.pattern != nil && !n.pattern.Match(v) {
		return failf(c, n, ti, `string doesn't match the regular expression "%s"`, n.patternSrc)
	}
	if n.format != formatNone {
		if msg := formatProblem(n.format, v); msg != "" {
			return c.fail(n, ti, msg)
		}
	}
	return true
}

// The regular expressions of kin's date, date-time and byte formats.
var (
	dateRE     = regexp.MustCompile(openapi3.FormatOfStringDate)
	dateTimeRE = regexp.MustCompile(openapi3.FormatOfStringDateTime)
	byteRE     = regexp.MustCompile(openapi3.FormatOfStringByte)
)

// formatProblem is kin's check of a string format, "" when v passes.
// kin's reason for a date whose day is not in its month quotes the value
// (from time.Parse); this one does not: no answer repeats a submitted
// value.
func formatProblem(f stringFormat, v []byte) string {
	var name string
	var re *regexp.Regexp
	switch f {
	case formatDate:
		name, re = "date", dateRE
	case formatDateTime:
		name, re = "date-time", dateTimeRE
	default:
		name, re = "byte", byteRE
	}
	if !re.Match(v) {
		return fmt.Sprintf(`string doesn't match the format %q (string doesn't match pattern "%s")`, name, re.String())
	}
	if f != formatByte {
		if _, err := time.Parse(time.DateOnly, string(v[:len(time.DateOnly)])); err != nil {
			return fmt.Sprintf("string doesn't match the format %q (day out of range)", name)
		}
	}
	return ""
}

func (c *checker) array(n *node, ti int32) bool {
	if n.types&typeArray == 0 {
		return c.fail(n, ti, n.typeReason)
	}
	count := c.t.toks[ti].n
	ok := true
	if n.minItems != 0 && uint64(count) < n.minItems {
		if ok = failf(c, n, ti, "minimum number of items is %d", n.minItems); !c.explain {
			return false
		}
	}
	if n.maxItems >= 0 && int64(count) > n.maxItems {
		if ok = failf(c, n, ti, "maximum number of items is %d", n.maxItems); !c.explain {
			return false
		}
	}
	if n.items == nil {
		return ok
	}
	for i, el := int32(0), ti+1; i < count; i, el = i+1, c.t.toks[el].next {
		if c.explain {
			c.path = append(c.path, strconv.Itoa(int(i)))
		}
		if !c.check(n.items, el) {
			if !c.explain {
				return false
			}
			ok = false
		}
		if c.explain {
			c.path = c.path[:len(c.path)-1]
		}
	}
	return ok
}

func (c *checker) object(n *node, ti int32) bool {
	if n.types&typeObject == 0 {
		return c.fail(n, ti, n.typeReason)
	}
	if c.explain {
		return c.explainObject(n, ti)
	}
	count := c.t.toks[ti].n
	var seen uint64
	for i, key := int32(0), ti+1; i < count; i++ {
		val := key + 1
		next := c.t.toks[val].next
		var name []byte
		name, c.buf = c.t.str(key, c.buf)
		pi, declared := n.props[string(name)]
		if declared {
			seen |= 1 << pi
		} else {
			pi = -1
		}
		sub, refused := n.member(pi)
		if refused {
			return false
		}
		// Of keys sent twice, the last counts (encoding/json's map).
		if sub != nil && !c.check(sub, val) && !c.sentAgain(key, next, count-i-1) {
			return false
		}
		key = next
	}
	return n.reqMask&^seen == 0
}

// member is the schema of an object's member whose key is the property at
// pi (-1 for a key the schema does not declare): its own schema, else
// additionalProperties' (nil: anything goes). refused reports that
// additionalProperties is false.
func (n *node) member(pi int) (sub *node, refused bool) {
	if pi >= 0 && n.propNodes[pi] != nil {
		return n.propNodes[pi], false
	}
	return n.additional, n.additional == nil && n.closed
}

// sentAgain reports whether the key at ti is among the rest members
// starting at the token from.
func (c *checker) sentAgain(ti, from, rest int32) bool {
	name, buf := c.t.str(ti, nil)
	name = bytes.Clone(name)
	for ; rest > 0; rest-- {
		var other []byte
		other, buf = c.t.str(from, buf)
		if bytes.Equal(other, name) {
			return true
		}
		from = c.t.toks[from+1].next
	}
	return false
}

// explainObject visits an object as kin does: its keys (the last of
// duplicates) in sorted order, then the required properties.
func (c *checker) explainObject(n *node, ti int32) bool {
	count := c.t.toks[ti].n
	vals := make(map[string]int32, count)
	for i, key := int32(0), ti+1; i < count; i++ {
		vals[string(unquote(c.t.raw(key), nil))] = key + 1
		key = c.t.toks[key+1].next
	}
	names := make([]string, 0, len(vals))
	for name := range vals {
		names = append(names, name)
	}
	slices.Sort(names)
	ok := true
	for _, name := range names {
		pi, declared := n.props[name]
		if !declared {
			pi = -1
		}
		sub, refused := n.member(pi)
		if refused {
			ok = failf(c, n, ti, "property %q is unsupported", name)
		}
		if sub == nil {
			continue
		}
		c.path = append(c.path, name)
		if !c.check(sub, vals[name]) {
			ok = false
		}
		c.path = c.path[:len(c.path)-1]
	}
	for _, pi := range n.required {
		if _, present := vals[n.propNames[pi]]; !present {
			c.p.add(fieldPath("", append(c.path, n.propNames[pi])), "is required")
			ok = false
		}
	}
	return ok
}
