package sim

import (
	"encoding/json"
	"testing"
)

// TestCodeRoundTrip: every canonical SSCC and returnCode gives a code that
// formats back to the same string, and codes of different strings differ
// (items and byCode keep codes instead of strings).
func TestCodeRoundTrip(t *testing.T) {
	ids := []string{
		"000000000000000000", "370724763469418096", "999999999999999999", "000000000000000001",
		"T-NXXW9", "T-H1MN3", "A-0", "A-00", "A-000", "Z-ZZZZZZZZ", "R-1234", "B-0", "A-A", "T-00000", "T-0000Z",
	}
	seen := map[code]string{}
	for _, s := range ids {
		c, ok := codeOf(s)
		if !ok {
			t.Errorf("codeOf(%q) is not a code", s)
			continue
		}
		if got := c.String(); got != s {
			t.Errorf("codeOf(%q).String() = %q", s, got)
		}
		if c.isReturnCode() != (s[1] == '-') {
			t.Errorf("codeOf(%q).isReturnCode() = %v", s, c.isReturnCode())
		}
		if prev, dup := seen[c]; dup {
			t.Errorf("%q and %q have the same code %d", prev, s, c)
		}
		seen[c] = s
	}
}

// TestCodeOfRefusesOtherForms: byCode held canonical strings only, so
// taken("t-nxxw9") or taken("(00)…") was false; a code must not exist for
// any other form, or taken would change.
func TestCodeOfRefusesOtherForms(t *testing.T) {
	for _, s := range []string{
		"", "T-", "t-NXXW9", "T-nxxw9", " T-NXXW9", "T-NXXW9 ", "TT-NXXW9", "T-NXXW9AAAA", "T_NXXW9", "1-ABC", "T-ÆØÅ",
		"(00)370724763469418096", "37072476346941809", "3707247634694180960", "+70724763469418096",
		"-70724763469418096", "37072476346941809a", "70724763469418064", "3707247634694180_6",
	} {
		if c, ok := codeOf(s); ok {
			t.Errorf("codeOf(%q) = %d, want no code", s, c)
		}
	}
}

// TestOrderItemJSON: the state file keeps an item's ids as strings, as
// before they were codes; an id not in canonical form does not load.
func TestOrderItemJSON(t *testing.T) {
	for _, in := range []string{
		`{"sscc":"370724763557360603","returnCode":"T-HN5NC"}`,
		`{"sscc":"370724763557360610"}`,
	} {
		var it orderItem
		if err := json.Unmarshal([]byte(in), &it); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out, err := json.Marshal(it)
		if err != nil || string(out) != in {
			t.Errorf("%s read and written = %s, %v", in, out, err)
		}
	}
	for _, in := range []string{
		`{"sscc":"(00)370724763557360603"}`, `{"sscc":"T-HN5NC"}`, `{"sscc":""}`,
		`{"sscc":"370724763557360603","returnCode":"t-hn5nc"}`, `{"sscc":"370724763557360603","returnCode":"370724763557360610"}`,
	} {
		var it orderItem
		if err := json.Unmarshal([]byte(in), &it); err == nil {
			t.Errorf("%s loaded as %+v, want an error", in, it)
		}
	}
}
