package sim

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mockhelthjem/mockhelthjem/internal/personal"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// maxJournalBody is the largest body -journal-bodies keeps; a larger one
// is journaled as a note of its size.
const maxJournalBody = 64 << 10

// redactedValue stands in for a value of a personal or secret key.
const redactedValue = "<redacted>"

// redactKeys tells whether a key's value is one -journal-bodies never
// keeps: personal data as the spec's x-personal marks say
// (internal/personal), or a secret.
type redactKeys struct{ personal.Keys }

// newRedactKeys reads the marks of v's operations. It runs once, in New;
// the journal then looks keys up.
func newRedactKeys(v *validate.Validator) redactKeys { return redactKeys{personal.New(v)} }

// redacted reports whether the value of key name is redacted.
func (keys redactKeys) redacted(in personal.Direction, name string) bool {
	return personal.Secret(name) || keys.Personal(in, name)
}

// journalBody is body as the journal keeps it: JSON with the value of
// every key keys redacts replaced by "<redacted>" (null and "" stay, they
// say nothing), or, for a body that is not JSON or is too large, a JSON
// string that gives its size. Nil for no body.
func journalBody(body []byte, keys redactKeys, in personal.Direction) []byte {
	switch {
	case len(body) == 0:
		return nil
	case len(body) > maxJournalBody:
		return note(strconv.Itoa(len(body)) + " bytes, over the " + strconv.Itoa(maxJournalBody) + " kept")
	}
	b, err := redact(body, keys, in)
	if err != nil {
		return note(strconv.Itoa(len(body)) + " bytes, not JSON")
	}
	return b
}

func note(s string) []byte { return strconv.AppendQuote(nil, "<"+s+">") }

// redact copies the JSON document body token by token, replacing the
// values of the keys keys redacts at any depth.
func redact(body []byte, keys redactKeys, in personal.Direction) ([]byte, error) {
	opts := []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}
	dec := jsontext.NewDecoder(bytes.NewReader(body), opts...)
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out, opts...)
	for {
		kind, n := dec.StackIndex(dec.StackDepth())
		if kind == '{' && n%2 == 0 && dec.PeekKind() == '"' {
			name, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			if err := enc.WriteToken(name); err != nil {
				return nil, err
			}
			if !keys.redacted(in, name.String()) {
				continue
			}
			v, err := dec.ReadValue()
			if err != nil {
				return nil, err
			}
			if s := string(v); s != "null" && s != `""` {
				v = jsontext.Value(strconv.Quote(redactedValue))
			}
			if err := enc.WriteValue(v); err != nil {
				return nil, err
			}
			continue
		}
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := enc.WriteToken(tok); err != nil {
			return nil, err
		}
	}
	v := jsontext.Value(bytes.TrimSuffix(out.Bytes(), []byte("\n")))
	if !v.IsValid(opts...) { // more than one value
		return nil, errors.New("not one JSON value")
	}
	return v, nil
}
