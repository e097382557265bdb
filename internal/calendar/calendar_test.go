package calendar

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// day is shorthand for a Date in a test table.
func day(y int, m time.Month, d int) Date { return Date{y, m, d} }

// days returns the Dates of the given days of month m in year y.
func days(y int, m time.Month, ds ...int) []Date {
	out := make([]Date, 0, len(ds))
	for _, d := range ds {
		out = append(out, day(y, m, d))
	}
	return out
}

func TestDateFormats(t *testing.T) {
	type formats struct {
		String, Compact string
		Int             int
		Weekday         time.Weekday
	}
	tests := []struct {
		name string
		d    Date
		want formats
	}{
		{"guide date", day(2026, time.June, 17), formats{"2026-06-17", "20260617", 20260617, time.Wednesday}},
		{"new year", day(2027, time.January, 1), formats{"2027-01-01", "20270101", 20270101, time.Friday}},
		{"leap day", day(2028, time.February, 29), formats{"2028-02-29", "20280229", 20280229, time.Tuesday}},
		{"year one", day(1, time.January, 1), formats{"0001-01-01", "00010101", 10101, time.Monday}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := formats{tc.d.String(), tc.d.Compact(), tc.d.Int(), tc.d.Weekday()}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%#v (-want +got):\n%s", tc.d, diff)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	oslo := time.FixedZone("CEST", 2*60*60)
	tests := []struct {
		name string
		t    time.Time
		want Date
	}{
		{"UTC evening", time.Date(2026, 6, 16, 23, 30, 0, 0, time.UTC), day(2026, time.June, 16)},
		{"same instant in Oslo", time.Date(2026, 6, 16, 23, 30, 0, 0, time.UTC).In(oslo), day(2026, time.June, 17)},
		{"midnight", time.Date(2026, 12, 31, 0, 0, 0, 0, oslo), day(2026, time.December, 31)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, DateOf(tc.t)); diff != "" {
				t.Errorf("DateOf(%v) (-want +got):\n%s", tc.t, diff)
			}
		})
	}
}

func TestIn(t *testing.T) {
	oslo := time.FixedZone("CEST", 2*60*60)
	got := day(2026, time.June, 17).In(oslo, 9, 30)
	want := time.Date(2026, 6, 17, 7, 30, 0, 0, time.UTC)
	if !got.Equal(want) {
		t.Errorf("In = %v, want %v", got, want)
	}
	if diff := cmp.Diff(day(2026, time.June, 17), DateOf(got)); diff != "" {
		t.Errorf("DateOf(In) (-want +got):\n%s", diff)
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		name string
		d    Date
		n    int
		want Date
	}{
		{"zero", day(2026, time.June, 17), 0, day(2026, time.June, 17)},
		{"next day", day(2026, time.June, 17), 1, day(2026, time.June, 18)},
		{"month end", day(2026, time.June, 30), 1, day(2026, time.July, 1)},
		{"year end", day(2026, time.December, 31), 1, day(2027, time.January, 1)},
		{"leap day", day(2028, time.February, 28), 1, day(2028, time.February, 29)},
		{"not a leap year", day(2100, time.February, 28), 1, day(2100, time.March, 1)},
		{"backwards", day(2027, time.January, 1), -1, day(2026, time.December, 31)},
		{"over DST change", day(2026, time.March, 28), 2, day(2026, time.March, 30)},
		{"a year", day(2026, time.June, 17), 365, day(2027, time.June, 17)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.d.AddDays(tc.n)); diff != "" {
				t.Errorf("%v.AddDays(%d) (-want +got):\n%s", tc.d, tc.n, diff)
			}
		})
	}
}

func TestBeforeAfter(t *testing.T) {
	tests := []struct {
		name          string
		d, o          Date
		before, after bool
	}{
		{"equal", day(2026, time.June, 17), day(2026, time.June, 17), false, false},
		{"day", day(2026, time.June, 17), day(2026, time.June, 18), true, false},
		{"month beats day", day(2026, time.July, 1), day(2026, time.June, 30), false, true},
		{"year beats month", day(2026, time.December, 31), day(2027, time.January, 1), true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := [2]bool{tc.d.Before(tc.o), tc.d.After(tc.o)}
			if diff := cmp.Diff([2]bool{tc.before, tc.after}, got); diff != "" {
				t.Errorf("%v Before, After %v (-want +got):\n%s", tc.d, tc.o, diff)
			}
		})
	}
}

