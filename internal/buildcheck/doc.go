// Package buildcheck holds tests only: they check what no Docker engine on
// the CI machine can, that the Dockerfile builds static, version-stamped
// binaries as a minimal non-root image that checks its own health, that
// .dockerignore keeps every file the build needs, and that the CI examples
// users copy (examples/) build what they run from a clone (nothing is
// published) and name the real entrypoints and environment variables;
// that the errorKeys of the README's error table, of package errorkey and
// of the code are the same set (errorkeys_test.go); and that the README's
// flag table lists every flag of mockhelthjem -h and its layout table
// every package directory (readme_test.go).
//
// The Dockerfile is parsed by a small parser of its instructions
// (dockerfile_test.go), and the static-build test runs the go build lines
// of the Dockerfile's RUN instructions themselves, so the two cannot drift.
package buildcheck
