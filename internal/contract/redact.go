package contract

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Redacted replaces secrets in everything the package outputs.
const Redacted = "<redacted>"

// minSecretLen is the shortest secret replaced wherever it appears in text
// from outside. A shorter one (a test value such as "x") would blank out
// ordinary values; it is still redacted where the package knows it is a
// secret (headers, the token request's body).
const minSecretLen = 4

// redactor replaces known secrets (the client secret, the sim token and
// every token the run receives) in text that came from outside the
// program: answers of the target, error strings, values the target handed
// on. It knows each secret in every form output could give it: raw,
// JSON-escaped (with and without HTML escapes), Go-quoted (%q and %+q),
// URL-encoded (query and path, either hex case), HTML- and XML-escaped,
// shell-quoted, and the forms a decoder would turn it into, and one
// encoding of another (a %q of a JSON string).
//
// It also knows the personal data the run sends (addPersonal), which it
// replaces by PersonalData in the same forms: a finding quotes the target's
// value, which must not be a name or an address the target echoed. The
// cassette places personal data itself (secrets keeps it).
//
// It is never applied to the program's own words (step and flow names,
// labels, messages built from the spec): a secret such as "booking" must
// not turn the step home-pickup/booking into home-pickup/<redacted>.
// Callers redact each piece of outside text where it enters an output.
type redactor struct {
	placeholder string // of add's values; Redacted when empty
	mu          sync.Mutex
	forms       []redactForm // every form of every value, longest first
}

// redactForm is one form of a known value and what replaces it.
type redactForm struct {
	text        string
	placeholder string
}

// add registers a secret in all its forms.
func (r *redactor) add(secret string) {
	r.addAs(secret, cmp.Or(r.placeholder, Redacted))
}

// addPersonal registers personal data the run sends, in all its forms.
func (r *redactor) addPersonal(value string) {
	r.addAs(value, PersonalData)
}

func (r *redactor) addAs(value, placeholder string) {
	if len(value) < minSecretLen {
		return
	}
	fs := secretForms(value)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range fs {
		i := slices.IndexFunc(r.forms, func(e redactForm) bool { return e.text == f })
		switch {
		case i < 0:
			r.forms = append(r.forms, redactForm{f, placeholder})
		case r.forms[i].placeholder == PersonalData:
			r.forms[i].placeholder = placeholder // a secret wins
		}
	}
	// Longest first, so that a form containing another is replaced whole.
	slices.SortStableFunc(r.forms, func(a, b redactForm) int { return len(b.text) - len(a.text) })
}

// str returns s, text from outside, with every form of every known secret
// and personal value replaced.
func (r *redactor) str(s string) string { return r.replace(s, true) }

// secrets returns s with every form of every known secret replaced, and
// personal data kept (for the cassette, which places it itself).
func (r *redactor) secrets(s string) string { return r.replace(s, false) }

func (r *redactor) replace(s string, personal bool) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Mark every occurrence in the original text first, so that a form
	// never matches across a replacement already made.
	type span struct {
		start, end int
		secret     bool
	}
	var spans []span
	for _, f := range r.forms {
		secret := f.placeholder != PersonalData
		if !secret && !personal {
			continue
		}
		for i := 0; ; {
			j := strings.Index(s[i:], f.text)
			if j < 0 {
				break
			}
			spans = append(spans, span{i + j, i + j + len(f.text), secret})
			i += j + 1
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		start, end, secret := spans[i].start, spans[i].end, spans[i].secret
		for i++; i < len(spans) && spans[i].start < end; i++ {
			end = max(end, spans[i].end)
			secret = secret || spans[i].secret
		}
		b.WriteString(s[at:start])
		if secret {
			b.WriteString(cmp.Or(r.placeholder, Redacted))
		} else {
			b.WriteString(PersonalData)
		}
		at = end
	}
	b.WriteString(s[at:])
	return b.String()
}

// value returns a copy of v, a decoded JSON value from outside, with its
// strings and object keys redacted.
func (r *redactor) value(v any) any {
	switch x := v.(type) {
	case string:
		return r.str(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[r.str(k)] = r.value(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(e)
		}
		return out
	}
	return v
}

// transform is one way output can change a string.
type transform func(string) (string, bool)

// transforms are the encodings and decodings a secret can pass through on
// its way to an output.
var transforms = []transform{
	func(s string) (string, bool) { return jsonString(s, true), true },
	func(s string) (string, bool) { return jsonString(s, false), true },
	func(s string) (string, bool) { q := strconv.Quote(s); return q[1 : len(q)-1], true },
	func(s string) (string, bool) { q := strconv.QuoteToASCII(s); return q[1 : len(q)-1], true },
	func(s string) (string, bool) { return url.QueryEscape(s), true },
	func(s string) (string, bool) { return url.PathEscape(s), true },
	func(s string) (string, bool) { return lowerHex(url.QueryEscape(s)), true },
	func(s string) (string, bool) { return lowerHex(url.PathEscape(s)), true },
	func(s string) (string, bool) { return html.EscapeString(s), true },
	func(s string) (string, bool) {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String(), true
	},
	func(s string) (string, bool) { return strings.ReplaceAll(s, "'", `'\''`), true },
	// What a decoder makes of a secret that looks like an escape.
	func(s string) (string, bool) {
		var out string
		return out, json.Unmarshal([]byte(`"`+s+`"`), &out) == nil
	},
	func(s string) (string, bool) { u, err := strconv.Unquote(`"` + s + `"`); return u, err == nil },
	func(s string) (string, bool) { u, err := url.QueryUnescape(s); return u, err == nil },
	func(s string) (string, bool) { u, err := url.PathUnescape(s); return u, err == nil },
	func(s string) (string, bool) { return html.UnescapeString(s), true },
}

// secretForms returns secret in every form of one or two transforms.
func secretForms(secret string) []string {
	seen := map[string]bool{secret: true}
	level := []string{secret}
	for range 2 {
		var next []string
		for _, s := range level {
			for _, t := range transforms {
				if f, ok := t(s); ok && !seen[f] {
					seen[f] = true
					next = append(next, f)
				}
			}
		}
		level = next
	}
	var out []string
	for f := range seen {
		if len(f) >= minSecretLen {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// jsonString is s as it appears inside a JSON string.
func jsonString(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	q := strings.TrimSuffix(b.String(), "\n")
	return q[1 : len(q)-1]
}

var hexEscape = regexp.MustCompile(`%[0-9A-F]{2}`)

// lowerHex writes the percent escapes of s in lower case, as some servers
// do.
func lowerHex(s string) string {
	return hexEscape.ReplaceAllStringFunc(s, strings.ToLower)
}

// safeTarget returns a --target value fit to print: any user info
// (user:password@) is replaced, even when the value does not parse.
func safeTarget(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = nil
		return strings.Replace(u.String(), "://", "://"+Redacted+"@", 1)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	out := Redacted + "@" + rest[at+1:]
	if ok {
		out = scheme + "://" + out
	}
	return out
}
