package validate_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// jvalue is a JSON value that keeps its keys' order and duplicates, so
// that mutations can write what encoding/json never would.
type jvalue struct {
	raw  string    // a scalar, as written
	keys []string  // an object's keys, as written (quoted)
	vals []*jvalue // an object's values or an array's elements
	arr  bool
}

func (v *jvalue) obj() bool { return v.raw == "" && !v.arr }

func parseJSON(b []byte) (*jvalue, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil || dec.More() {
		return nil, false
	}
	return v, true
}

func readValue(dec *json.Decoder) (*jvalue, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		v := &jvalue{arr: t == '['}
		for dec.More() {
			if !v.arr {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, quote(k.(string)))
			}
			el, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			v.vals = append(v.vals, el)
		}
		_, err := dec.Token() // ] or }
		return v, err
	case string:
		return &jvalue{raw: quote(t)}, nil
	case json.Number:
		return &jvalue{raw: t.String()}, nil
	case bool:
		return &jvalue{raw: fmt.Sprint(t)}, nil
	default:
		return &jvalue{raw: "null"}, nil
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (v *jvalue) clone() *jvalue {
	c := &jvalue{raw: v.raw, arr: v.arr, keys: append([]string(nil), v.keys...)}
	for _, el := range v.vals {
		c.vals = append(c.vals, el.clone())
	}
	return c
}

func (v *jvalue) write(b *bytes.Buffer) {
	switch {
	case v.raw != "":
		b.WriteString(v.raw)
	case v.arr:
		b.WriteByte('[')
		for i, el := range v.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			el.write(b)
		}
		b.WriteByte(']')
	default:
		b.WriteByte('{')
		for i, el := range v.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(v.keys[i])
			b.WriteByte(':')
			el.write(b)
		}
		b.WriteByte('}')
	}
}

func (v *jvalue) bytes() []byte {
	var b bytes.Buffer
	v.write(&b)
	return b.Bytes()
}

// at returns the value at path (indexes of members or elements).
func (v *jvalue) at(path []int) *jvalue {
	for _, i := range path {
		v = v.vals[i]
	}
	return v
}

// paths lists the path of every value in v, v's own first. Unless all
// is set, only an array's first element is gone into: the others have the
// same schema.
func (v *jvalue) paths(prefix []int, all bool, out *[][]int) {
	*out = append(*out, append([]int(nil), prefix...))
	for i, el := range v.vals {
		if v.arr && i > 0 && !all {
			break
		}
		el.paths(append(prefix, i), all, out)
	}
}

// replacements are the values mutate puts in place of each value: every
// JSON type, numbers at and past the specs' bounds and float64's, numeric
// and date-like strings, escapes, broken surrogates, invalid UTF-8, and
// strings of many lengths in one-, two- and four-byte characters.
func replacements(full bool) []string {
	r := []string{
		`null`, `true`, `0`, `-1`, `1.5`, `1e400`, `"x"`, `"16"`, `""`, `[]`, `{}`, `[null]`,
		`"\ud83d\ude00"`, "\"\xff\"", `"2026-06-17"`, `"ÆØÅ"`,
	}
	if !full {
		return r
	}
	r = append(r,
		`false`, `16`, `16.0`, `1e2`, `-0`, `-1e400`, `1e-400`, `123456789012345678901234567890`,
		`9223372036854775807`, `9223372036854775808`, `999999999999999999`, `1000000000000000000`,
		`19000101`, `20260617`, `99991231`, `99991232`, `2147483648`, `0.5`, `100000`,
		`" "`, `" 16"`, `"-16"`, `"1.5"`, `"1.2345"`, `"123456789"`, `"1234567890"`, `"0468"`, `"NO"`, `"no"`,
		`"N0"`, `"NOR"`, `"20260617"`, `"2026-02-30"`, `"2026-6-17"`, `"2026-06-17T10:00:00Z"`,
		`"2026-02-30T10:00:00+02:00"`, `"2026-06-17 10:00:00"`, `"consignee"`, `"Consignee"`, `"T-NXXW9"`,
		`"t-nxxw9"`, `"26h"`, `"1x"`, `"\u00c6\u00d8\u00c5"`, `"\ud800"`, `"\udc00\ud800"`, `"\u0000"`,
		"\"\xff\xfe\"", `[1,"x"]`, `{"a":1}`, `"Bearer"`, `"MONDAY"`, `"ok"`, `"dropoff"`,
	)
	for _, n := range []int{1, 2, 10, 11, 32, 33, 35, 36, 40, 41, 64, 65, 100, 101, 128, 129, 256, 257, 1000, 1001, 1024, 1025} {
		r = append(r, quote(strings.Repeat("a", n)))
	}
	for _, n := range []int{2, 3, 32, 33, 256, 257} {
		r = append(r, quote(strings.Repeat("ø", n)), quote(strings.Repeat("😀", n)))
	}
	return r
}

