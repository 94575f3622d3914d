package text

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/trustd/trustd/moderation/text/internal/tables"
)

// item is one folded character before tokenisation.
type item struct {
	r          rune
	start, end int32
	class      Class
}

// A table entry is a folded rune | class<<classShift, or entryComplex for a rune that folds to
// several characters (or none that the table can say), which foldSlow handles.
const (
	entryComplex = 1 << 24
	classShift   = 21
	runeMask     = 1<<classShift - 1
	// pieceShift: an entry also carries what its character is to the open leet piece (the
	// pieces flags, with "(" counted as pieceLeety as pieces.add does), so that the
	// normaliser's loop needs no second table.
	pieceShift = 25
)

// mkEntry returns the table entry of a character that folds to r of class c.
func mkEntry(r rune, c Class) uint32 {
	f := pieceFlags[c&7]
	if f != pieceCut && r == '(' {
		f = pieceLeety
	}
	return uint32(r) | uint32(c)<<classShift | uint32(f)<<pieceShift
}

// The emoji and pictograph blocks of plane 1 (U+1F000–U+1FAFF) get a table of their own, so that
// emoji in ordinary notes skip foldSlow.
const (
	emojiLo = 0x1F000
	emojiHi = 0x1FB00
)

var (
	tableOnce sync.Once
	ascii     [utf8.RuneSelf]uint32 // entries for ASCII
	bmp       *[0x10000]uint32      // entries for the BMP (an array: lookups need no bounds check)
	emoji     []uint32              // entries for U+1F000–U+1FAFF
	t2s       map[rune]rune
	confuse   map[rune]rune
)

// extraLatin folds Latin letters that neither NFKD nor the confusables table reduce to ASCII.
var extraLatin = map[rune]rune{'ø': 'o', 'ł': 'l', 'đ': 'd', 'ħ': 'h', 'ŧ': 't', 'ı': 'i', 'ƒ': 'f', 'ß': 's', 'ɦ': 'h', 'ʂ': 's',
	'ƈ': 'c', 'ɗ': 'd', 'ƙ': 'k', 'ƥ': 'p', 'ƭ': 't', 'ʋ': 'v', 'ɓ': 'b', 'ɠ': 'g', 'ɱ': 'm', 'ɲ': 'n',
	'ʈ': 't', 'ɖ': 'd', 'ʐ': 'z', 'ȥ': 'z', 'ʃ': 'f'}

func initTables() {
	t2s = tables.T2S()
	confuse = tables.Confusables()
	for c := range rune(utf8.RuneSelf) {
		lc := c
		if c >= 'A' && c <= 'Z' {
			lc += 'a' - 'A'
		}
		ascii[c] = mkEntry(lc, classify(lc))
	}
	bmp = new([0x10000]uint32)
	emoji = make([]uint32, emojiHi-emojiLo)
	var buf []item
	// entry folds r to one item; a rune that folds to nothing (a combining mark on its own) is
	// filler in the BMP table and is left to foldSlow (which emits nothing for it) in the emoji
	// table.
	entry := func(r rune, nothing uint32) uint32 {
		buf = foldSlow(buf[:0], r, 0, 0)
		switch len(buf) {
		case 0:
			return nothing
		case 1:
			return mkEntry(buf[0].r, buf[0].class)
		}
		return entryComplex
	}
	for r := range rune(0x10000) {
		bmp[r] = entry(r, mkEntry(0, ClassFiller))
	}
	for r := rune(emojiLo); r < emojiHi; r++ {
		emoji[r-emojiLo] = entry(r, entryComplex)
	}
}

// lookup returns the table entry of a non-ASCII rune.
func lookup(r rune) uint32 {
	switch {
	case r < 0x10000:
		return bmp[uint16(r)]
	case r >= emojiLo && r < emojiHi:
		return emoji[r-emojiLo]
	}
	return entryComplex
}

// foldRune applies the per-character steps to one output character of NFKD.
func foldRune(c rune) (rune, Class, bool) {
	if unicode.In(c, unicode.Mn, unicode.Me) {
		return 0, 0, false
	}
	lc := unicode.ToLower(c)
	if m, ok := confuse[lc]; ok {
		lc = m
	} else if m, ok := confuse[c]; ok {
		lc = m
	} else if m, ok := extraLatin[lc]; ok {
		lc = m
	}
	if s, ok := t2s[lc]; ok {
		lc = s
	}
	return lc, classify(lc), true
}

func classify(c rune) Class {
	switch {
	case c >= 'a' && c <= 'z':
		return ClassLatin
	case c >= '0' && c <= '9':
		return ClassDigit
	case c == '$' || c == '@' || c == '!' || c == '|' || c == '+':
		return ClassLeet
	case unicode.IsSpace(c):
		return ClassSpace
	case unicode.IsLetter(c):
		return ClassLetter
	case c >= utf8.RuneSelf && unicode.In(c, unicode.So, unicode.Sk, unicode.Cf, unicode.Co):
		return ClassFiller
	}
	return ClassNoise
}

// foldSlow folds one original rune into zero or more items.
func foldSlow(dst []item, r rune, start, end int32) []item {
	switch {
	case r >= 0x1F150 && r <= 0x1F169: // negative circled Latin capital letters 🅐
		return append(dst, item{r: 'a' + r - 0x1F150, class: ClassLatin, start: start, end: end})
	case r >= 0x1F170 && r <= 0x1F189: // negative squared Latin capital letters 🅰
		return append(dst, item{r: 'a' + r - 0x1F170, class: ClassLatin, start: start, end: end})
	case r == utf8.RuneError:
		return dst
	}
	var tmp [utf8.UTFMax]byte
	n := utf8.EncodeRune(tmp[:], r)
	d := norm.NFKD.Bytes(tmp[:n])
	// A character the confusables table knows keeps its look when its compatibility
	// decomposition is another non-ASCII character: Ϲ (lunate sigma, looks like C) decomposes
	// to Σ, whose small form σ is confusable with o; ϲ decomposes to ς, which is nothing.
	if c, sz := utf8.DecodeRune(d); sz == len(d) && c != r && c >= utf8.RuneSelf {
		if m, ok := confuse[unicode.ToLower(r)]; ok {
			return append(dst, item{r: m, class: ClassLatin, start: start, end: end})
		}
		if m, ok := confuse[r]; ok {
			return append(dst, item{r: m, class: ClassLatin, start: start, end: end})
		}
	}
	for len(d) > 0 {
		c, sz := utf8.DecodeRune(d)
		d = d[sz:]
		if fc, cl, ok := foldRune(c); ok {
			dst = append(dst, item{r: fc, class: cl, start: start, end: end})
		}
	}
	return dst
}
