package buildcheck

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// buildVersion is what the static-build test passes as --build-arg VERSION.
const buildVersion = "v0.0.0-buildcheck"

// elfMachines maps GOARCH to the ELF machine a binary for it has.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM,
	"ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390, "riscv64": elf.EM_RISCV,
}

// TestStaticBuild runs the Dockerfile's go build lines, as docker build
// would on this machine's platform, into a temporary directory, and checks
// the binaries: static ELF (no interpreter, no dynamic section), stripped,
// built with CGO_ENABLED=0 and -trimpath, and printing the stamped version.
// It compiles two binaries, so -short skips it.
func TestStaticBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the image's two binaries; run without -short")
	}
	df := loadDockerfile(t)
	build := df.Stages[0]
	// docker build --build-arg VERSION=... on a linux/GOARCH builder: the
	// platform ARGs BuildKit sets, and the stage's own defaults.
	vars := df.args(t, &build)
	vars["VERSION"] = buildVersion
	vars["TARGETOS"], vars["TARGETARCH"] = "linux", runtime.GOARCH
	vars["BUILDPLATFORM"], vars["TARGETPLATFORM"] = "linux/"+runtime.GOARCH, "linux/"+runtime.GOARCH
	builds := goBuilds(t, build, vars)
	if len(builds) == 0 {
		t.Fatal("no go build in the Dockerfile's build stage")
	}
	out := t.TempDir()
	for _, b := range builds {
		t.Run(path.Base(b.Pkg), func(t *testing.T) {
			bin := filepath.Join(out, path.Base(b.Output))
			args := slices.Clone(b.Args)
			for i := range args {
				if args[i] == "-o" {
					args[i+1] = bin
				}
			}
			cmd := exec.Command("go", args...)
			cmd.Dir = root
			cmd.Env = os.Environ()
			for k, v := range b.Env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			if outb, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("Dockerfile line %d: go %s: %v\n%s", b.Line, strings.Join(args, " "), err, outb)
			}
			checkStatic(t, bin)
			checkBuildInfo(t, bin)
			if runtime.GOOS != "linux" {
				return // a linux binary does not run here
			}
			got, err := exec.Command(bin, "-version").Output()
			if err != nil {
				t.Fatalf("%s -version: %v", path.Base(bin), err)
			}
			if want := path.Base(b.Pkg) + " " + buildVersion + "\n"; string(got) != want {
				t.Errorf("%s -version = %q, want %q", path.Base(bin), got, want)
			}
			help, err := exec.Command(bin, "-h").CombinedOutput()
			if err != nil {
				t.Errorf("%s -h: %v", path.Base(bin), err)
			}
			// The examples test reads contracttest's variables from its
			// source; the binary's -h must agree.
			if path.Base(b.Pkg) == "contracttest" {
				var fromHelp []string
				for _, m := range envRef.FindAllStringSubmatch(string(help), -1) {
					fromHelp = append(fromHelp, m[1])
				}
				slices.Sort(fromHelp)
				if src := contracttestEnvVars(t); !slices.Equal(fromHelp, src) {
					t.Errorf("contracttest -h names %q, its source %q", fromHelp, src)
				}
			}
		})
	}
}

// checkStatic fails unless bin is a static ELF executable: no program
// interpreter (the dynamic loader), no dynamic section, no symbol table.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s is not ELF: %v", bin, err)
	}
	defer f.Close()
	if want, ok := elfMachines[runtime.GOARCH]; ok && f.Machine != want {
		t.Errorf("ELF machine %s, want %s", f.Machine, want)
	}
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Error("has a PT_INTERP program header: dynamically linked, needs a loader the image lacks")
		case elf.PT_DYNAMIC:
			t.Error("has a PT_DYNAMIC program header: dynamically linked")
		}
	}
	for _, name := range []string{".interp", ".dynamic"} {
		if f.Section(name) != nil {
			t.Errorf("has a %s section: dynamically linked", name)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("imports shared libraries %q (%v)", libs, err)
	}
	if f.Section(".symtab") != nil {
		t.Error("has a symbol table: -ldflags -s did not apply")
	}
}

// checkBuildInfo checks the settings Go recorded in the binary.
func checkBuildInfo(t *testing.T, bin string) {
	t.Helper()
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("read build info: %v", err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"CGO_ENABLED": "0", "-trimpath": "true", "GOOS": "linux"} {
		if settings[k] != want {
			t.Errorf("build setting %s = %q, want %q", k, settings[k], want)
		}
	}
	// With -trimpath Go records no -ldflags; -version shows the stamp.
	if !bytes.Contains(mustRead(t, bin), []byte(buildVersion)) {
		t.Error("the stamped version string is not in the binary")
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