func TestParseDesiredDate(t *testing.T) {
	good := []struct {
		name string
		raw  string
		want Date
	}{
		{"number as in the guide", `20260617`, day(2026, time.June, 17)},
		{"compact string", `"20260617"`, day(2026, time.June, 17)},
		{"ISO string", `"2026-06-17"`, day(2026, time.June, 17)},
		{"JSON white space", " \n20260617\t", day(2026, time.June, 17)},
		{"leap day", `"2028-02-29"`, day(2028, time.February, 29)},
		{"new year's eve", `20261231`, day(2026, time.December, 31)},
		{"JSON escape in string", `"\u0032026-06-17"`, day(2026, time.June, 17)},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDesiredDate([]byte(tc.raw))
			if err != nil {
				t.Fatalf("ParseDesiredDate(%s): %v", tc.raw, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseDesiredDate(%s) (-want +got):\n%s", tc.raw, diff)
			}
		})
	}

	bad := []struct {
		name string
		raw  string
	}{
		{"slashes", `"2026/06/17"`},
		{"Norwegian dots", `"17.06.2026"`},
		{"seven digits", `2026061`},
		{"nine digits", `202606170`},
		{"float", `20260617.5`},
		{"float with zero fraction", `20260617.0`},
		{"exponent", `2.0260617e7`},
		{"negative", `-20260617`},
		{"negative of eight", `-2026061`},
		{"plus of eight", `+2026061`},
		{"leading zero", `02026061`},
		{"month 13", `"20261301"`},
		{"30 February", `"20260230"`},
		{"29 February not leap", `20250229`},
		{"day zero", `"2026-06-00"`},
		{"month zero", `20260017`},
		{"year zero", `"00000101"`},
		{"year 999", `"0999-12-31"`},
		{"true", `true`},
		{"null", `null`},
		{"empty string", `""`},
		{"nothing", ``},
		{"white space only", `  `},
		{"word", `"tomorrow"`},
		{"unpadded ISO", `"2026-6-17"`},
		{"ISO with time", `"2026-06-17T00:00:00Z"`},
		{"ISO with other separator", `"2026_06_17"`},
		{"string with spaces", `" 20260617"`},
		{"unterminated string", `"20260617`},
		{"bad escape", `"2026\x0617"`},
		{"number in string with sign", `"+2026061"`},
		{"array", `["20260617"]`},
		{"object", `{"date":20260617}`},
		{"two values", `20260617 1`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDesiredDate([]byte(tc.raw))
			if err == nil {
				t.Fatalf("ParseDesiredDate(%s) = %v, want an error", tc.raw, got)
			}
			if !errors.Is(err, ErrInvalidDate) {
				t.Errorf("ParseDesiredDate(%s) error %q does not wrap ErrInvalidDate", tc.raw, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, `"YYYY-MM-DD"`) || !strings.Contains(msg, "number YYYYMMDD") {
				t.Errorf("ParseDesiredDate(%s) error %q does not name the expected forms", tc.raw, msg)
			}
			if v := strings.TrimSpace(tc.raw); len(v) > 2 && strings.Contains(msg, v) {
				t.Errorf("ParseDesiredDate(%s) error %q repeats the value", tc.raw, msg)
			}
		})
	}
}

