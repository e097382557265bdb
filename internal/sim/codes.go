package sim

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// code is an SSCC or a returnCode in canonical form (ids.Parse's) as an
// integer, what an order's items and the byCode index keep instead of the
// strings: an SSCC is the value of its 18 digits (below 10^18); a
// returnCode "L-XXXXXXXX" is rcTag with its letter, its length (1 to 8)
// and its characters in base 36 packed below it. The mapping is one to
// one, so two codes are equal exactly when their strings are; the strings
// are formatted only for an answer.
type code uint64

// rcTag marks a returnCode; no SSCC reaches it.
const rcTag code = 1 << 62

// rcChars is the alphabet after a returnCode's dash, in the order of its
// digits in base 36.
const rcChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// maxRCLen is the longest returnCode ids.ReturnCodePattern accepts after
// its dash.
const maxRCLen = 8

// codeOf is the code of an SSCC or a returnCode exactly in canonical form:
// 18 ASCII digits, or a string that ids.ReturnCodePattern matches (upper
// case, no surrounding space). Anything else, another form of a code
// included, is not one: byCode holds canonical codes only.
func codeOf(s string) (code, bool) {
	if len(s) == 18 {
		v, err := strconv.ParseUint(s, 10, 64) // digits only: no sign
		if err != nil {
			return 0, false
		}
		return code(v), true
	}
	if len(s) < 3 || len(s) > 2+maxRCLen || s[0] < 'A' || s[0] > 'Z' || s[1] != '-' {
		return 0, false
	}
	var n uint64
	for i := 2; i < len(s); i++ {
		c := s[i]
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'A' && c <= 'Z':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		n = n*36 + d
	}
	return rcTag | code((n*(maxRCLen+1)+uint64(len(s)-2))*26+uint64(s[0]-'A')), true
}

// isReturnCode reports whether c is a returnCode's (else an SSCC's).
func (c code) isReturnCode() bool { return c&rcTag != 0 }

// String is c's canonical form.
func (c code) String() string {
	if !c.isReturnCode() {
		var b [18]byte
		v := uint64(c)
		for i := len(b) - 1; i >= 0; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
		return string(b[:])
	}
	v := uint64(c &^ rcTag)
	letter := byte('A' + v%26)
	v /= 26
	n, digits := v/(maxRCLen+1), int(v%(maxRCLen+1))
	var b [2 + maxRCLen]byte
	b[0], b[1] = letter, '-'
	for i := 1 + digits; i >= 2; i-- {
		b[i] = rcChars[n%36]
		n /= 36
	}
	return string(b[:2+digits])
}

// orderItem is an order's parcel: its SSCC and its returnCode, if any, as
// codes. The state file keeps them as their strings.
type orderItem struct {
	sscc code
	rc   code // 0 when none
}

// newOrderItem is the item of an SSCC and a returnCode ("" for none), each
// in canonical form.
func newOrderItem(sscc, returnCode string) (orderItem, error) {
	var it orderItem
	var ok bool
	if it.sscc, ok = codeOf(sscc); !ok || it.sscc.isReturnCode() {
		return orderItem{}, fmt.Errorf("sscc %q is not 18 digits", sscc)
	}
	if returnCode != "" {
		if it.rc, ok = codeOf(returnCode); !ok || !it.rc.isReturnCode() {
			return orderItem{}, fmt.Errorf("returnCode %q is not one in canonical form", returnCode)
		}
	}
	return it, nil
}

// SSCC is the item's 18 digits.
func (it orderItem) SSCC() string { return it.sscc.String() }

// ReturnCode is the item's returnCode, or "".
func (it orderItem) ReturnCode() string {
	if it.rc == 0 {
		return ""
	}
	return it.rc.String()
}

// itemRec is an item as the state file keeps it.
type itemRec struct {
	SSCC       string `json:"sscc"`                 // 18 digits
	ReturnCode string `json:"returnCode,omitempty"` // "" when none
}

// MarshalJSON writes the item as itemRec.
func (it orderItem) MarshalJSON() ([]byte, error) {
	return json.Marshal(itemRec{SSCC: it.SSCC(), ReturnCode: it.ReturnCode()})
}

// UnmarshalJSON reads an itemRec; an id not in canonical form is an
// error (checkOrder refused one before items were codes).
func (it *orderItem) UnmarshalJSON(b []byte) error {
	var r itemRec
	if err := decodeStrict(b, &r); err != nil {
		return err
	}
	v, err := newOrderItem(r.SSCC, r.ReturnCode)
	if err != nil {
		return err
	}
	*it = v
	return nil
}

// codeKey is the code of an SSCC or a returnCode in any form ids.Parse
// knows, for byCode.
func codeKey(id string) (code, bool) {
	switch k, v := ids.Parse(id); k {
	case ids.KindSSCC, ids.KindReturnCode:
		return codeOf(v)
	}
	return 0, false
}
