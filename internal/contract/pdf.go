package contract

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// pdfPage is a page of a PDF as the labels flow checks it: its MediaBox
// size in points.
type pdfPage struct {
	W, H float64
}

// maxPDFDepth bounds the page tree walk.
const maxPDFDepth = 32

// maxObjStm bounds what one compressed object stream may inflate to.
const maxObjStm = 8 << 20

var (
	pdfObj      = regexp.MustCompile(`(?s)(?:^|[^0-9])(\d+)\s+(\d+)\s+obj\b(.*?)endobj`)
	pdfRef      = `\s+(\d+)\s+\d+\s+R`
	pdfRoot     = regexp.MustCompile(`/Root` + pdfRef)
	pdfPagesRef = regexp.MustCompile(`/Pages` + pdfRef)
	pdfKids     = regexp.MustCompile(`/Kids\s*\[([^\]]*)\]`)
	pdfKid      = regexp.MustCompile(`(\d+)\s+\d+\s+R`)
	pdfType     = regexp.MustCompile(`/Type\s*/(Pages|Page)\b`)
	pdfBoxRef   = regexp.MustCompile(`/MediaBox` + pdfRef)
	pdfBox      = regexp.MustCompile(`/MediaBox\s*\[([^\]]*)\]`)
	pdfArray    = regexp.MustCompile(`^\s*\[([^\]]*)\]`)
	pdfObjStm   = regexp.MustCompile(`/Type\s*/ObjStm\b`)
	pdfFlate    = regexp.MustCompile(`/Filter\s*/FlateDecode\b`)
	pdfN        = regexp.MustCompile(`/N\s+(\d+)`)
	pdfFirst    = regexp.MustCompile(`/First\s+(\d+)`)
	pdfStream   = regexp.MustCompile(`(?s)stream\r?\n(.*)endstream`)
)

// pdfPages reads the pages of a PDF, in document order, with their sizes:
// it follows /Root to the page tree and walks its /Kids, a page inheriting
// the MediaBox of its ancestors. It reads what PDF writers produce (plain
// objects, and objects inside FlateDecode object streams); it is a check
// of a label, not a PDF reader, and needs no external tool.
func pdfPages(b []byte) ([]pdfPage, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, errors.New("not a PDF (no %PDF- header)")
	}
	objs, err := pdfObjects(b)
	if err != nil {
		return nil, err
	}
	roots := pdfRoot.FindAllSubmatch(b, -1)
	if len(roots) == 0 {
		return nil, errors.New("no /Root in the trailer")
	}
	root := objs[atoi(roots[len(roots)-1][1])] // the last trailer wins
	m := pdfPagesRef.FindSubmatch(root)
	if m == nil {
		return nil, errors.New("the catalog has no /Pages")
	}
	var pages []pdfPage
	seen := map[int]bool{}
	var walk func(num int, box []float64, depth int) error
	walk = func(num int, box []float64, depth int) error {
		if depth > maxPDFDepth || seen[num] {
			return errors.New("the page tree is too deep or has a loop")
		}
		seen[num] = true
		d, ok := objs[num]
		if !ok {
			return fmt.Errorf("page tree object %d is missing", num)
		}
		if b, ok := mediaBox(d, objs); ok {
			box = b
		}
		t := pdfType.FindSubmatch(d)
		switch {
		case t != nil && string(t[1]) == "Page":
			if box == nil {
				return fmt.Errorf("page %d has no MediaBox", len(pages)+1)
			}
			pages = append(pages, pdfPage{W: box[2] - box[0], H: box[3] - box[1]})
			return nil
		case t != nil:
			kids := pdfKids.FindSubmatch(d)
			if kids == nil {
				return fmt.Errorf("page tree node %d has no /Kids", num)
			}
			for _, k := range pdfKid.FindAllSubmatch(kids[1], -1) {
				if err := walk(atoi(k[1]), box, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		return fmt.Errorf("object %d in the page tree is neither /Pages nor /Page", num)
	}
	if err := walk(atoi(m[1]), nil, 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// pdfObjects maps each object number to its dictionary (the text before
// its stream, if it has one), from the file and from its object streams.
// A later definition replaces an earlier one, as an incremental update
// does.
func pdfObjects(b []byte) (map[int][]byte, error) {
	objs := map[int][]byte{}
	for _, m := range pdfObj.FindAllSubmatch(b, -1) {
		body := m[3]
		dict := body
		if i := bytes.Index(body, []byte("stream")); i >= 0 {
			dict = body[:i]
		}
		objs[atoi(m[1])] = dict
		if !pdfObjStm.Match(dict) {
			continue
		}
		if err := objectStream(dict, body, objs); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

// objectStream adds the objects of a compressed object stream.
func objectStream(dict, body []byte, objs map[int][]byte) error {
	s := pdfStream.FindSubmatch(body)
	n, first := pdfN.FindSubmatch(dict), pdfFirst.FindSubmatch(dict)
	if s == nil || n == nil || first == nil {
		return errors.New("an object stream without its data, /N or /First")
	}
	data := s[1]
	if pdfFlate.Match(dict) {
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("object stream: %w", err)
		}
		// A stream's end is found by a search, not /Length: trailing
		// bytes after the zlib data are expected.
		data, err = io.ReadAll(io.LimitReader(zr, maxObjStm+1))
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("object stream: %w", err)
		}
		if len(data) > maxObjStm {
			return errors.New("an object stream inflates to more than 8 MiB")
		}
	}
	off := atoi(first[1])
	if off < 0 || off > len(data) {
		return errors.New("an object stream's /First is past its end")
	}
	head := bytes.Fields(data[:off])
	count := atoi(n[1])
	if len(head) < 2*count {
		return errors.New("an object stream's header is short")
	}
	for i := 0; i < count; i++ {
		start, end := off+atoi(head[2*i+1]), len(data)
		if i+1 < count {
			end = off + atoi(head[2*i+3])
		}
		if start < off || start > end || end > len(data) {
			return errors.New("an object stream's offsets are out of order")
		}
		objs[atoi(head[2*i])] = data[start:end]
	}
	return nil
}

// mediaBox reads a dictionary's MediaBox, direct or by reference.
func mediaBox(d []byte, objs map[int][]byte) ([]float64, bool) {
	arr := pdfBox.FindSubmatch(d)
	if arr == nil {
		r := pdfBoxRef.FindSubmatch(d)
		if r == nil {
			return nil, false
		}
		if arr = pdfArray.FindSubmatch(objs[atoi(r[1])]); arr == nil {
			return nil, false
		}
	}
	f := bytes.Fields(arr[1])
	if len(f) != 4 {
		return nil, false
	}
	box := make([]float64, 4)
	for i, v := range f {
		x, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, false
		}
		box[i] = x
	}
	return box, true
}

// atoi parses the digits a regexp matched; too many digits give -1.
func atoi(b []byte) int {
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return -1
	}
	return n
}
