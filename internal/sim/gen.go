package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// gen is the id generators' state: the seeded PCG (orderId
// steps), the GS1 serial that shipment numbers and SSCCs share, the next
// orderId, and the position of the returnCode walk.
//
// A handler draws from a copy of the state's gen; the record it builds
// carries the copy's state after the draws (genRec), and apply installs
// it. So a change that is refused or fails to be written leaves the
// generators as they were, and a replay continues the same sequence.
type gen struct {
	pcg    rand.PCG
	serial uint64 // next GS1 serial
	nextID int64  // next orderId
	rcKey  uint64 // keys the permutation the returnCode walk follows
	rcNext uint64 // returnCodes drawn so far: the walk's position
}

// newGen seeds the generators. The first two draws are those of every
// earlier version, so a seed gives the same first ids as before.
func newGen(seed uint64) gen {
	g := gen{pcg: *rand.NewPCG(seed, seed), rcKey: mix64(seed ^ 0x7265_7475_726e)}
	g.serial = 300_000_000 + uint64(g.intN(90_000_000))
	g.nextID = 227_000_000 + int64(g.intN(1_000_000))
	return g
}

// intN draws from the PCG as rand.New(pcg).IntN does (and so, on 64-bit
// platforms, gofakeit's IntN, which earlier versions used): the same seed
// gives the same ids as before.
func (g *gen) intN(n int) int { return rand.New(&g.pcg).IntN(n) }

// errIDSpace is a draw that found no free value: the id space is used up.
var errIDSpace = errors.New("the id space is used up")

// shipmentNumber draws the next GS1 shipment number no order holds.
func (g *gen) shipmentNumber(taken func(string) bool) (string, error) {
	return g.fromSerial(ids.ShipmentNumber, taken)
}

// sscc draws the next SSCC no order holds.
func (g *gen) sscc(taken func(string) bool) (string, error) {
	return g.fromSerial(ids.SSCC, taken)
}

// fromSerial makes ids from the shared serial, skipping taken ones.
func (g *gen) fromSerial(id func(serial uint64) (string, error), taken func(string) bool) (string, error) {
	for {
		n, err := id(g.serial)
		if err != nil {
			return "", fmt.Errorf("%w: %w", errIDSpace, err)
		}
		g.serial++
		if !taken(n) {
			return n, nil
		}
	}
}

// orderID draws the next orderId: increasing by a seeded step, so orderIds
// never repeat until a full reset forgets every order.
func (g *gen) orderID() int64 {
	id := g.nextID
	g.nextID += 1 + int64(g.intN(97))
	return id
}

// returnCode draws the next returnCode no order holds. The codes follow a
// seeded permutation of the whole code space (returnCodes), one position
// per draw, so a draw costs O(1) expected time: codes drawn in one pass
// never repeat, and the rare taken one (held since an earlier pass, or
// written under another seed) is skipped. Each pass uses a new
// permutation, so codes still held from the last pass are scattered, not
// met in a run. The order cap (MaxOrdersLimit) keeps the space at most a
// quarter full.
func (g *gen) returnCode(taken func(string) bool) (string, error) {
	return returnCodes.next(g, taken)
}

// next draws the code at g's position in the walk of cs, skipping taken
// ones; after a whole pass of taken codes it gives up.
func (cs codeSpace) next(g *gen, taken func(string) bool) (string, error) {
	for range cs.size {
		pass, pos := g.rcNext/cs.size, g.rcNext%cs.size
		g.rcNext++
		code := cs.code(cs.permute(mix64(g.rcKey+pass), pos))
		if !taken(code) {
			return code, nil
		}
	}
	return "", fmt.Errorf("%w: every returnCode is held", errIDSpace)
}

// genRec is gen as a record carries it.
type genRec struct {
	PCG    []byte `json:"pcg"`
	Serial uint64 `json:"serial"`
	NextID int64  `json:"nextOrderId"`
	RCKey  uint64 `json:"returnCodeKey"`
	RCNext uint64 `json:"returnCodesDrawn"`
}

// MarshalJSON writes g as genRec.
func (g *gen) MarshalJSON() ([]byte, error) {
	b, err := g.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return json.Marshal(genRec{PCG: b, Serial: g.serial, NextID: g.nextID, RCKey: g.rcKey, RCNext: g.rcNext})
}

