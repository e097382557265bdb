package label

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// ellipsis ends a text cut to fit its place.
const ellipsis = "…"

// maxRunes is the most of a value clean keeps: more than any place on
// the label shows, and a bound on the work of fitting it.
const maxRunes = 256

// clean makes a submitted value printable: invalid UTF-8, control and
// format characters (newlines, tabs, bidi overrides) and other
// non-printing runes become spaces, runs of spaces collapse to one and
// the ends are trimmed; past maxRunes runes the rest is dropped (the
// place it is fitted to then cuts it with "…"). What is left is safe to
// measure and, once escaped, to put in any of the four formats.
func clean(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), 4*maxRunes))
	space := false
	n := 0
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if n == maxRunes {
			break
		}
		n++
		if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// measureFunc returns the width in mm of s set in a font of size mm (the
// em square), bold or not. Each output format measures with the font it
// prints in, so that text is fitted to the letters actually drawn.
type measureFunc func(s string, size float64, bold bool) float64

// fitLine returns s whole if it fits in width, else the longest prefix
// that fits followed by "…".
func fitLine(s string, width, size float64, bold bool, m measureFunc) string {
	if m(s, size, bold) <= width {
		return s
	}
	runes := []rune(s)
	// Binary search the longest prefix that fits with the ellipsis.
	lo, hi := 0, len(runes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if m(strings.TrimRight(string(runes[:mid]), " ")+ellipsis, size, bold) <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(string(runes[:lo]), " ") + ellipsis
}

// wrap breaks s into at most maxLines lines that each fit in width,
// breaking between words where it can and inside a word too long for a
// line; the last line is cut with "…" if the text does not fit.
func wrap(s string, width, size float64, bold bool, maxLines int, m measureFunc) []string {
	var lines []string
	rest := s
	for rest != "" && len(lines) < maxLines-1 {
		if m(rest, size, bold) <= width {
			break
		}
		runes := []rune(rest)
		// n: the most runes that fit on this line.
		lo, hi := 1, len(runes)
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if m(string(runes[:mid]), size, bold) <= width {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		n := lo
		// Prefer to break at the last space within the line.
		if n < len(runes) && runes[n] != ' ' {
			for k := n - 1; k > 0; k-- {
				if runes[k] == ' ' {
					n = k
					break
				}
			}
		}
		lines = append(lines, strings.TrimRight(string(runes[:n]), " "))
		rest = strings.TrimLeft(string(runes[n:]), " ")
	}
	if rest != "" {
		lines = append(lines, fitLine(rest, width, size, bold, m))
	}
	return lines
}

// goFonts are the embedded Go fonts (regular and bold) that PNG, SVG and
// ZPL are measured with and PNG is drawn with. They are parsed once; an
// sfnt.Font is safe for concurrent use with one sfnt.Buffer per goroutine.
var goFonts = sync.OnceValue(func() [2]*sfnt.Font {
	var fonts [2]*sfnt.Font
	for i, src := range [][]byte{goregular.TTF, gobold.TTF} {
		f, err := sfnt.Parse(src)
		if err != nil {
			panic("label: embedded Go font: " + err.Error()) // cannot happen: the bytes are compiled in
		}
		fonts[i] = f
	}
	return fonts
})

// goFont returns the regular or bold Go font.
func goFont(bold bool) *sfnt.Font {
	if bold {
		return goFonts()[1]
	}
	return goFonts()[0]
}

// goAdvance returns r's unhinted advance in the bold or regular Go font,
// in units of the em square (1.0 = the font size).
func goAdvance(buf *sfnt.Buffer, r rune, bold bool) float64 {
	f := goFont(bold)
	upem := fixed.Int26_6(f.UnitsPerEm())
	x, err := f.GlyphIndex(buf, r)
	if err != nil {
		return 0
	}
	adv, err := f.GlyphAdvance(buf, x, upem, 0)
	if err != nil {
		return 0
	}
	return float64(adv) / float64(upem)
}

// measureGo measures with the Go fonts, without kerning, exactly as
// drawGlyphs sets text.
func measureGo(s string, size float64, bold bool) float64 {
	var buf sfnt.Buffer
	w := 0.0
	for _, r := range s {
		w += goAdvance(&buf, r, bold)
	}
	return w * size
}
