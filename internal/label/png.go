package label

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"math"
	"slices"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// renderPNG draws the labels one under the other on a 1-bit image at
// dpmm dots per mm, as a thermal printer prints them: black or white,
// text thresholded rather than anti-aliased.
func renderPNG(labels []Label, codes []symbol, dpmm float64) ([]byte, error) {
	w, h := dots(pageW, dpmm), dots(pageH, dpmm)
	bufp := pixPool.Get().(*[]uint8)
	defer pixPool.Put(bufp)
	pix := slices.Grow((*bufp)[:0], w*h*len(labels))[:w*h*len(labels)] // one byte a dot, 1 for black
	clear(pix)
	*bufp = pix
	// The module is a whole number of dots: 4 at 203 dpi (0.5 mm), 6 at
	// 300 dpi (0.508 mm).
	moduleDots := int(math.Round(0.5 * dpmm))
	for i := range labels {
		d := layOut(&labels[i], codes[i], float64(moduleDots)/dpmm, measureGo)
		c := canvas{pix: pix[i*w*h : (i+1)*w*h], w: w, h: h, dpmm: dpmm}
		for _, b := range d.boxes {
			c.fill(dots(b.x, dpmm), dots(b.y, dpmm), dots(b.x+b.w, dpmm), dots(b.y+b.h, dpmm), 1)
		}
		for _, t := range d.texts {
			c.text(t)
		}
		x := dots(d.bars.x, dpmm)
		top, bottom := dots(d.bars.y, dpmm), dots(d.bars.y+d.bars.h, dpmm)
		for _, bar := range d.bars.sym.bars() {
			c.fill(x+bar[0]*moduleDots, top, x+(bar[0]+bar[1])*moduleDots, bottom, 1)
		}
	}
	return encodePNG(pix, w, h*len(labels), dpmm)
}

// pixPool and zlibPool keep the two large allocations of a PNG rendering,
// the dots (1.25 MB a label at 203 dpi) and the compressor's state, for
// the next one. A pooled buffer holds no label once Render returns: the
// dots are cleared before use.
var (
	pixPool  = sync.Pool{New: func() any { return new([]uint8) }}
	zlibPool = sync.Pool{New: func() any {
		zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // fails only for a bad level
		return zw
	}}
)

// dots converts mm to whole dots.
func dots(mm, dpmm float64) int { return int(math.Round(mm * dpmm)) }

// canvas is one label's dots, w × h, one byte a dot.
type canvas struct {
	pix  []uint8
	w, h int
	dpmm float64
}

// fill sets the dots [x0,x1)×[y0,y1) to ink (1 black, 0 white), clipped
// to the label.
func (c canvas) fill(x0, y0, x1, y1 int, ink uint8) {
	x0, x1 = max(x0, 0), min(x1, c.w)
	y0, y1 = max(y0, 0), min(y1, c.h)
	for y := y0; y < y1; y++ {
		row := c.pix[y*c.w:]
		for x := x0; x < x1; x++ {
			row[x] = ink
		}
	}
}

// text sets t with the Go fonts, glyph by glyph on whole dots, with the
// unhinted advances measureGo measures with.
func (c canvas) text(t text) {
	ink := uint8(1)
	if t.white {
		ink = 0
	}
	f := goFont(t.bold)
	ppem := fixed.Int26_6(math.Round(t.size * c.dpmm * 64))
	var buf sfnt.Buffer
	x := fixed.Int26_6(math.Round(t.x * c.dpmm * 64))
	base := dots(t.y, c.dpmm)
	for _, r := range t.s {
		idx, err := f.GlyphIndex(&buf, r)
		if err != nil {
			continue
		}
		adv, err := f.GlyphAdvance(&buf, idx, ppem, font.HintingNone)
		if err != nil {
			continue
		}
		g := cachedGlyph(t.bold, ppem, idx, r)
		ox, oy := x.Round()+g.off.X, base+g.off.Y
		for gy := range g.h {
			y := oy + gy
			if y < 0 || y >= c.h {
				continue
			}
			row := c.pix[y*c.w:]
			for gx, on := range g.bits[gy*g.w : (gy+1)*g.w] {
				if px := ox + gx; on && px >= 0 && px < c.w {
					row[px] = ink
				}
			}
		}
		x += adv
	}
}

