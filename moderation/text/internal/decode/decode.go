// Package decode reads UTF-8 fast for the text scanners: most of what they read is ASCII or
// three-byte Chinese characters.
package decode

import "unicode/utf8"

// Rune decodes the rune at s[i] (i < len(s)) like utf8.DecodeRuneInString(s[i:]), with a fast
// path for the three-byte sequences that make up most Chinese text (see Rune3).
func Rune(s string, i int) (rune, int) {
	if r, ok := Rune3(s, i); ok {
		return r, 3
	}
	return utf8.DecodeRuneInString(s[i:])
}

// Rune3 decodes the rune at s[i] when it is a three-byte sequence in U+1000–U+CFFF or
// U+E000–U+FFFF (the lead bytes whose continuation bytes need no range check), and reports
// whether it was one. It is small enough to be inlined, so hot loops call it first and Rune
// only when it fails: a call spills every live register of the caller's loop.
func Rune3(s string, i int) (rune, bool) {
	if i+2 >= len(s) || !fast3[s[i]] {
		return 0, false
	}
	b1, b2 := s[i+1], s[i+2]
	// Both continuation bytes are 10xxxxxx: their top bits, side by side, read 1010.
	if b1&0xC0|b2>>2&0x30 != 0xA0 {
		return 0, false
	}
	return rune(s[i]&0x0F)<<12 | rune(b1&0x3F)<<6 | rune(b2&0x3F), true
}

// fast3 marks the lead bytes E1–EC, EE and EF.
var fast3 = func() (t [256]bool) {
	for b := 0xE1; b <= 0xEF; b++ {
		t[b] = b != 0xED
	}
	return t
}()
