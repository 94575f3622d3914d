//go:build race

package imagetext

// raceEnabled reports whether the tests run under the race detector, which makes the JPEG
// codec of the fixtures some ten times slower: the found-rate test then uses fewer photos.
const raceEnabled = true