func TestParseISO(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Date
		wantErr bool
	}{
		{name: "date", in: "2026-06-17", want: day(2026, time.June, 17)},
		{name: "compact", in: "20260617", wantErr: true},
		{name: "impossible", in: "2026-02-30", wantErr: true},
		{name: "quoted", in: `"2026-06-17"`, wantErr: true},
		{name: "with time", in: "2026-06-17T10:00", wantErr: true},
		{name: "signed month", in: "2026-+6-17", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "first year accepted", in: "1000-01-01", want: day(1000, time.January, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseISO(tc.in)
			if tc.wantErr {
				if err == nil || !errors.Is(err, ErrInvalidDate) {
					t.Fatalf("ParseISO(%q) = %v, %v; want an error wrapping ErrInvalidDate", tc.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseISO(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseISO(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestEaster(t *testing.T) {
	tests := []struct {
		year int
		want Date
	}{
		{2024, day(2024, time.March, 31)},
		{2025, day(2025, time.April, 20)},
		{2026, day(2026, time.April, 5)},
		{2027, day(2027, time.March, 28)},
		{2038, day(2038, time.April, 25)}, // latest possible
		{2285, day(2285, time.March, 22)}, // earliest possible
		{1818, day(1818, time.March, 22)},
		{1943, day(1943, time.April, 25)},
		{2000, day(2000, time.April, 23)},
		{2100, day(2100, time.March, 28)},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.year), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Easter(tc.year)); diff != "" {
				t.Errorf("Easter(%d) (-want +got):\n%s", tc.year, diff)
			}
		})
	}
}

func TestEasterIsASundayInRange(t *testing.T) {
	earliest, latest := 0, 0
	for year := 1583; year <= 4099; year++ {
		e := Easter(year)
		if e.Weekday() != time.Sunday {
			t.Fatalf("Easter(%d) = %v, a %v", year, e, e.Weekday())
		}
		if e.Before(day(year, time.March, 22)) || e.After(day(year, time.April, 25)) {
			t.Fatalf("Easter(%d) = %v, outside 22 March to 25 April", year, e)
		}
		if e == day(year, time.March, 22) {
			earliest++
		}
		if e == day(year, time.April, 25) {
			latest++
		}
	}
	if earliest == 0 || latest == 0 {
		t.Errorf("Easter hit 22 March %d times and 25 April %d times, want both", earliest, latest)
	}
}

func TestHoliday(t *testing.T) {
	type result struct {
		Name string
		OK   bool
	}
	tests := []struct {
		d    Date
		want result
	}{
		{day(2026, time.January, 1), result{"Første nyttårsdag", true}},
		{day(2026, time.March, 29), result{}}, // Palm Sunday: a Sunday, not listed
		{day(2026, time.April, 2), result{"Skjærtorsdag", true}},
		{day(2026, time.April, 3), result{"Langfredag", true}},
		{day(2026, time.April, 4), result{}}, // Easter Saturday
		{day(2026, time.April, 5), result{"Første påskedag", true}},
		{day(2026, time.April, 6), result{"Andre påskedag", true}},
		{day(2026, time.May, 1), result{"Arbeidernes dag", true}},
		{day(2026, time.May, 14), result{"Kristi himmelfartsdag", true}},
		{day(2026, time.May, 17), result{"Grunnlovsdag", true}},
		{day(2026, time.May, 24), result{"Første pinsedag", true}},
		{day(2026, time.May, 25), result{"Andre pinsedag", true}},
		{day(2026, time.June, 17), result{}},
		{day(2026, time.December, 24), result{}}, // Christmas Eve is a working day
		{day(2026, time.December, 25), result{"Første juledag", true}},
		{day(2026, time.December, 26), result{"Andre juledag", true}},
		{day(2026, time.December, 31), result{}},
		{day(2038, time.June, 14), result{"Andre pinsedag", true}},       // latest Whit Monday
		{day(2008, time.May, 1), result{"Arbeidernes dag", true}},        // also Ascension Day
		{day(2027, time.May, 17), result{"Grunnlovsdag", true}},          // also Whit Monday
		{day(2285, time.March, 19), result{"Skjærtorsdag", true}},        // earliest
		{day(2285, time.March, 23), result{"Andre påskedag", true}},      // earliest
		{day(2038, time.April, 26), result{"Andre påskedag", true}},      // latest
		{day(2038, time.June, 3), result{"Kristi himmelfartsdag", true}}, // latest
	}
	for _, tc := range tests {
		t.Run(tc.d.String(), func(t *testing.T) {
			name, ok := Holiday(tc.d)
			if diff := cmp.Diff(tc.want, result{name, ok}); diff != "" {
				t.Errorf("Holiday(%v) (-want +got):\n%s", tc.d, diff)
			}
		})
	}
}

func TestHolidaysPerYear(t *testing.T) {
	// Every year has the twelve holidays, fewer only when two coincide.
	for year := 1900; year <= 2300; year++ {
		names := map[string]bool{}
		for d := day(year, time.January, 1); d.Year == year; d = d.AddDays(1) {
			if name, ok := Holiday(d); ok {
				if names[name] {
					t.Fatalf("%d: %s twice", year, name)
				}
				names[name] = true
			}
		}
		if len(names) < 11 || len(names) > 12 {
			t.Fatalf("%d has %d holidays, want 12 (11 if two coincide)", year, len(names))
		}
	}
}

func TestPickupDay(t *testing.T) {
	tests := []struct {
		name string
		d    Date
		want bool
	}{
		{"Wednesday", day(2026, time.June, 17), true},
		{"Saturday", day(2026, time.June, 20), true},
		{"Sunday", day(2026, time.June, 21), false},
		{"holiday on a weekday", day(2026, time.May, 14), false},
		{"holiday on a Saturday", day(2026, time.December, 26), false},
		{"Easter Saturday", day(2027, time.March, 27), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PickupDay(tc.d); got != tc.want {
				t.Errorf("PickupDay(%v) = %v, want %v", tc.d, got, tc.want)
			}
		})
	}
}

func TestPickupDates(t *testing.T) {
	tests := []struct {
		name  string
		today Date
		limit int
		want  []Date
	}{
		{
			name:  "C2C guide example",
			today: day(2026, time.June, 16), limit: 14,
			want: days(2026, time.June, 17, 18, 19, 20, 22, 23, 24, 25, 26, 27, 29, 30),
		},
		{
			name:  "Easter 2027",
			today: day(2027, time.March, 23), limit: 10,
			// Not 25 (Skjærtorsdag), 26 (Langfredag), 28 (Sunday) or 29
			// (Andre påskedag); Easter Saturday 27 is a pickup day.
			want: append(days(2027, time.March, 24, 27, 30, 31), days(2027, time.April, 1, 2)...),
		},
		{
			name:  "May 2026",
			today: day(2026, time.April, 30), limit: 30,
			// Not 1 (Arbeidernes dag), 14 (Kristi himmelfartsdag), 17
			// (Grunnlovsdag, a Sunday), 25 (Andre pinsedag) or Sundays.
			want: days(2026, time.May, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 18, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30),
		},
		{
			name:  "17 May on a Wednesday",
			today: day(2028, time.May, 15), limit: 4,
			want: days(2028, time.May, 16, 18, 19),
		},
		{
			name:  "Christmas 2026",
			today: day(2026, time.December, 22), limit: 7,
			// 25 is a Friday, 26 a Saturday, 27 a Sunday.
			want: days(2026, time.December, 23, 24, 28, 29),
		},
		{
			name:  "New Year",
			today: day(2026, time.December, 30), limit: 3,
			want: []Date{day(2026, time.December, 31), day(2027, time.January, 2)},
		},
		{
			name:  "limit 1",
			today: day(2026, time.June, 16), limit: 1,
			want: days(2026, time.June, 17),
		},
		{
			name:  "limit 1 with Sunday tomorrow",
			today: day(2026, time.June, 20), limit: 1,
			want: []Date{},
		},
		{
			name:  "limit 30",
			today: day(2026, time.June, 16), limit: 30,
			want: append(days(2026, time.June, 17, 18, 19, 20, 22, 23, 24, 25, 26, 27, 29, 30),
				days(2026, time.July, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)...),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PickupDates(tc.today, tc.limit)
			if err != nil {
				t.Fatalf("PickupDates(%v, %d): %v", tc.today, tc.limit, err)
			}
			if got == nil {
				t.Errorf("PickupDates(%v, %d) = nil, want a non-nil slice", tc.today, tc.limit)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PickupDates(%v, %d) (-want +got):\n%s", tc.today, tc.limit, diff)
			}
		})
	}
}

func TestPickupDatesLimit(t *testing.T) {
	for _, limit := range []int{-1, 0, 31, 1000} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			if got, err := PickupDates(day(2026, time.June, 16), limit); err == nil {
				t.Errorf("PickupDates(limit %d) = %v, want an error", limit, got)
			}
		})
	}
}

