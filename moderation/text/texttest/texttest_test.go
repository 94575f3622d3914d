package texttest

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestNotesMixed checks that the corpus is what the benchmarks claim: many non-empty notes,
// most of them with both Chinese characters and Latin letters.
func TestNotesMixed(t *testing.T) {
	notes := Notes()
	if len(notes) < 20 {
		t.Fatalf("got %d notes, want at least 20", len(notes))
	}
	mixed := 0
	for i, n := range notes {
		if n == "" || !utf8.ValidString(n) {
			t.Fatalf("note %d is empty or not UTF-8", i)
		}
		han, latin := false, false
		for _, r := range n {
			han = han || unicode.Is(unicode.Han, r)
			latin = latin || r < 0x80 && unicode.IsLetter(r)
		}
		if han && latin {
			mixed++
		}
	}
	if mixed*3 < len(notes)*2 {
		t.Errorf("%d of %d notes mix Chinese and Latin text, want at least two thirds", mixed, len(notes))
	}
	if got := Bytes(notes); got < 10_000 {
		t.Errorf("corpus is %d bytes, want at least 10 kB", got)
	}
}
