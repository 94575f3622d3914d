package detect

import (
	"strings"

	"github.com/trustd/trustd/moderation"
)

// Full-width Latin (ｗｗｗ．ｓｈｏｐ．ｃｏｍ, ｋａｔｅ＠ｇｍａｉｌ．ｃｏｍ) is a classic way past filters
// that read ASCII. The readers of web addresses, e-mail addresses and handles read ASCII bytes,
// so when Contacts meets a full-width Latin letter it starts again on a copy of the field whose
// full-width letters, digits and address symbols are ASCII, and maps what it finds back to the
// field's own bytes. Fields without a full-width letter (nearly all) are scanned once, as they
// are, at no extra cost: the letters are marked in the table that the scan already consults for
// every character it does not skip; the full-width punctuation of ordinary Chinese writing
// (，：！（）) does not lead to the copy.

// isWideLetter reports whether r is a full-width Latin letter (Ａ–Ｚ, ａ–ｚ).
func isWideLetter(r rune) bool { return r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ' }

// wideASCII is the ASCII character a full-width character of text[i:] (3 bytes) stands for in
// the copy: letters, digits and the symbols of addresses and handles; 0 for any other.
func wideASCII(text string, i int) byte {
	if i+2 >= len(text) || text[i] != 0xEF || text[i+1] != 0xBC && text[i+1] != 0xBD {
		return 0
	}
	r := rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F) | 0xF000 // U+FF00–FF7F
	if r < 0xFF01 || r > 0xFF5E {
		return 0
	}
	if c := byte(r - 0xFF01 + '!'); copiedASCII(c) {
		return c
	}
	return 0
}

// copiedASCII reports whether the copy writes the full-width form of ASCII c as c: letters,
// digits and the symbols of addresses and handles.
func copiedASCII(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("@._-/:#&=?%+~", c) >= 0
}

// contactsWide scans the ASCII copy of text (see above) and returns its findings with offsets
// into text. Every finding comes from the copy: the readers read ASCII at least as well as the
// full-width forms they also accept, and the finding's text is the field's own. The copy holds
// no full-width letter, so its scan does not come back here.
func (d *Detector) contactsWide(field, text string) []moderation.Contact {
	var b strings.Builder
	b.Grow(len(text))
	at := make([]int32, 0, len(text)+1) // at[j]: the offset in text of byte j of the copy
	for i := 0; i < len(text); {
		if c := wideASCII(text, i); c != 0 {
			b.WriteByte(c)
			at = append(at, int32(i))
			i += 3
			continue
		}
		b.WriteByte(text[i])
		at = append(at, int32(i))
		i++
	}
	at = append(at, int32(len(text)))
	found := d.Contacts(field, b.String())
	for i := range found {
		c := &found[i]
		c.Start, c.End = int(at[c.Start]), int(at[c.End])
		c.Text = text[c.Start:c.End]
	}
	return found
}
