package detect

import "testing"

// TestBMPTables checks that the rune sets the scanners look up agree with the functions they
// stand for on every rune of the Basic Multilingual Plane.
func TestBMPTables(t *testing.T) {
	t.Parallel()
	for r := range rune(0x80) {
		if got, want := noiseBMP.has(r), asciiClass[r]&(cNoise|cBreak) != 0; got != want {
			t.Errorf("noiseBMP(%U) = %v, want %v", r, got, want)
		}
	}
	for r := rune(0x80); r < 0x10000; r++ {
		if got, want := noiseBMP.has(r), noiseSlow(r); got != want {
			t.Errorf("noiseBMP(%U) = %v, noiseSlow = %v", r, got, want)
		}
		if got, want := invisibleBMP.has(r), invisibleSlow(r); got != want {
			t.Errorf("invisibleBMP(%U) = %v, invisibleSlow = %v", r, got, want)
		}
		if got, want := symbolBMP.has(r), symbolSlow(r); got != want {
			t.Errorf("symbolBMP(%U) = %v, symbolSlow = %v", r, got, want)
		}
	}
}

// TestHomoglyphsAreGreekOrCyrillic: foldLetter looks homoglyphs up only inside the Greek and
// Cyrillic blocks.
func TestHomoglyphsAreGreekOrCyrillic(t *testing.T) {
	t.Parallel()
	for r, a := range homoglyphs {
		if r < greekCyrillicLo || r > greekCyrillicHi {
			t.Errorf("homoglyph %U (%c → %c) is outside U+0370–U+052F: widen the range in foldLetter", r, r, a)
		}
		if foldLetter(r) != a {
			t.Errorf("foldLetter(%c) = %q, want %q", r, foldLetter(r), a)
		}
	}
}
