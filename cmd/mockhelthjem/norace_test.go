package main

// raceEnabled is true when the tests run with -race (race_test.go); the
// binary under test is then built with -race too.
var raceEnabled bool
