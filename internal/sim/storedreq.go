package sim

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"sync"
)

// storedReq is a booking's normalised request as its order keeps it, to
// render the answer again and to tell a retry (the same request) from a
// reuse of its shipmentId: the decoded values only, in a compact binary
// form, about a third of the request's JSON.
//
// Two requests have the same storedReq exactly when json.Marshal writes
// their decoded forms the same, as the JSON key orders once kept did:
// "16" and 16, reordered keys, spacing and escapes count as the same
// body; a raw value (an id, the date) is kept as json.Marshal writes it,
// and an absent one as null. The state file keeps the request as that
// JSON (MarshalJSON), as it always has; UnmarshalJSON reads it back.
type storedReq string

// errStoredReq is a storedReq cut short or with bytes after its end.
var errStoredReq = errors.New("stored request: malformed")

// encodeReq is the storedReq of req.
func encodeReq(req *bookingReq) (storedReq, error) {
	e := reqBufs.Get().(*reqEncoder)
	defer e.release()
	e.flexInt(req.ShopID)
	e.flexInt(req.TransportSolutionID)
	e.nullString(req.ShipmentID)
	e.rawValue(req.DesiredDeliveryDate) // compacted, as json.Marshal writes it
	e.nullString(req.MessageToCarrier)
	e.nullString(req.MessageToConsignee)
	e.count(len(req.Parties), req.Parties == nil)
	for i := range req.Parties {
		pt := &req.Parties[i]
		e.partyType(pt.Type)
		e.rawValue(pt.ID)
		for _, v := range pt.strings() {
			e.nullString(*v)
		}
	}
	e.count(len(req.Items), req.Items == nil)
	for i := range req.Items {
		it := &req.Items[i]
		e.flexInt(it.ItemNumber)
		e.nullString(it.TrackingReference)
		for _, v := range it.measures() {
			e.flexNum(*v)
		}
		e.nullString(it.Contents)
	}
	if e.err != nil {
		return "", e.err
	}
	return storedReq(e.b), nil
}

// reqBufs are encoders, with their buffers.
var reqBufs = sync.Pool{New: func() any { return &reqEncoder{b: make([]byte, 0, 1024)} }}

// release returns e to reqBufs, unless a large request grew its buffers.
func (e *reqEncoder) release() {
	if cap(e.b) > maxPooledAnswer || cap(e.raw) > maxPooledAnswer {
		return
	}
	e.b, e.raw, e.err = e.b[:0], e.raw[:0], nil
	reqBufs.Put(e)
}

// decode is the request s was encoded from, normalised.
func (s storedReq) decode() (bookingReq, error) {
	d := reqDecoder{b: []byte(s)}
	var req bookingReq
	req.ShopID = d.flexInt()
	req.TransportSolutionID = d.flexInt()
	req.ShipmentID = d.nullString()
	req.DesiredDeliveryDate = d.rawValue()
	req.MessageToCarrier = d.nullString()
	req.MessageToConsignee = d.nullString()
	if n, isNil := d.count(); !isNil {
		req.Parties = make([]partyIn, n)
		for i := range req.Parties {
			pt := &req.Parties[i]
			pt.Type = d.partyType()
			pt.ID = d.rawValue()
			for _, v := range pt.strings() {
				*v = d.nullString()
			}
		}
	}
	if n, isNil := d.count(); !isNil {
		req.Items = make([]itemIn, n)
		for i := range req.Items {
			it := &req.Items[i]
			it.ItemNumber = d.flexInt()
			it.TrackingReference = d.nullString()
			for _, v := range it.measures() {
				*v = d.flexNum()
			}
			it.Contents = d.nullString()
		}
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = errStoredReq
	}
	return req, d.err
}

// shipmentID is the request's shipmentId as sent, a substring of s (an
// order keeps it without a copy of its own), if it has one.
func (s storedReq) shipmentID() (string, bool) {
	// Its length comes after two flexInts, each a tag and a varint: read
	// them from a copy of that prefix, not of the whole request.
	var prefix [3 * (1 + binary.MaxVarintLen64)]byte
	copied := copy(prefix[:], s)
	d := reqDecoder{b: prefix[:copied]}
	d.flexInt()
	d.flexInt()
	n := d.uvarint()
	if d.err != nil || n == 0 {
		return "", false
	}
	start := copied - len(d.b)
	if n-1 > uint64(len(s)-start) {
		return "", false
	}
	return string(s[start : start+int(n-1)]), true
}

// MarshalJSON writes the request as json.Marshal writes its decoded form:
// the state file's "req".
func (s storedReq) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	req, err := s.decode()
	if err != nil {
		return nil, err
	}
	return json.Marshal(&req)
}

// UnmarshalJSON reads a state file's "req".
func (s *storedReq) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var req bookingReq
	if err := json.Unmarshal(b, &req); err != nil {
		return err
	}
	enc, err := encodeReq(&req)
	if err != nil {
		return err
	}
	*s = enc
	return nil
}

// strings are a party's optional strings, in the order they are stored.
func (pt *partyIn) strings() [11]**string {
	return [...]**string{&pt.Name, &pt.CountryCode, &pt.PostalName, &pt.ZipCode, &pt.Address, &pt.Coaddress,
		&pt.Phone1, &pt.Phone2, &pt.Email, &pt.Reference, &pt.Contact}
}