// encodePNG writes pix (w × h dots, 1 for black) as a 1-bit greyscale
// PNG with a pHYs chunk, so that viewers and printers know its resolution
// and print it 102 mm wide. It is image/png's job done directly: that
// encoder reads a paletted image a pixel at a time through an interface
// and took most of a rendering's time.
func encodePNG(pix []uint8, w, h int, dpmm float64) ([]byte, error) {
	rowBytes := (w + 7) / 8
	raw := make([]byte, 0, h*(1+rowBytes))
	for y := range h {
		raw = append(raw, 0) // filter: none
		row := pix[y*w : (y+1)*w]
		x := 0
		for ; x+8 <= w; x += 8 {
			p := row[x : x+8 : x+8]
			// A dot is 0 or 1 (black); a PNG greyscale bit is 1 for white.
			raw = append(raw, ^(p[0]<<7 | p[1]<<6 | p[2]<<5 | p[3]<<4 | p[4]<<3 | p[5]<<2 | p[6]<<1 | p[7]))
		}
		if x < w { // the last, partial byte; its padding bits are white
			var b byte
			for k := range 8 {
				b <<= 1
				if x+k >= w || row[x+k] == 0 {
					b |= 1
				}
			}
			raw = append(raw, b)
		}
	}
	var z bytes.Buffer
	zw := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(zw)
	zw.Reset(&z)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}

	out := make([]byte, 0, z.Len()+128)
	out = append(out, "\x89PNG\r\n\x1a\n"...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 1 // bit depth; colour type 0 (greyscale), deflate, no filter set, no interlace
	out = pngChunk(out, "IHDR", ihdr[:])
	var phys [9]byte
	ppm := uint32(math.Round(dpmm * 1000))
	binary.BigEndian.PutUint32(phys[0:], ppm)
	binary.BigEndian.PutUint32(phys[4:], ppm)
	phys[8] = 1 // unit: metre
	out = pngChunk(out, "pHYs", phys[:])
	out = pngChunk(out, "IDAT", z.Bytes())
	return pngChunk(out, "IEND", nil), nil
}

// pngChunk appends a PNG chunk: length, type, data and CRC.
func pngChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// glyph is a thresholded glyph: bits is h rows of w, true for ink, and
// off is its top-left corner relative to the dot on the baseline.
type glyph struct {
	off  image.Point
	w, h int
	bits []bool
}

type glyphKey struct {
	bold bool
	ppem fixed.Int26_6
	idx  sfnt.GlyphIndex
}

type faceKey struct {
	bold bool
	ppem fixed.Int26_6
}

// glyphs caches rasterized glyphs across renderings. It is keyed by glyph
// index, not rune, so it cannot outgrow the two fonts' glyphs at the few
// sizes the layout uses, whatever the labels say. It holds no label data.
var glyphs struct {
	sync.Mutex
	m     map[glyphKey]*glyph
	faces map[faceKey]font.Face
}

// cachedGlyph returns glyph idx (the glyph of rune r) at ppem.
func cachedGlyph(bold bool, ppem fixed.Int26_6, idx sfnt.GlyphIndex, r rune) *glyph {
	k := glyphKey{bold, ppem, idx}
	glyphs.Lock()
	defer glyphs.Unlock()
	if g, ok := glyphs.m[k]; ok {
		return g
	}
	if glyphs.m == nil {
		glyphs.m = map[glyphKey]*glyph{}
		glyphs.faces = map[faceKey]font.Face{}
	}
	face := glyphs.faces[faceKey{bold, ppem}]
	if face == nil {
		// Size in points at 72 dpi is size in pixels.
		face, _ = opentype.NewFace(goFont(bold), &opentype.FaceOptions{Size: float64(ppem) / 64, DPI: 72, Hinting: font.HintingNone})
		glyphs.faces[faceKey{bold, ppem}] = face
	}
	g := &glyph{}
	if dr, mask, mp, _, ok := face.Glyph(fixed.Point26_6{}, r); ok || mask != nil {
		g.off, g.w, g.h = dr.Min, dr.Dx(), dr.Dy()
		g.bits = make([]bool, g.w*g.h)
		for y := range g.h {
			for x := range g.w {
				_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA()
				g.bits[y*g.w+x] = a >= 0x8000
			}
		}
	}
	glyphs.m[k] = g
	return g
}
