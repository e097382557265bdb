package sim

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// maxJournalBody is the largest body -journal-bodies keeps; a larger one
// is journaled as a note of its size.
const maxJournalBody = 64 << 10

// redactedValue stands in for a value of a personal or secret key.
const redactedValue = "<redacted>"

// personalKeys are the keys whose values -journal-bodies never keeps:
// names, phone numbers, e-mail addresses, street addresses, free text
// addressed to people, references, secrets and tokens. Keys are compared
// in lower case without spaces, '_' or '-' ("customer name", client_secret).
var personalKeys = map[string]bool{
	"name": true, "customername": true, "contact": true, "reference": true,
	"phone": true, "phone1": true, "phone2": true, "mobile": true, "email": true,
	"address": true, "coaddress": true, "detailedaddress": true,
	"messagetocarrier": true, "messagetoconsignee": true,
	"clientsecret": true, "secret": true, "password": true,
	"token": true, "accesstoken": true, "authorization": true,
}

func personalKey(name string) bool {
	k := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-':
			return -1
		}
		return r
	}, strings.ToLower(name))
	return personalKeys[k]
}

// journalBody is body as the journal keeps it: JSON with the value of
// every personal key replaced by "<redacted>" (null and "" stay, they say
// nothing), or, for a body that is not JSON or is too large, a JSON string
// that gives its size. Nil for no body.
func journalBody(body []byte) []byte {
	switch {
	case len(body) == 0:
		return nil
	case len(body) > maxJournalBody:
		return note(strconv.Itoa(len(body)) + " bytes, over the " + strconv.Itoa(maxJournalBody) + " kept")
	}
	b, err := redact(body)
	if err != nil {
		return note(strconv.Itoa(len(body)) + " bytes, not JSON")
	}
	return b
}

func note(s string) []byte { return strconv.AppendQuote(nil, "<"+s+">") }

// redact copies the JSON document body token by token, replacing the
// values of personal keys at any depth.
func redact(body []byte) ([]byte, error) {
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
			if !personalKey(name.String()) {
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
