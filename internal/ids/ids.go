// Package ids makes and recognises the identifiers the Helthjem parcel API
// hands out: GS1 shipment numbers ("(401)" + 17 digits), SSCC tracking
// references ("(00)" + 18 digits), return codes ("T-NXXW9") and short item
// identifiers ("...8096").
//
// It is pure string arithmetic: it does not allocate serials, store
// identifiers or know whether one was ever issued. Callers own the counter
// and the randomness (see NewReturnCode), so the package has no state.
package ids

import (
	"fmt"
	"strconv"
	"strings"
)

// CompanyPrefix is Helthjem's GS1 company prefix, the first digits of every
// shipment number and (after the extension digit 3) of every SSCC.
const CompanyPrefix = "7072476"

// ShipmentPrefix is the GS1 application identifier labels and bookings put
// in front of a shipment number: "(401)70724763469418064".
const ShipmentPrefix = "(401)"

// TrackingPrefix is the GS1 application identifier put in front of an SSCC:
// "(00)370724763469418096".
const TrackingPrefix = "(00)"

// ssccExtension is the extension digit that starts every Helthjem SSCC.
const ssccExtension = "3"

// serialDigits is the width of the zero-padded serial in both identifiers.
const serialDigits = 9

// maxSerial is the first serial that no longer fits in serialDigits digits.
const maxSerial = 1_000_000_000

const (
	shipmentLen = len(CompanyPrefix) + serialDigits + 1                      // 17
	ssccLen     = len(ssccExtension) + len(CompanyPrefix) + serialDigits + 1 // 18
)

// CheckDigit computes the GS1 mod-10 check digit for digits, a string of
// ASCII digits that does not yet include the check digit. The result is the
// ASCII digit ('0'..'9'), ready to append. It fails on an empty string or
// on any byte that is not an ASCII digit.
func CheckDigit(digits string) (byte, error) {
	if digits == "" {
		return 0, fmt.Errorf("check digit: no digits")
	}
	if !allDigits(digits) {
		return 0, fmt.Errorf("check digit: %q is not all ASCII digits", digits)
	}
	return checkDigit(digits), nil
}

