package label

import (
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
)

// Format is an output format of Render, chosen by media type.
type Format int

// The formats Render writes. The zero Format is PDF, the default.
const (
	PDF Format = iota // application/pdf: one 102 × 192 mm page per item
	PNG               // image/png: 1-bit, 203 or 300 dpi
	SVG               // image/svg+xml: bars and text as vector shapes, sizes in mm
	ZPL               // application/zpl: ZPL II, one ^XA…^XZ per item
)

// formats is the server's order of preference, PDF first.
var formats = [...]Format{PDF, PNG, SVG, ZPL}

// MediaType returns f's media type, the Content-Type to answer with.
func (f Format) MediaType() string {
	switch f {
	case PDF:
		return "application/pdf"
	case PNG:
		return "image/png"
	case SVG:
		return "image/svg+xml"
	case ZPL:
		return "application/zpl"
	}
	return ""
}

// Extension returns the usual file name extension for f, with its dot:
// ".pdf", ".png", ".svg" or ".zpl".
func (f Format) Extension() string {
	switch f {
	case PDF:
		return ".pdf"
	case PNG:
		return ".png"
	case SVG:
		return ".svg"
	case ZPL:
		return ".zpl"
	}
	return ""
}

// String returns f's media type, or "Format(N)" for an unknown f.
func (f Format) String() string {
	if t := f.MediaType(); t != "" {
		return t
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// ErrNotAcceptable is returned by Negotiate when the Accept header allows
// none of the four formats. The HTTP layer answers it with 406. Its
// message lists the supported types and does not repeat the header.
var ErrNotAcceptable = errors.New("label: not acceptable; a label is available as application/pdf, image/png, image/svg+xml or application/zpl")

// Negotiate picks the format for the values of a request's Accept header
// (pass r.Header.Values("Accept")):
//
//   - no header or an empty one: PDF; "*/*" also gives PDF unless the
//     header prefers another format;
//   - the format the header gives the highest q-value, each format taking
//     the q-value of the most specific range that names it (so
//     "image/*, image/svg+xml;q=0" rules SVG out);
//   - on a tie, the format named by the more specific range ("image/svg+xml"
//     over "*/*"), then by the range listed first, then PDF, PNG, SVG, ZPL
//     in that order: "image/*" alone gives PNG, "application/*" PDF;
//   - nothing allowed with q > 0 (a type this package does not write, or all
//     q=0): ErrNotAcceptable.
//
// Media type parameters other than q are ignored; entries that do not
// parse are skipped, so a header of nothing but such entries is not
// acceptable. Type names are matched case-insensitively.
func Negotiate(accept ...string) (Format, error) {
	h := strings.TrimSpace(strings.Join(accept, ","))
	if strings.Trim(h, ", \t") == "" {
		return PDF, nil
	}
	ranges := parseAccept(h)
	type offer struct {
		f     Format
		q     float64
		spec  int // specificity of the range that set q: 0 */*, 1 type/*, 2 exact
		order int // position of that range in the header
	}
	var best *offer
	for _, f := range formats {
		o := offer{f: f, spec: -1}
		for i, r := range ranges {
			s := r.matches(f)
			if s > o.spec {
				o.q, o.spec, o.order = r.q, s, i
			}
		}
		if o.spec < 0 || o.q <= 0 {
			continue
		}
		if best == nil || o.q > best.q ||
			o.q == best.q && (o.spec > best.spec || o.spec == best.spec && o.order < best.order) {
			best = &o
		}
	}
	if best == nil {
		return 0, ErrNotAcceptable
	}
	return best.f, nil
}

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	typ, sub string // lower case; "*" for a wildcard
	q        float64
}

// matches returns how specifically r names f's media type: 2 exactly,
// 1 as "type/*", 0 as "*/*", or -1 when it does not name it.
func (r mediaRange) matches(f Format) int {
	typ, sub, _ := strings.Cut(f.MediaType(), "/")
	switch {
	case r.typ == "*" && r.sub == "*":
		return 0
	case r.typ == typ && r.sub == "*":
		return 1
	case r.typ == typ && r.sub == sub:
		return 2
	}
	return -1
}

// parseAccept splits an Accept header into its ranges, skipping entries
// that do not parse and clamping q to [0, 1].
func parseAccept(h string) []mediaRange {
	var out []mediaRange
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok || typ == "" || sub == "" || typ == "*" && sub != "*" {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			q, err = strconv.ParseFloat(v, 64)
			if err != nil || q != q { // NaN
				continue
			}
			q = min(max(q, 0), 1)
		}
		out = append(out, mediaRange{typ: typ, sub: sub, q: q})
	}
	return out
}

// resolution returns the dots per mm for a raster or ZPL rendering at dpi
// (0 meaning 203); vector formats get 0.
func resolution(f Format, dpi int) (float64, error) {
	if f == PDF || f == SVG {
		return 0, nil
	}
	switch {
	case dpi == 0 || dpi == 203:
		return 8, nil // 203.2 dpi, the Zebra 8 dots/mm head
	case dpi == 300 && f == PNG:
		return 300 / 25.4, nil
	case dpi == 300 && f == ZPL:
		return 12, nil // 304.8 dpi, the Zebra 12 dots/mm head
	}
	return 0, fmt.Errorf("%w: DPI %d (use 203 or 300)", ErrUnsupported, dpi)
}
