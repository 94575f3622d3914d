// Package decode reads UTF-8 fast for the text scanners: most of what they read is ASCII or
// three-byte Chinese characters.
package decode

import "unicode/utf8"

// Rune decodes the rune at s[i] (i < len(s)) like utf8.DecodeRuneInString(s[i:]), with a fast
// path for the three-byte sequences that make up most Chinese text (U+1000–U+CFFF and
// U+E000–U+FFFF: the lead bytes whose continuation bytes need no range check).
func Rune(s string, i int) (rune, int) {
	if i+2 < len(s) {
		b0, b1, b2 := s[i], s[i+1], s[i+2]
		if (b0 >= 0xE1 && b0 <= 0xEC || b0 == 0xEE || b0 == 0xEF) && b1&0xC0 == 0x80 && b2&0xC0 == 0x80 {
			return rune(b0&0x0F)<<12 | rune(b1&0x3F)<<6 | rune(b2&0x3F), 3
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}