// measures are an item's measures, in the order they are stored.
func (it *itemIn) measures() [5]*flexNum {
	return [...]*flexNum{&it.Weight, &it.Width, &it.Height, &it.Length, &it.Volume}
}

// reqEncoder appends values: a string as its length and bytes; an
// optional one as 0 when absent, else its length plus one; a count of
// elements likewise (0 for a nil list); a raw value as a string, null as
// the empty one; a party type as its index in partyTypes plus one, or 0
// and the string; a flexInt as 0 when unset, else 1 and its varint; a
// flexNum as 0 when unset, 1 and a varint when it is an integer that a
// float64 holds exactly (not -0), else 2 and its 8 bytes.
type reqEncoder struct {
	b   []byte
	raw []byte // scratch for raw values
	err error
}

func (e *reqEncoder) string(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *reqEncoder) nullString(p *string) {
	if p == nil {
		e.b = append(e.b, 0)
		return
	}
	e.b = binary.AppendUvarint(e.b, uint64(len(*p))+1)
	e.b = append(e.b, *p...)
}

// raw stores a raw JSON value as json.Marshal writes it (null when absent).
func (e *reqEncoder) rawValue(v json.RawMessage) {
	var err error
	if e.raw, err = appendRaw(e.raw[:0], v); err != nil && e.err == nil {
		e.err = err
	}
	if string(e.raw) == "null" {
		e.raw = e.raw[:0]
	}
	e.b = binary.AppendUvarint(e.b, uint64(len(e.raw)))
	e.b = append(e.b, e.raw...)
}

// partyTypes are the party types of the spec.
var partyTypes = [...]string{"consignee", "consignor", servicePointPartyType, "returnAddress", "pickupAddress"}

func (e *reqEncoder) partyType(t string) {
	for i, known := range partyTypes {
		if t == known {
			e.b = append(e.b, byte(i+1))
			return
		}
	}
	e.b = append(e.b, 0)
	e.string(t)
}

func (e *reqEncoder) count(n int, isNil bool) {
	if isNil {
		e.b = append(e.b, 0)
		return
	}
	e.b = binary.AppendUvarint(e.b, uint64(n)+1)
}

func (e *reqEncoder) flexInt(f flexInt) {
	if !f.Set {
		e.b = append(e.b, 0)
		return
	}
	e.b = binary.AppendVarint(append(e.b, 1), f.V)
}

func (e *reqEncoder) flexNum(f flexNum) {
	switch v := f.V; {
	case !f.Set:
		e.b = append(e.b, 0)
	case v == math.Trunc(v) && math.Abs(v) <= 1<<53 && (v != 0 || !math.Signbit(v)):
		e.b = binary.AppendVarint(append(e.b, 1), int64(v))
	default:
		e.b = binary.LittleEndian.AppendUint64(append(e.b, 2), math.Float64bits(v))
	}
}

// reqDecoder reads what reqEncoder wrote; the first error sticks.
type reqDecoder struct {
	b   []byte
	err error
}

func (d *reqDecoder) uvarint() uint64 { return readVarint(d, binary.Uvarint) }

func (d *reqDecoder) varint() int64 { return readVarint(d, binary.Varint) }

func readVarint[T uint64 | int64](d *reqDecoder, read func([]byte) (T, int)) T {
	v, n := read(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *reqDecoder) fail() {
	if d.err == nil {
		d.err = errStoredReq
	}
	d.b = nil
}

func (d *reqDecoder) bytes(n uint64) string {
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *reqDecoder) string() string { return d.bytes(d.uvarint()) }

func (d *reqDecoder) rawValue() json.RawMessage {
	if raw := d.string(); raw != "" {
		return json.RawMessage(raw)
	}
	return json.RawMessage("null")
}

func (d *reqDecoder) partyType() string {
	switch t := d.tag(); {
	case t == 0:
		return d.string()
	case int(t) <= len(partyTypes):
		return partyTypes[t-1]
	}
	d.fail()
	return ""
}

func (d *reqDecoder) nullString() *string {
	n := d.uvarint()
	if n == 0 {
		return nil
	}
	s := d.bytes(n - 1)
	return &s
}

func (d *reqDecoder) count() (n int, isNil bool) {
	switch v := d.uvarint(); {
	case v == 0:
		return 0, true
	case v-1 > uint64(len(d.b)): // every element takes a byte at least
		d.fail()
		return 0, true
	default:
		return int(v - 1), false
	}
}

func (d *reqDecoder) tag() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	t := d.b[0]
	d.b = d.b[1:]
	return t
}

func (d *reqDecoder) flexInt() flexInt {
	switch d.tag() {
	case 0:
		return flexInt{}
	case 1:
		return flexInt{V: d.varint(), Set: true}
	}
	d.fail()
	return flexInt{}
}

func (d *reqDecoder) flexNum() flexNum {
	switch d.tag() {
	case 0:
		return flexNum{}
	case 1:
		return flexNum{V: float64(d.varint()), Set: true}
	case 2:
		if len(d.b) < 8 {
			d.fail()
			return flexNum{}
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
		return flexNum{V: v, Set: true}
	}
	d.fail()
	return flexNum{}
}
