package sim

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// smallSpace is a code space like ids.NewReturnCode's, over alphabet and
// length n, so a test can fill it.
func smallSpace(alphabet string, n int) codeSpace {
	return newCodeSpace(func(rnd func(int) int) string {
		var b strings.Builder
		b.WriteString("T-")
		for range n {
			b.WriteByte(alphabet[rnd(len(alphabet))])
		}
		return b.String()
	})
}

// TestReturnCodeWalk: each pass of the walk visits every code of the
// space exactly once, and the next pass in another order; whatever the
// alphabet and length (issue 12 widens them), including the real space.
func TestReturnCodeWalk(t *testing.T) {
	for _, tc := range []struct {
		name string
		cs   codeSpace
		size uint64
	}{
		{"3 letters, 2 long", smallSpace("ABC", 2), 9},
		{"36 characters, 3 long", smallSpace(ids.ReturnCodeAlphabet, 3), 46656},
		{"25 letters, 3 long", smallSpace("ACDEFGHJKMNPQRTUVWXY34679", 3), 15625},
		{"30 characters, 3 long", smallSpace("ABCDEFGHIJKLMNOPQRSTUVWXYZ2345", 3), 27000},
		{"one code", smallSpace("A", 4), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cs.size != tc.size {
				t.Fatalf("size %d, want %d", tc.cs.size, tc.size)
			}
			g := gen{rcKey: 7}
			var passes [2][]string
			for p := range passes {
				seen := map[string]bool{}
				for range tc.cs.size {
					code, err := tc.cs.next(&g, func(string) bool { return false })
					if err != nil {
						t.Fatal(err)
					}
					if seen[code] {
						t.Fatalf("pass %d draws %s twice", p, code)
					}
					seen[code] = true
					passes[p] = append(passes[p], code)
				}
			}
			if tc.size > 2 && strings.Join(passes[0], ",") == strings.Join(passes[1], ",") {
				t.Errorf("the second pass repeats the first one's order")
			}
		})
	}
	if returnCodes.size != 36*36*36*36*36 {
		t.Errorf("the returnCode space has %d codes, want 36^5", returnCodes.size)
	}
	code := returnCodes.code(returnCodes.size - 1)
	if k, v := ids.Parse(code); k != ids.KindReturnCode || v != code {
		t.Errorf("code %s is not a returnCode", code)
	}
}

// TestReturnCodeDrawRetriedAtRandom (issue 10, finding 6): the returnCode
// draw retried at random, scanned the order's items for each try (cost
// growing with the square of the items) and would never end once the
// space filled. Now a draw looks each candidate up once, tries about
// 1/(1-load) candidates whatever the number of orders or items, and a full
// space ends the draw with an error after one pass.
func TestReturnCodeDrawRetriedAtRandom(t *testing.T) {
	cs := smallSpace("ABCDEFGHIJ", 4) // 10 000 codes
	rnd := rand.New(rand.NewPCG(1, 2))
	held := map[string]bool{}
	for len(held) < int(cs.size)/4 { // the most the order cap allows
		held[cs.code(rnd.Uint64N(cs.size))] = true
	}
	g := gen{rcKey: 99}
	lookups, draws := 0, 2000
	for range draws {
		code, err := cs.next(&g, func(c string) bool { lookups++; return held[c] })
		if err != nil || held[code] {
			t.Fatalf("drew %q, %v", code, err)
		}
	}
	if per := float64(lookups) / float64(draws); per > 1.5 {
		t.Errorf("%.2f lookups per draw with a quarter of the codes held, want about 1.33", per)
	}

	lookups = 0
	_, err := cs.next(&g, func(string) bool { lookups++; return true })
	if !errors.Is(err, errIDSpace) || uint64(lookups) != cs.size {
		t.Errorf("a full space: %v after %d lookups, want errIDSpace after %d", err, lookups, cs.size)
	}
}

// TestOrderCapFarBelowCodeSpace: the largest -max-orders keeps at most a
// quarter of the returnCode space held, even with the most items an order
// may have; New refuses more.
func TestOrderCapFarBelowCodeSpace(t *testing.T) {
	if held := uint64(MaxOrdersLimit()) * maxBookingItems; held*4 > returnCodes.size {
		t.Errorf("MaxOrdersLimit %d lets %d of %d codes be held", MaxOrdersLimit(), held, returnCodes.size)
	}
	// A-Z and 0-9, 5 long, 10 items an order (issue 12 widened the
	// alphabet from 25 characters: the limit was 244140).
	if MaxOrdersLimit() != 1_511_654 {
		t.Errorf("MaxOrdersLimit = %d, want 36^5 / 40 = 1511654", MaxOrdersLimit())
	}
	if MaxOrdersLimit() < DefaultMaxOrders {
		t.Errorf("MaxOrdersLimit %d is below the default %d", MaxOrdersLimit(), DefaultMaxOrders)
	}
	if _, err := New(Options{Seed: 1, MaxOrders: MaxOrdersLimit() + 1}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("MaxOrders past the limit: %v", err)
	}
	if _, err := New(Options{Seed: 1, MaxOrders: MaxOrdersLimit()}); err != nil {
		t.Errorf("MaxOrders at the limit: %v", err)
	}
}
