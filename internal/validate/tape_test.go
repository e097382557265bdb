package validate

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzTape: the tape parser accepts exactly what json.Valid accepts, and
// reads every string as encoding/json decodes it.
//
//	go test ./internal/validate -run '^$' -fuzz '^FuzzTape$' -fuzztime 1m
func FuzzTape(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":[1,-2.5e+3,true,false,null,"x"]}`, `"\u00e6\ud83d\ude00\ud800\udc00\udc00"`,
		"\"\xff\xfe a\"", `"\/\b\f\n\r\t\"\\"`, `{"a":1}x`, ` 0 `, `01`, `-`, `1.`, `1e`, `.5`, `"\u12"`,
		"\"\x01\"", `{"a" 1}`, `[1,]`, `{"a":1,}`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tp tape
		err := tp.parse(b)
		if valid := json.Valid(b); valid != (err == nil) {
			t.Fatalf("parse = %v, json.Valid = %v", err, valid)
		}
		if err != nil {
			return
		}
		var buf []byte
		for i, tok := range tp.toks {
			if tok.kind != kindString {
				continue
			}
			var want string
			if err := json.Unmarshal(b[tok.start:tok.end], &want); err != nil {
				t.Fatalf("token %d %q: %v", i, b[tok.start:tok.end], err)
			}
			var got []byte
			got, buf = tp.str(int32(i), buf)
			if string(got) != want {
				t.Fatalf("token %d %q = %q, want %q", i, b[tok.start:tok.end], got, want)
			}
		}
	})
}