func TestNextPickupDay(t *testing.T) {
	tests := []struct {
		name string
		d    Date
		want Date
	}{
		{"weekday", day(2026, time.June, 16), day(2026, time.June, 17)},
		{"over Sunday", day(2026, time.June, 20), day(2026, time.June, 22)},
		{"Wednesday before Easter", day(2027, time.March, 24), day(2027, time.March, 27)},
		{"Easter Saturday", day(2027, time.March, 27), day(2027, time.March, 30)},
		{"Sunday before Christmas", day(2023, time.December, 23), day(2023, time.December, 27)},
		{"New Year's Eve", day(2026, time.December, 31), day(2027, time.January, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, NextPickupDay(tc.d)); diff != "" {
				t.Errorf("NextPickupDay(%v) (-want +got):\n%s", tc.d, diff)
			}
		})
	}
}

// TestOfferedAgreesWithPickupDates: Offered is membership in the 30-day
// list, for every today from 2000 to 2100 and every d from today-2 to
// today+33. The list is in order, so membership is a walk along it (a
// map per day, and the end recomputed at each step, were a third of
// the test's time under -race).
func TestOfferedAgreesWithPickupDates(t *testing.T) {
	for today := day(2000, time.January, 1); today.Year <= 2100; today = today.AddDays(1) {
		dates, err := PickupDates(today, MaxPickupLimit)
		if err != nil {
			t.Fatal(err)
		}
		next := 0 // dates[next] is the first listed date not yet reached
		last := today.AddDays(MaxPickupLimit + 3)
		for d := today.AddDays(-2); !d.After(last); d = d.AddDays(1) {
			listed := next < len(dates) && dates[next] == d
			if listed {
				next++
			}
			if got := Offered(d, today); got != listed {
				t.Fatalf("Offered(%v, today %v) = %v, but PickupDates lists it: %v", d, today, got, listed)
			}
		}
		if next != len(dates) {
			t.Fatalf("PickupDates(%v) = %v: %v is out of order or outside the 30 days", today, dates, dates[next])
		}
	}
}

