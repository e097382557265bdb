//go:build race

package validate_test

// raceDetector is true under -race (norace_test.go has the other value).
const raceDetector = true
