package validate

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// A tape is a JSON document parsed once into a flat list of tokens, so
// that a schema can be checked against it without decoding into Go values:
// no map or interface per value, and no copy of a string that needs no
// unescaping. An object is its token, then each member's key (a string
// token) and value; an array is its token, then its elements. Every token
// knows where the value after it starts, so a subtree no schema looks into
// is skipped in one step.
//
// What the parser accepts is what encoding/json accepts, byte for byte:
// the same grammar, whitespace, escapes and nesting limit, invalid UTF-8 in
// strings taken as U+FFFD. One difference is deliberate: text after the
// first value (other than whitespace) is an error, as for json.Unmarshal,
// where a json.Decoder would stop reading at the end of the first value.
type tape struct {
	src  []byte
	toks []token
}

type kind uint8

const (
	kindNull kind = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindObject
	kindArray
)

type token struct {
	kind kind
	// plain: a string with no escape and valid UTF-8, whose value is its
	// raw bytes between the quotes.
	plain bool
	// ascii: a plain string of ASCII only (its length is its byte count).
	ascii      bool
	start, end int32 // the raw bytes: quotes included for a string
	next       int32 // index of the token after this value
	n          int32 // members of an object, elements of an array
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

var errSyntax = errors.New("invalid JSON")

// parse fills t with src's tokens. It reuses t's token slice.
func (t *tape) parse(src []byte) error {
	t.src = src
	t.toks = t.toks[:0]
	if len(src) > 1<<31-1 {
		return errSyntax
	}
	p := parser{t: t, src: src}
	p.space()
	if err := p.value(0); err != nil {
		return err
	}
	p.space()
	if p.i != len(src) {
		return errSyntax
	}
	return nil
}

type parser struct {
	t   *tape
	src []byte
	i   int
}

func (p *parser) space() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) push(k kind) int32 {
	p.t.toks = append(p.t.toks, token{kind: k, start: int32(p.i)})
	return int32(len(p.t.toks) - 1)
}

func (p *parser) done(ti int32) {
	tok := &p.t.toks[ti]
	tok.end = int32(p.i)
	tok.next = int32(len(p.t.toks))
}

func (p *parser) value(depth int) error {
	if p.i >= len(p.src) {
		return errSyntax
	}
	switch c := p.src[p.i]; {
	case c == '{':
		return p.container(depth+1, kindObject)
	case c == '[':
		return p.container(depth+1, kindArray)
	case c == '"':
		return p.string()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", kindTrue)
	case c == 'f':
		return p.literal("false", kindFalse)
	case c == 'n':
		return p.literal("null", kindNull)
	}
	return errSyntax
}

func (p *parser) literal(word string, k kind) error {
	if len(p.src)-p.i < len(word) || string(p.src[p.i:p.i+len(word)]) != word {
		return errSyntax
	}
	ti := p.push(k)
	p.i += len(word)
	p.done(ti)
	return nil
}

// container parses an object or an array: its token, then its members
// (a key and a value) or elements.
func (p *parser) container(depth int, k kind) error {
	if depth > maxDepth {
		return errSyntax
	}
	closing := byte(']')
	if k == kindObject {
		closing = '}'
	}
	ti := p.push(k)
	p.i++ // { or [
	p.space()
	n := int32(0)
	if p.i < len(p.src) && p.src[p.i] == closing {
		p.i++
		p.done(ti)
		return nil
	}
	for {
		if k == kindObject {
			if err := p.key(); err != nil {
				return err
			}
		}
		if err := p.value(depth); err != nil {
			return err
		}
		n++
		p.space()
		if p.i >= len(p.src) {
			return errSyntax
		}
		switch p.src[p.i] {
		case ',':
			p.i++
			p.space()
			continue
		case closing:
			p.i++
			p.done(ti)
			p.t.toks[ti].n = n
			return nil
		}
		return errSyntax
	}
}

// key parses a member's key and the colon after it.
func (p *parser) key() error {
	if p.i >= len(p.src) || p.src[p.i] != '"' {
		return errSyntax
	}
	if err := p.string(); err != nil {
		return err
	}
	p.space()
	if p.i >= len(p.src) || p.src[p.i] != ':' {
		return errSyntax
	}
	p.i++
	p.space()
	return nil
}

func (p *parser) string() error {
	ti := p.push(kindString)
	p.i++ // "
	plain, ascii := true, true
	for p.i < len(p.src) {
		// Most bytes are plain ASCII: skip them in a tight loop.
		for p.i < len(p.src) && stringByte[p.src[p.i]] == 0 {
			p.i++
		}
		if p.i >= len(p.src) {
			break
		}
		switch c := p.src[p.i]; {
		case c == '"':
			p.i++
			p.done(ti)
			tok := &p.t.toks[ti]
			if plain && !ascii && !utf8.Valid(p.src[tok.start+1:tok.end-1]) {
				plain = false
			}
			tok.plain, tok.ascii = plain, plain && ascii
			return nil
		case c == '\\':
			plain = false
			p.i++
			if p.i >= len(p.src) {
				return errSyntax
			}
			switch p.src[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				if hex4(p.src[p.i+1:]) < 0 {
					return errSyntax
				}
				p.i += 5
			default:
				return errSyntax
			}
		case c < 0x20:
			return errSyntax
		default: // c >= utf8.RuneSelf
			ascii = false
			p.i++
		}
	}
	return errSyntax
}

// stringByte marks the bytes a string's scan must stop at: the closing
// quote, an escape, a control character and any non-ASCII byte.
var stringByte = func() (t [256]byte) {
	for c := range t {
		if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			t[c] = 1
		}
	}
	return t
}()

// number checks JSON's number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() error {
	ti := p.push(kindNumber)
	s, i := p.src, p.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return errSyntax
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return errSyntax
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return errSyntax
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	p.i = i
	p.done(ti)
	return nil
}

// hex4 decodes the 4 hex digits at the start of s, -1 if there are none.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// raw returns the bytes of a string token between its quotes.
func (t *tape) raw(ti int32) []byte {
	tok := &t.toks[ti]
	return t.src[tok.start+1 : tok.end-1]
}

// str returns a string token's value: its raw bytes when it is plain,
// else decoded into buf (returned for reuse) exactly as encoding/json
// decodes it.
func (t *tape) str(ti int32, buf []byte) (val, newBuf []byte) {
	if t.toks[ti].plain {
		return t.raw(ti), buf
	}
	buf = unquote(t.raw(ti), buf[:0])
	return buf, buf
}

// unquote appends the value of a JSON string's body (already checked by
// the parser) to b, as encoding/json's unquote does: escapes resolved, a
// lone or broken surrogate and each byte of invalid UTF-8 as U+FFFD.
func unquote(s, b []byte) []byte {
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s[r+1:])
				r += 5
				if utf16.IsSurrogate(rr) {
					if r+1 < len(s) && s[r] == '\\' && s[r+1] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(s[r+2:])); dec != utf8.RuneError {
							r += 6
							b = utf8.AppendRune(b, dec)
							continue
						}
					}
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // " \ /
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return b
}
