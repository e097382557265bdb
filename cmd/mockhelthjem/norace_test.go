package main

// raceEnabled is true when the tests run with -race (race_test.go); the
// program under test (this test binary, see TestMain) is race-built too.
var raceEnabled bool
