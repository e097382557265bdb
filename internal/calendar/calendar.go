// Package calendar knows civil dates and the Norwegian days on which a
// Helthjem driver can pick up a C2C parcel: every day but Sundays and the
// twelve public holidays (helligdager and offentlige høytidsdager).
// Saturdays are pickup days.
//
// It is not a general Norwegian calendar: it has no flagging days, no
// half days such as Christmas Eve, no regional or company closures and no
// capacity per day. It reads no clock and holds no state; callers pass
// "today" in, already turned into a Date in the zone they mean
// (Europe/Oslo for Helthjem).
package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Date is a civil date without time zone. The zero Date is not a valid
// date; the functions that make Dates (DateOf, ParseISO, ParseDesiredDate,
// Easter, AddDays) only return valid ones.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location; pass t.In(loc) to get
// the date somewhere else, e.g. in Europe/Oslo.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats d as ISO 8601, "2026-06-17".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Compact formats d as "20260617", the form of desiredDeliveryDate and
// distributionDate strings.
func (d Date) Compact() string {
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// Int returns d as the integer 20260617, the form of desiredDeliveryDate
// as the C2C guide sends it.
func (d Date) Int() int {
	return d.Year*10000 + int(d.Month)*100 + d.Day
}

// AddDays returns the date n days after d (before d if n is negative).
func (d Date) AddDays(n int) Date {
	return DateOf(d.noon().AddDate(0, 0, n))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.noon().Weekday()
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool {
	return d.compare(o) < 0
}

// After reports whether d is later than o.
func (d Date) After(o Date) bool {
	return d.compare(o) > 0
}

// In returns the wall-clock time hour:min on d in loc. Like time.Date, it
// normalises a time that does not exist in loc (a daylight-saving gap).
func (d Date) In(loc *time.Location, hour, min int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, hour, min, 0, 0, loc)
}

// noon is d at 12:00 UTC, a time whose date is d whatever the arithmetic.
func (d Date) noon() time.Time {
	return d.In(time.UTC, 12, 0)
}

// compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return sign(d.Year - o.Year)
	case d.Month != o.Month:
		return sign(int(d.Month) - int(o.Month))
	default:
		return sign(d.Day - o.Day)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// ErrInvalidDate is wrapped by every error of ParseDesiredDate and
// ParseISO, so that callers can tell a bad date from other failures.
var ErrInvalidDate = errors.New("invalid date")

// desiredForms names the accepted forms of desiredDeliveryDate.
const desiredForms = `the number YYYYMMDD, the string "YYYYMMDD" or the string "YYYY-MM-DD"`

// ParseDesiredDate parses what clients send as desiredDeliveryDate. raw is
// the raw JSON value, for example a json.RawMessage: the number 20260617
// (as the C2C guide sends it), the string "20260617" or the string
// "2026-06-17". White space around the value is ignored, as in JSON.
//
// Anything else is rejected: other separators, floats, exponents, signs,
// booleans, null, empty strings, dates that do not exist (20260230) and
// years before 1000.
// The error says which forms are expected, wraps ErrInvalidDate and does
// not repeat the value, so it is safe to return to the client.
func ParseDesiredDate(raw []byte) (Date, error) {
	d, err := parseDesired(trimJSONSpace(raw))
	if err != nil {
		return Date{}, fmt.Errorf("desired date %w; want %s: %w", err, desiredForms, ErrInvalidDate)
	}
	return d, nil
}

func parseDesired(raw []byte) (Date, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return Date{}, errors.New("is not a valid JSON string")
		}
		switch len(s) {
		case len("20260617"):
			return parseCompact(s)
		case len("2026-06-17"):
			return parseISO(s)
		}
		return Date{}, errors.New("has the wrong length")
	}
	// A JSON number never starts with 0 unless it is 0, so 8 digits
	// starting with 0 are not JSON.
	if len(raw) != len("20260617") || raw[0] == '0' {
		return Date{}, errors.New("is not an 8-digit number or a string")
	}
	return parseCompact(string(raw))
}

// ParseISO parses an ISO 8601 calendar date, "2026-06-17", and nothing
// else: no time, no zone, no week or ordinal dates, no other separators.
// Errors wrap ErrInvalidDate and do not repeat s.
func ParseISO(s string) (Date, error) {
	d, err := parseISO(s)
	if err != nil {
		return Date{}, fmt.Errorf("date %w; want YYYY-MM-DD: %w", err, ErrInvalidDate)
	}
	return d, nil
}

// parseISO parses "2026-06-17"; its errors complete "date …".
func parseISO(s string) (Date, error) {
	if len(s) != len("2026-06-17") || s[4] != '-' || s[7] != '-' {
		return Date{}, errors.New("is not in the form YYYY-MM-DD")
	}
	return parseParts(s[0:4], s[5:7], s[8:10])
}

// parseCompact parses "20260617"; its errors complete "date …".
func parseCompact(s string) (Date, error) {
	if len(s) != len("20260617") {
		return Date{}, errors.New("is not in the form YYYYMMDD")
	}
	return parseParts(s[0:4], s[4:6], s[6:8])
}