// checkDigit is CheckDigit for input already known to be ASCII digits.
// The rightmost digit weighs 3, the next 1, and so on alternately.
func checkDigit[T string | []byte](digits T) byte {
	sum := 0
	weight := 3
	for i := len(digits) - 1; i >= 0; i-- {
		sum += int(digits[i]-'0') * weight
		weight = 4 - weight
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidGS1 reports whether s is at least two ASCII digits and its last
// digit is the GS1 check digit of the rest.
func ValidGS1(s string) bool {
	if len(s) < 2 || !allDigits(s) {
		return false
	}
	return checkDigit(s[:len(s)-1]) == s[len(s)-1]
}

// ShipmentNumber returns the 17-digit GS1 shipment number for serial:
// CompanyPrefix, the serial zero-padded to 9 digits and the check digit.
// ShipmentNumber(346941806) is "70724763469418064". It fails when serial
// does not fit in 9 digits.
func ShipmentNumber(serial uint64) (string, error) {
	if serial >= maxSerial {
		return "", fmt.Errorf("shipment number: serial %d has more than %d digits", serial, serialDigits)
	}
	return withCheckDigit(CompanyPrefix, serial, shipmentLen), nil
}

// SSCC returns the 18-digit Serial Shipping Container Code for serial: the
// extension digit 3, CompanyPrefix, the serial zero-padded to 9 digits and
// the check digit. SSCC(346941809) is "370724763469418096". It fails when
// serial does not fit in 9 digits.
func SSCC(serial uint64) (string, error) {
	if serial >= maxSerial {
		return "", fmt.Errorf("sscc: serial %d has more than %d digits", serial, serialDigits)
	}
	return withCheckDigit(ssccExtension+CompanyPrefix, serial, ssccLen), nil
}

// withCheckDigit builds prefix + serial padded to serialDigits + check
// digit in one allocation. serial must be below maxSerial.
func withCheckDigit(prefix string, serial uint64, n int) string {
	buf := make([]byte, 0, n)
	buf = append(buf, prefix...)
	var tmp [serialDigits]byte
	digits := strconv.AppendUint(tmp[:0], serial, 10)
	for range serialDigits - len(digits) {
		buf = append(buf, '0')
	}
	buf = append(buf, digits...)
	buf = append(buf, checkDigit(buf))
	return string(buf)
}

// ReturnCodeAlphabet is the alphabet of the return codes this mock issues:
// every upper-case ASCII letter and every digit. Real codes use letters and
// digits alike, look-alikes included: the C2C guide's "T-H1MN3" has a 1
// and "T-NXXW9" an X and a 9, so no character can be left out on the
// evidence of the two published codes.
const ReturnCodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// returnCodeLen is the number of characters after "T-".
const returnCodeLen = 5

// NewReturnCode returns a return code such as "T-NXXW9": "T-" followed by
// five characters of ReturnCodeAlphabet. rnd(n) must return a uniformly
// distributed int in [0,n), for example rand.IntN from math/rand/v2 or a
// seeded *rand.Rand's IntN; NewReturnCode panics if it returns anything
// else, as that is a bug in the caller. Uniqueness is the caller's job.
func NewReturnCode(rnd func(n int) int) string {
	var buf [2 + returnCodeLen]byte
	buf[0], buf[1] = 'T', '-'
	for i := 2; i < len(buf); i++ {
		k := rnd(len(ReturnCodeAlphabet))
		if k < 0 || k >= len(ReturnCodeAlphabet) {
			panic(fmt.Sprintf("ids: rnd(%d) returned %d, outside [0,%d)", len(ReturnCodeAlphabet), k, len(ReturnCodeAlphabet)))
		}
		buf[i] = ReturnCodeAlphabet[k]
	}
	return string(buf[:])
}

// ReturnCodePattern is the (upper-case) pattern Parse accepts as a return
// code. It is wider than what NewReturnCode makes, because codes seen in
// the wild are: the legacy API's example is "R-1234", with another letter
// and length.
const ReturnCodePattern = `^[A-Z]-[A-Z0-9]{1,8}$`

// Kind is what sort of identifier Parse found.
type Kind int

// The kinds of identifier Parse tells apart.
const (
	KindUnknown    Kind = iota // not an identifier Parse recognises
	KindShipment               // 17-digit GS1 shipment number, "(401)"
	KindSSCC                   // 18-digit SSCC tracking reference, "(00)"
	KindReturnCode             // return code such as "T-NXXW9"
)

// String returns a lower-case name for k, such as "shipment".
func (k Kind) String() string {
	switch k {
	case KindUnknown:
		return "unknown"
	case KindShipment:
		return "shipment"
	case KindSSCC:
		return "sscc"
	case KindReturnCode:
		return "return code"
	default:
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
}

// Parse classifies an identifier as a client would type it or put it in a
// URL, and returns it in canonical form:
//
//   - "(401)70724763469418064", "%28401%2970724763469418064" or bare
//     "70724763469418064": KindShipment and the 17 digits;
//   - "(00)370724763469418096", "%2800%29370724763469418096" or bare
//     "370724763469418096": KindSSCC and the 18 digits;
//   - "T-NXXW9" in any ASCII case, matching ReturnCodePattern once
//     upper-cased: KindReturnCode and the upper-cased code.
//
// Leading and trailing white space is ignored. Digits are classified by
// their length alone: a wrong check digit or a foreign company prefix is
// still a shipment number or SSCC, because the real API looks up what it
// stored rather than validating. A prefix whose length does not match
// ("(401)" with 18 digits) and anything else give KindUnknown and the
// trimmed input.
func Parse(s string) (Kind, string) {
	s = strings.TrimSpace(s)
	if body, ok := cutPrefix(s, ShipmentPrefix, "%28401%29"); ok {
		if len(body) == shipmentLen && allDigits(body) {
			return KindShipment, body
		}
		return KindUnknown, s
	}
	if body, ok := cutPrefix(s, TrackingPrefix, "%2800%29"); ok {
		if len(body) == ssccLen && allDigits(body) {
			return KindSSCC, body
		}
		return KindUnknown, s
	}
	if allDigits(s) {
		switch len(s) {
		case shipmentLen:
			return KindShipment, s
		case ssccLen:
			return KindSSCC, s
		}
		return KindUnknown, s
	}
	if code, ok := returnCode(s); ok {
		return KindReturnCode, code
	}
	return KindUnknown, s
}

// cutPrefix removes plain or its URL-escaped form escaped from the front
// of s. The escape is matched case-insensitively ("%2d" and "%2D" are the
// same), although the parenthesis escapes contain no letters today.
func cutPrefix(s, plain, escaped string) (string, bool) {
	if rest, ok := strings.CutPrefix(s, plain); ok {
		return rest, true
	}
	if len(s) >= len(escaped) && strings.EqualFold(s[:len(escaped)], escaped) {
		return s[len(escaped):], true
	}
	return "", false
}

// returnCode upper-cases s (ASCII only, so that "ſ" does not turn into
// "S") and reports whether it matches ReturnCodePattern.
func returnCode(s string) (string, bool) {
	if len(s) < 3 || len(s) > 10 || s[1] != '-' {
		return "", false
	}
	buf := []byte(s)
	for i, c := range buf {
		if i == 1 {
			continue
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
			buf[i] = c
		}
		isLetter := 'A' <= c && c <= 'Z'
		isDigit := '0' <= c && c <= '9'
		if !isLetter && !(isDigit && i > 1) {
			return "", false
		}
	}
	return string(buf), true
}

// ShortItemIdentifier returns the short form shown to senders, "..." and
// the last four characters of sscc: "...8096" for "370724763469418096".
// It does not validate sscc; a string shorter than four is kept whole.
func ShortItemIdentifier(sscc string) string {
	return "..." + sscc[max(0, len(sscc)-4):]
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
