// Package label draws Helthjem's "unified-large" parcel label, 102 × 192 mm,
// as PDF, PNG, SVG or ZPL II: a Label (a plain description of one item of
// a booked parcel) goes in, bytes come out.
//
// It is not the HTTP operation: it does not look up bookings, check
// access, read URLs or write responses, and it stores nothing. A caller
// builds one Label per item from a stored booking, picks the Format with
// Negotiate (from the Accept header) and answers Render's bytes with
// Format.MediaType as Content-Type. Render's errors never repeat label
// contents; ErrNotAcceptable is the 406 case.
//
// # What a label shows
//
// Sender, receiver (postal code and place largest), the service and
// freight product, weight, item "n av N", the shipment id, order id and
// booking date, the routing block of the booking answer (the routing code
// white on black, car, route, delivery point car and net, and where the
// parcel is handed out), and a GS1-128 barcode of the item's SSCC with
// application identifier 00: Start C, FNC1, "00" and the 18 digits in code
// set C, with the human-readable line "(00) 3 7072476 346941809 6" under it.
// The module (X) is 0.5 mm (4 dots at 203 dpi, 6 dots = 0.508 mm at 300
// dpi), inside GS1's 0.495–1.016 mm for logistic labels; bars are 32 mm
// high (GS1's minimum); the symbol is centred, leaving quiet zones of about
// 11–12 mm (over 20 X) each side where GS1 asks for 10 X. A footer says the label is a mockhelthjem test label.
//
// Text is cleaned (control and format characters become spaces) and
// fitted to its place: receiver name and address wrap to two lines, every
// other field is cut with "…". Each format measures with the font it
// prints in (Helvetica in PDF, the Go fonts elsewhere). Text is laid out
// left to right whatever its script, as a label printer does: a right-to-
// left name keeps its logical order. In PNG a rune the Go fonts lack
// (Hebrew, Arabic, CJK, emoji) prints as an empty box; SVG writes the
// runes themselves, so a viewer draws them with its own fonts; PDF prints
// "?" (below).
//
// # Formats
//
//   - PDF: one page of 102 × 192 mm (289.13 × 544.25 pt) per label,
//     Helvetica core font with Windows-1252 text (æøå ÆØÅ print; a rune
//     outside Windows-1252 prints as "?"), bars as filled rectangles. The
//     creation and modification dates are the first label's BookedAt.
//   - PNG: 1-bit black and white at 203 dpi (8 dots/mm, 816 × 1536 dots a
//     label, the default) or 300 dpi (1205 × 2268), with a pHYs chunk so
//     that it prints at 102 mm wide. Several labels give ONE image with
//     the labels stacked top to bottom, each exactly one label high: a
//     client never silently loses an item's label, a roll printer prints
//     the strip as N labels, and cutting at multiples of the label height
//     gives the single labels. For one label, render that Label alone (the
//     HTTP layer does so when the identifier is an item's SSCC).
//   - SVG: one document 102 mm wide, 192 mm high per label, user units of
//     1 mm, the labels stacked like PNG in groups "item-1", "item-2", …
//     Bars are <rect>s on multiples of the module with crispEdges; each
//     text line carries its measured width as textLength, so a viewer
//     without the Go fonts still keeps it in place.
//   - ZPL: one ^XA…^XZ format per label for an 8 dots/mm printer (12 for
//     Options.DPI 300), ^CI28 (UTF-8) with ^FH hex escapes so the file is
//     ASCII and "^", "~" and "_" in a name cannot break out of a field,
//     font 0, and the barcode as ^BC in subset C with FNC1 (">;>8").
//
// Rendering is deterministic: the same labels and options give the same
// bytes. The rasterized glyphs of the two fonts are cached across calls
// (keyed by glyph, so the cache is bounded whatever the labels say).
//
// # Dependencies
//
//   - github.com/boombuler/barcode/code128 encodes the barcode: the
//     symbol table, code set choice and check character are the part a
//     hand-written encoder gets wrong; it starts in code set C for
//     FNC1+digits, which TestEncodeSSCCIsGS1 pins and zbarimg confirms
//     (it reports the GS1 modifier). The package draws the modules itself,
//     as all four formats need the module pattern, not an image.
//   - github.com/go-pdf/fpdf writes the PDF.
//   - golang.org/x/image (gofont, sfnt, opentype) supplies the embedded Go
//     fonts and their rasterizer for PNG; golang.org/x/text/encoding/charmap
//     converts PDF text to Windows-1252.
package label
