package validate

// A Body is a request body as RequestBody parsed and checked it: its
// token tape, kept so that a handler can read the values without parsing
// the JSON again. The values are read as encoding/json reads them:
// escapes resolved, invalid UTF-8 and broken surrogates as U+FFFD; keys
// come in the order sent, a key sent twice twice.
//
// A Body is not safe for concurrent use. Release it once the values read
// from it are no longer needed: Raw and Key return slices into buffers
// that are then reused. A nil *Body has no value (Root panics) and may be
// released.
type Body struct {
	c   *checker
	key []byte // the key Members last decoded
}

// Release returns the body's buffers for reuse.
func (b *Body) Release() {
	if b != nil && b.c != nil {
		c := b.c
		b.c = nil
		c.release()
	}
}

// Root is the body's top-level value.
func (b *Body) Root() Value { return Value{b: b} }

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds of JSON value.
const (
	Null Kind = iota
	Bool
	Number
	String
	Object
	Array
)

// A Value is one value of a Body.
type Value struct {
	b *Body
	i int32 // its token
}

func (v Value) tok() *token { return &v.b.c.t.toks[v.i] }

// Kind is the value's JSON type.
func (v Value) Kind() Kind {
	switch v.tok().kind {
	case kindNull:
		return Null
	case kindFalse, kindTrue:
		return Bool
	case kindNumber:
		return Number
	case kindString:
		return String
	case kindObject:
		return Object
	}
	return Array
}

// Raw is the value's bytes as sent: a string with its quotes and escapes.
func (v Value) Raw() []byte {
	tok := v.tok()
	return v.b.c.t.src[tok.start:tok.end]
}

// Text is a string's value, as a new string ("" for another kind).
func (v Value) Text() string {
	if v.tok().kind != kindString {
		return ""
	}
	var s []byte
	s, v.b.c.buf = v.b.c.t.str(v.i, v.b.c.buf)
	return string(s)
}

// Members calls yield with each key and value of an object, in the order
// sent, until yield returns false. The key is valid until the next call.
func (v Value) Members(yield func(key []byte, val Value) bool) {
	tok := v.tok()
	if tok.kind != kindObject {
		return
	}
	t := v.b.c.t
	for k, m := v.i+1, int32(0); m < tok.n; m++ {
		var key []byte
		key, v.b.key = t.str(k, v.b.key)
		val := Value{b: v.b, i: k + 1}
		if !yield(key, val) {
			return
		}
		k = t.toks[k+1].next
	}
}

// Elements calls yield with each element of an array until yield returns
// false.
func (v Value) Elements(yield func(Value) bool) {
	tok := v.tok()
	if tok.kind != kindArray {
		return
	}
	for e, m := v.i+1, int32(0); m < tok.n; m++ {
		if !yield(Value{b: v.b, i: e}) {
			return
		}
		e = v.b.c.t.toks[e].next
	}
}

// Len is the number of members of an object or elements of an array.
func (v Value) Len() int { return int(v.tok().n) }