// UnmarshalJSON reads g from genRec as readRecord reads one.
func (g *gen) UnmarshalJSON(b []byte) error {
	var r genRec
	if err := decodeStrict(b, &r); err != nil {
		return fmt.Errorf("generator state: %w", err)
	}
	v, err := r.gen()
	if err != nil {
		return err
	}
	*g = v
	return nil
}

// gen is the generators' state r describes; a malformed random state is
// an error.
func (r *genRec) gen() (gen, error) {
	g := gen{serial: r.Serial, nextID: r.NextID, rcKey: r.RCKey, rcNext: r.RCNext}
	if err := g.pcg.UnmarshalBinary(r.PCG); err != nil {
		return gen{}, fmt.Errorf("generator state: %w", err)
	}
	return g, nil
}

// codeSpace is the set of returnCodes ids.NewReturnCode can make, numbered
// 0..size-1, and a family of seeded permutations of it.
type codeSpace struct {
	// draw builds a code as ids.NewReturnCode does; nil is that function
	// (called directly, so drawing a code allocates only the code). Tests
	// set another to try other spaces.
	draw func(rnd func(n int) int) string
	size uint64
	half uint // a permutation works on 2*half bits, the fewest covering size
}

// returnCodes is the returnCode space. It is measured through
// ids.NewReturnCode itself, so a wider alphabet or a longer code there
// needs no change here.
var returnCodes = newCodeSpace(nil)

// newCodeSpace measures the space of draw (nil: ids.NewReturnCode).
func newCodeSpace(draw func(rnd func(n int) int) string) codeSpace {
	cs := codeSpace{draw: draw, size: 1}
	cs.make(func(n int) int { cs.size *= uint64(n); return 0 })
	cs.half = max(uint(bits.Len64(cs.size-1)+1)/2, 1)
	return cs
}

func (cs codeSpace) make(rnd func(n int) int) string {
	if cs.draw == nil {
		return ids.NewReturnCode(rnd)
	}
	return cs.draw(rnd)
}

// code returns code number i: i's digits, in the mixed radix of the
// characters NewReturnCode draws, choose them.
func (cs codeSpace) code(i uint64) string {
	if cs.draw != nil {
		return cs.drawCode(i)
	}
	// A direct call: the closure and i stay on the stack.
	return ids.NewReturnCode(func(n int) int { return nextDigit(&i, n) })
}

// drawCode is code through cs.draw. It stays out of line: inlined, its
// escaping closure would move code's i to the heap on every draw.
//
//go:noinline
func (cs codeSpace) drawCode(i uint64) string {
	return cs.draw(func(n int) int { return nextDigit(&i, n) })
}

// nextDigit takes the last digit in base n off *i.
func nextDigit(i *uint64, n int) int {
	d := int(*i % uint64(n))
	*i /= uint64(n)
	return d
}

// permute maps x (< size) to its image under the permutation keyed by
// key: a four-round Feistel network on 2*half bits, walked until it lands
// inside the space again (fewer than four steps on average).
func (cs codeSpace) permute(key, x uint64) uint64 {
	mask := uint64(1)<<cs.half - 1
	for {
		l, r := x>>cs.half, x&mask
		for round := range uint64(4) {
			l, r = r, l^(mix64(r^key^(round*0x9e37_79b9_7f4a_7c15))&mask)
		}
		x = l<<cs.half | r
		if x < cs.size {
			return x
		}
	}
}

// mix64 is SplitMix64's finaliser: a bijective scramble of 64 bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58_476d_1ce4_e5b9
	x ^= x >> 27
	x *= 0x94d0_49bb_1331_11eb
	x ^= x >> 31
	return x
}

// maxBookingItems is the most items a booking may have (spec/helthjem.yaml,
// BookingRequest.items.maxItems), so an order holds at most that many
// returnCodes.
const maxBookingItems = 10

// MaxOrdersLimit is the largest Options.MaxOrders (-max-orders) allowed:
// a quarter of the returnCode space, divided among the most items an order
// may hold. The cap keeps at most a quarter of the codes held, so drawing
// a free one stays cheap and never runs out.
func MaxOrdersLimit() int { return int(returnCodes.size / (4 * maxBookingItems)) }
