package decode

import (
	"testing"
	"unicode/utf8"
)

// TestRuneMatchesUTF8 checks Rune against utf8.DecodeRuneInString on every rune and on invalid,
// truncated and surrogate sequences around the fast path.
func TestRuneMatchesUTF8(t *testing.T) {
	check := func(s string) {
		t.Helper()
		for i := 0; i < len(s); i++ {
			r, n := Rune(s, i)
			wr, wn := utf8.DecodeRuneInString(s[i:])
			if r != wr || n != wn {
				t.Fatalf("Rune(%q, %d) = %U, %d; want %U, %d", s, i, r, n, wr, wn)
			}
		}
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r < 0x20000 || r%97 == 0 {
			check(string(r) + "a")
		}
	}
	for b0 := 0xC0; b0 <= 0xFF; b0++ {
		for _, b1 := range []byte{0x00, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0} {
			for _, b2 := range []byte{0x00, 0x80, 0xBF, 0xC0} {
				check(string([]byte{byte(b0), b1, b2}))
				check(string([]byte{byte(b0), b1}))
			}
		}
	}
}