// mutate returns mutations of body, which must be a JSON value: every
// value replaced by each of replacements; every object member removed,
// sent twice (a replacement before or after it), sent under its key in
// another case or with an escaped key; every array emptied, cut to one
// element, grown past ten, given a null; an unknown key in every object.
// Without full, fewer replacements and duplicates, no escaped keys, and
// only the first element of an array mutated.
//
// every thins the replacements, and nothing else: value number p (in
// the order of paths) is replaced by one value of each JSON type
// (alwaysReplaced) and by replacement i of the others only when
// (i+p)%every == 0, a different share for each value in turn. So every
// value still gets every kind of mutation and every type, and each
// replacement still reaches one value in every. 1 keeps them all.
func mutate(t testing.TB, body []byte, full bool, every int) [][]byte {
	t.Helper()
	root, ok := parseJSON(body)
	if !ok {
		t.Fatalf("not a JSON value: %q", body)
	}
	var paths [][]int
	root.paths(nil, full, &paths)
	var out [][]byte
	edit := func(path []int, f func(v *jvalue)) {
		c := root.clone()
		f(c.at(path))
		out = append(out, c.bytes())
	}
	reps := replacements(full)
	for p, path := range paths {
		for i, rep := range reps {
			if (i+p)%every != 0 && !alwaysReplaced[rep] {
				continue
			}
			edit(path, func(v *jvalue) { *v = jvalue{raw: rep} })
		}
		v := root.at(path)
		switch {
		case v.arr:
			edit(path, func(v *jvalue) { v.vals = nil })
			if len(v.vals) > 0 {
				edit(path, func(v *jvalue) { v.vals = v.vals[:1] })
				edit(path, func(v *jvalue) {
					for len(v.vals) <= 10 {
						v.vals = append(v.vals, v.vals[0].clone())
					}
				})
			}
			edit(path, func(v *jvalue) { v.vals = append(v.vals, &jvalue{raw: "null"}) })
		case v.obj():
			edit(path, func(v *jvalue) {
				v.keys = append(v.keys, `"zzUnknown"`)
				v.vals = append(v.vals, &jvalue{raw: "1"})
			})
			for i, key := range v.keys {
				edit(path, func(v *jvalue) { // removed
					v.keys = append(v.keys[:i:i], v.keys[i+1:]...)
					v.vals = append(v.vals[:i:i], v.vals[i+1:]...)
				})
				dups := []string{`null`, `"x"`, `1e400`}
				if !full {
					dups = dups[1:2]
				}
				for _, rep := range dups {
					edit(path, func(v *jvalue) { // the mutant first: the original wins
						v.keys = append(v.keys[:i:i], append([]string{key}, v.keys[i:]...)...)
						v.vals = append(v.vals[:i:i], append([]*jvalue{{raw: rep}}, v.vals[i:]...)...)
					})
					edit(path, func(v *jvalue) { // the mutant last: it wins
						v.keys = append(v.keys[:i+1:i+1], append([]string{key}, v.keys[i+1:]...)...)
						v.vals = append(v.vals[:i+1:i+1], append([]*jvalue{{raw: rep}}, v.vals[i+1:]...)...)
					})
				}
				if other := otherCase(key); other != key {
					edit(path, func(v *jvalue) { v.keys[i] = other })
					edit(path, func(v *jvalue) { // both: "Items" is not items
						v.keys = append(v.keys, other)
						v.vals = append(v.vals, &jvalue{raw: "null"})
					})
				}
				if full {
					edit(path, func(v *jvalue) { v.keys[i] = escapeFirst(key) })
				}
			}
		}
	}
	return out
}

// mutateEvery is mutate's every for the differential tests: all the
// replacements, or under the race detector (ten times slower here) and
// -short one in eight of them beside one of each type. .ci/run runs the
// differential tests without -race as well, so CI sends the whole set.
func mutateEvery() int {
	if raceDetector || testing.Short() {
		return 8
	}
	return 1
}

// firstElements returns body, a JSON value, with every array cut to its
// first element: the only one mutate changes without full, so the others
// are the same checks repeated on every mutant.
func firstElements(t testing.TB, body []byte) []byte {
	t.Helper()
	root, ok := parseJSON(body)
	if !ok {
		t.Fatalf("not a JSON value: %q", body)
	}
	var cut func(v *jvalue)
	cut = func(v *jvalue) {
		if v.arr && len(v.vals) > 1 {
			v.vals = v.vals[:1]
		}
		for _, el := range v.vals {
			cut(el)
		}
	}
	cut(root)
	return root.bytes()
}

// alwaysReplaced are the replacements mutate never thins out: one value
// of each JSON type.
var alwaysReplaced = map[string]bool{`null`: true, `true`: true, `0`: true, `"x"`: true, `[]`: true, `{}`: true}

// otherCase swaps the case of a quoted key's first letter.
func otherCase(key string) string {
	r, size := utf8.DecodeRuneInString(key[1:])
	switch {
	case unicode.IsUpper(r):
		r = unicode.ToLower(r)
	case unicode.IsLower(r):
		r = unicode.ToUpper(r)
	default:
		return key
	}
	return `"` + string(r) + key[1+size:]
}

// escapeFirst writes a quoted key's first character as a \u escape.
func escapeFirst(key string) string {
	r, size := utf8.DecodeRuneInString(key[1:])
	if r == '"' || r > 0xffff {
		return key
	}
	return fmt.Sprintf(`"\u%04x`, r) + key[1+size:]
}
