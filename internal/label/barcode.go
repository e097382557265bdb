package label

import (
	"fmt"

	"github.com/boombuler/barcode/code128"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// The GS1 application identifier for an SSCC.
const aiSSCC = "00"

// quietModules is the quiet zone on each side of the symbol, in modules.
// GS1 asks for at least 10.
const quietModules = 10

// symbol is an encoded GS1-128 barcode: the element string and its
// modules, true for a dark module, from the start character to the end
// of the stop pattern (no quiet zones).
type symbol struct {
	sscc    string // the 18 digits
	modules []bool
}

// encodeSSCC encodes FNC1, "00" and the 18 digits of sscc as Code 128.
// boombuler's encoder starts in code set C when the data after FNC1 is
// digits, so the symbol is Start C, FNC1, ten digit pairs, the check
// character and Stop: 156 modules. TestEncodeSSCCIsGS1 pins the first two
// characters.
func encodeSSCC(sscc string) (symbol, error) {
	bc, err := code128.Encode(string(code128.FNC1) + aiSSCC + sscc)
	if err != nil {
		return symbol{}, fmt.Errorf("encode barcode: %w", err)
	}
	n := bc.Bounds().Dx()
	mods := make([]bool, n)
	for x := range n {
		r, _, _, _ := bc.At(x, 0).RGBA()
		mods[x] = r < 0x8000
	}
	return symbol{sscc: sscc, modules: mods}, nil
}

// elementString is the data the symbol carries as a scanner reports it
// without the symbology identifier: "00" and the SSCC.
func (s symbol) elementString() string { return aiSSCC + s.sscc }

// humanReadable is the line printed under the bars, grouped as GS1
// logistic labels print an SSCC: "(00) 3 7072476 346941809 6" (extension
// digit, company prefix, serial reference, check digit). The company
// prefix is taken to be as long as Helthjem's.
func (s symbol) humanReadable() string {
	p := len(ids.CompanyPrefix)
	d := s.sscc
	return "(" + aiSSCC + ") " + d[:1] + " " + d[1:1+p] + " " + d[1+p:17] + " " + d[17:]
}

// bars returns the dark runs of the symbol as (start, width) pairs in
// modules, counted from the first module.
func (s symbol) bars() [][2]int {
	var out [][2]int
	for i := 0; i < len(s.modules); {
		if !s.modules[i] {
			i++
			continue
		}
		j := i
		for j < len(s.modules) && s.modules[j] {
			j++
		}
		out = append(out, [2]int{i, j - i})
		i = j
	}
	return out
}