func TestNextPickupDayIsNear(t *testing.T) {
	// The loop in NextPickupDay ends within four days, and agrees with
	// PickupDates(d, 4).
	for d := day(1900, time.January, 1); d.Year <= 2300; d = d.AddDays(1) {
		next := NextPickupDay(d)
		if next.After(d.AddDays(4)) {
			t.Fatalf("NextPickupDay(%v) = %v, more than four days on", d, next)
		}
		dates, err := PickupDates(d, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(dates) == 0 || dates[0] != next {
			t.Fatalf("NextPickupDay(%v) = %v, PickupDates = %v", d, next, dates)
		}
	}
}

func FuzzParseDesiredDate(f *testing.F) {
	for _, s := range []string{
		`20260617`, `"20260617"`, `"2026-06-17"`, `"2026/06/17"`, `"17.06.2026"`,
		`2026061`, `202606170`, `20260617.5`, `-20260617`, `"20261301"`, `"20260230"`,
		`true`, `null`, `""`, `"tomorrow"`, ``, ` 20280229 `, `"\u0032026-06-17"`, `"\"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := ParseDesiredDate(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidDate) {
				t.Fatalf("ParseDesiredDate(%q) error %q does not wrap ErrInvalidDate", raw, err)
			}
			return
		}
		if d.AddDays(0) != d {
			t.Fatalf("ParseDesiredDate(%q) = %#v, not a normalised date", raw, d)
		}
		// Every form of the date parses back to it.
		for _, again := range []string{strconv.Itoa(d.Int()), `"` + d.Compact() + `"`, `"` + d.String() + `"`} {
			got, err := ParseDesiredDate([]byte(again))
			if err != nil {
				t.Fatalf("ParseDesiredDate(%q) = %v, but ParseDesiredDate(%s): %v", raw, d, again, err)
			}
			if got != d {
				t.Fatalf("ParseDesiredDate(%q) = %v, but ParseDesiredDate(%s) = %v", raw, d, again, got)
			}
		}
		if got, err := ParseISO(d.String()); err != nil || got != d {
			t.Fatalf("ParseISO(%q) = %v, %v; want %v", d.String(), got, err, d)
		}
	})
}

func BenchmarkPickupDates(b *testing.B) {
	for _, limit := range []int{14, 30} {
		b.Run(strconv.Itoa(limit), func(b *testing.B) {
			today := day(2026, time.June, 16)
			for b.Loop() {
				if _, err := PickupDates(today, limit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
