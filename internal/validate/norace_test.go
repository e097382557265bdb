//go:build !race

package validate_test

// raceDetector is true under -race (race_test.go).
const raceDetector = false