// parseParts makes a Date of a 4-digit year and 2-digit month and day,
// rejecting non-digits and dates that are not on the calendar. Years
// before 1000 are rejected too: no client means them, and it keeps every
// accepted date expressible as the 8-digit number. Its errors complete
// "date …".
func parseParts(year, month, day string) (Date, error) {
	y, okY := atoi(year)
	m, okM := atoi(month)
	dd, okD := atoi(day)
	if !okY || !okM || !okD {
		return Date{}, errors.New("has a non-digit where a digit belongs")
	}
	if y < 1000 {
		return Date{}, errors.New("has a year before 1000")
	}
	if m < 1 || m > 12 || dd < 1 || dd > daysIn(y, time.Month(m)) {
		return Date{}, errors.New("is not on the calendar")
	}
	return Date{y, time.Month(m), dd}, nil
}

// atoi parses a non-empty string of ASCII digits. Unlike strconv.Atoi it
// refuses signs.
func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// trimJSONSpace removes the white space JSON allows around a value.
func trimJSONSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// Easter returns Easter Sunday of year in the Gregorian calendar, by the
// anonymous algorithm (Meeus/Jones/Butcher). It is meant for years after
// 1583, when the Gregorian calendar began.
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{year, time.Month(month), day}
}

// Holiday returns the name of the Norwegian public holiday on d and true,
// or "" and false on any other day. The holidays are the ten non-Sunday
// helligdager of the Public Holidays Act (helligdagsloven) and the two
// offentlige høytidsdager, 1 and 17 May:
//
//	Første nyttårsdag      1 January
//	Skjærtorsdag           Easter Sunday − 3
//	Langfredag             Easter Sunday − 2
//	Første påskedag        Easter Sunday
//	Andre påskedag         Easter Sunday + 1
//	Arbeidernes dag        1 May
//	Grunnlovsdag           17 May
//	Kristi himmelfartsdag  Easter Sunday + 39
//	Første pinsedag        Easter Sunday + 49
//	Andre pinsedag         Easter Sunday + 50
//	Første juledag         25 December
//	Andre juledag          26 December
//
// Ordinary Sundays are not holidays here (PickupDay excludes them anyway).
// When a movable holiday falls on 1 or 17 May, as Ascension Day did on
// 1 May 2008, the fixed-date name is returned.
func Holiday(d Date) (string, bool) {
	switch {
	case d.Month == time.January && d.Day == 1:
		return "Første nyttårsdag", true
	case d.Month == time.May && d.Day == 1:
		return "Arbeidernes dag", true
	case d.Month == time.May && d.Day == 17:
		return "Grunnlovsdag", true
	case d.Month == time.December && d.Day == 25:
		return "Første juledag", true
	case d.Month == time.December && d.Day == 26:
		return "Andre juledag", true
	}
	// Every movable holiday lies between Easter − 3 (19 March at the
	// earliest) and Easter + 50 (14 June at the latest).
	if d.Month < time.March || d.Month > time.June {
		return "", false
	}
	switch daysBetween(Easter(d.Year), d) {
	case -3:
		return "Skjærtorsdag", true
	case -2:
		return "Langfredag", true
	case 0:
		return "Første påskedag", true
	case 1:
		return "Andre påskedag", true
	case 39:
		return "Kristi himmelfartsdag", true
	case 49:
		return "Første pinsedag", true
	case 50:
		return "Andre pinsedag", true
	}
	return "", false
}

// daysBetween returns the number of days from a to b, negative if b is
// before a. Both are taken at noon UTC, so every day is 24 hours long.
func daysBetween(a, b Date) int {
	return int(b.noon().Sub(a.noon()) / (24 * time.Hour))
}

// PickupDay reports whether a C2C pickup can happen on d: any day that is
// neither a Sunday nor a public holiday. Saturdays are pickup days.
func PickupDay(d Date) bool {
	if d.Weekday() == time.Sunday {
		return false
	}
	_, holiday := Holiday(d)
	return !holiday
}

// MaxPickupLimit is the largest limit PickupDates accepts; the legacy API
// documents limit as 1–30 with 14 as the default.
const MaxPickupLimit = 30

// PickupDates returns, in order, the pickup days among the limit calendar
// days that start the day after today. With today 2026-06-16 and limit 14
// that is the 12 dates from 2026-06-17 to 2026-06-30 without the Sundays,
// as in the C2C guide. The result is never nil, so it encodes as a JSON
// array even when empty (limit 1 on a Saturday). limit must be 1 to 30.
func PickupDates(today Date, limit int) ([]Date, error) {
	if limit < 1 || limit > MaxPickupLimit {
		return nil, fmt.Errorf("pickup dates: limit %d is outside 1 to %d", limit, MaxPickupLimit)
	}
	dates := make([]Date, 0, limit)
	for d, i := today.AddDays(1), 0; i < limit; d, i = d.AddDays(1), i+1 {
		if PickupDay(d) {
			dates = append(dates, d)
		}
	}
	return dates, nil
}

// Offered reports whether d is among PickupDates(today, MaxPickupLimit):
// a pickup day within the 30 days after today. It is that list's
// membership test without building the list.
func Offered(d, today Date) bool {
	return d.After(today) && !d.After(today.AddDays(MaxPickupLimit)) && PickupDay(d)
}

// NextPickupDay returns the first pickup day strictly after d.
func NextPickupDay(d Date) Date {
	// This ends within four days: at most three non-pickup days follow
	// each other (a Sunday 24 December, then Christmas).
	for {
		d = d.AddDays(1)
		if PickupDay(d) {
			return d
		}
	}
}
