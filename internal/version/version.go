// Package version reports the build's version: the value stamped with
// -ldflags "-X github.com/mockhelthjem/mockhelthjem/internal/version.Version=v1.2.3"
// (the Dockerfile does), else the module version and VCS revision Go
// recorded, else "dev".
package version

import "runtime/debug"

// Version is set at link time.
var Version = ""

// String returns the version for -version output and logs.
func String() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "dev"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return v + "+" + s.Value[:12]
		}
	}
	return v
}
