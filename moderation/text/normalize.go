package text

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"

	"github.com/trustd/trustd/moderation/text/internal/tables"
)

// Class is what a normalised character is to the matcher.
type Class uint8

// The character classes.
const (
	// ClassNoise is punctuation, symbols, emoji, joiners, variation selectors, controls: skipped
	// when matching, a soft word boundary.
	ClassNoise Class = iota
	// ClassSpace is white space: skipped when matching, a hard word boundary.
	ClassSpace
	// ClassLatin is an ASCII letter a–z after folding.
	ClassLatin
	// ClassLetter is any other letter (CJK ideographs, kana, Hangul, unfolded scripts).
	ClassLetter
	// ClassDigit is an ASCII digit 0–9 after folding.
	ClassDigit
	// ClassLeet is a symbol that stands for a letter inside a Latin token ($ @ ! |); outside
	// one it is noise.
	ClassLeet
)

// Break is the kind of boundary in front of a unit.
type Break uint8

// The boundary kinds.
const (
	BreakNone Break = iota // directly adjacent to the previous unit
	BreakSoft              // only noise (punctuation, symbols, emoji) in between
	BreakHard              // white space in between, or start of text
)

// Unit is one character of the normalised text: a folded rune, the original byte span it came
// from, how many identical adjacent characters were collapsed into it, and the boundary before it.
type Unit struct {
	Rune  rune
	Start int32 // byte offset of the first original byte, inclusive
	End   int32 // byte offset after the last original byte, exclusive
	Run   int32 // number of identical adjacent characters collapsed into this unit (≥ 1)
	Break Break
	Latin bool // Rune is an ASCII letter
}

// Text is a normalised field. Key is what matchers search: the units' runes concatenated, with
// noise removed and runs collapsed. Every byte of Key maps back to an original byte span.
type Text struct {
	Key    string
	Units  []Unit
	keyOff []int32 // keyOff[i] is the byte offset of unit i in Key; keyOff[len(Units)] == len(Key)
	// Alt is the same text with the alternative reading of ambiguous leetspeak (1, 7, ! and | read
	// as "l" instead of "i"/"t"), or nil when the text has none.
	Alt *Text

	keyBuf []byte
	items  []item
	alt    *Text // kept for reuse by NormalizeTo
	reused bool  // Key aliases keyBuf
}

// UnitAt returns the index of the unit that starts at byte offset off of Key, or -1 when off is
// not the start of a unit. off == len(Key) returns len(Units).
func (t *Text) UnitAt(off int) int {
	lo, hi := 0, len(t.keyOff)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(t.keyOff[m]) < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(t.keyOff) && int(t.keyOff[lo]) == off {
		return lo
	}
	return -1
}

// KeyOffset returns the byte offset of unit i in Key (i may be len(Units)).
func (t *Text) KeyOffset(i int) int { return int(t.keyOff[i]) }

// Span returns the original byte span covered by units [i, j).
func (t *Text) Span(i, j int) (start, end int) {
	return int(t.Units[i].Start), int(t.Units[j-1].End)
}

// String renders the normalised text for people and for idempotence checks: a space for every
// hard boundary, "·" for every soft one, and a collapsed run as up to three copies of its rune.
func (t *Text) String() string {
	var b strings.Builder
	b.Grow(len(t.Key) + len(t.Units)/2)
	for i, u := range t.Units {
		if i > 0 {
			switch u.Break {
			case BreakHard:
				b.WriteByte(' ')
			case BreakSoft:
				b.WriteString("·")
			}
		}
		for range min(u.Run, 3) {
			b.WriteRune(u.Rune)
		}
	}
	return b.String()
}

// item is one folded character before tokenisation.
type item struct {
	r          rune
	start, end int32
	class      Class
}

const (
	entryComplex = 1 << 24
	classShift   = 21
	runeMask     = 1<<classShift - 1
)

var (
	tableOnce sync.Once
	bmp       []uint32 // folded rune | class<<21, or entryComplex for multi-character folds
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
	bmp = make([]uint32, 0x10000)
	var buf []item
	for r := rune(0); r < 0x10000; r++ {
		buf = foldSlow(buf[:0], r, 0, 0)
		switch len(buf) {
		case 0:
			bmp[r] = uint32(ClassNoise) << classShift
		case 1:
			bmp[r] = uint32(buf[0].r) | uint32(buf[0].class)<<classShift
		default:
			bmp[r] = entryComplex
		}
	}
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
	for len(d) > 0 {
		c, sz := utf8.DecodeRune(d)
		d = d[sz:]
		if fc, cl, ok := foldRune(c); ok {
			dst = append(dst, item{r: fc, class: cl, start: start, end: end})
		}
	}
	return dst
}

// leet maps a leetspeak character to its letter; alt is the alternative reading ("l").
func leet(r rune) (main, alt rune, ok bool) {
	switch r {
	case '0':
		return 'o', 'o', true
	case '1', '!':
		return 'i', 'l', true
	case '|':
		return 'l', 'i', true
	case '3':
		return 'e', 'e', true
	case '4', '@':
		return 'a', 'a', true
	case '5', '$':
		return 's', 's', true
	case '7':
		return 't', 'l', true
	case '+':
		return 't', 't', true
	}
	return 0, 0, false
}

// Normalize folds s in one pass: NFKD + diacritics stripped, case folded, full-width and styled
// letters to ASCII, confusables to Latin, traditional to simplified Chinese, leetspeak inside
// Latin tokens, noise removed and runs of one character collapsed. Every unit keeps the original
// byte span it came from.
func Normalize(s string) *Text {
	t := normalizeTo(new(Text), s)
	return t
}

// NormalizeTo is Normalize reusing the memory of t (which may be a zero Text). The result, its
// Key and its Alt are valid only until t is passed to NormalizeTo again; use it for hot loops.
func NormalizeTo(t *Text, s string) *Text {
	t.reused = true
	return normalizeTo(t, s)
}

func normalizeTo(t *Text, s string) *Text {
	tableOnce.Do(initTables)
	items := t.items[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var it item
			switch {
			case c >= 'a' && c <= 'z':
				it = item{r: rune(c), class: ClassLatin}
			case c >= 'A' && c <= 'Z':
				it = item{r: rune(c + 32), class: ClassLatin}
			default:
				it = item{r: rune(c), class: asciiClass[c]}
			}
			it.start, it.end = int32(i), int32(i+1)
			items = append(items, it)
			i++
			continue
		}
		r, sz := utf8.DecodeRuneInString(s[i:])
		if r < 0x10000 {
			e := bmp[r]
			if e != entryComplex {
				items = append(items, item{r: rune(e & runeMask), class: Class(e >> classShift), start: int32(i), end: int32(i + sz)})
				i += sz
				continue
			}
		}
		items = foldSlow(items, r, int32(i), int32(i+sz))
		i += sz
	}
	t.items = items
	ambiguous := resolveLeet(items)
	build(t, items, false)
	t.Alt = nil
	if ambiguous {
		if t.alt == nil {
			t.alt = &Text{}
		}
		t.alt.reused = t.reused
		build(t.alt, items, true)
		t.Alt = t.alt
	}
	return t
}

var asciiClass = func() (c [utf8.RuneSelf]Class) {
	for i := range c {
		c[i] = classify(rune(i))
	}
	return c
}()

// resolveLeet decides, per Latin token (a maximal run of letters, digits and leet symbols), whether
// leetspeak turns it into letters: the token must contain an ASCII letter and every character
// must be a letter or have a leet reading. Digits that stay digits keep ClassDigit; leet symbols
// that stay symbols become noise. It reports whether an ambiguous reading was used.
func resolveLeet(items []item) (ambiguous bool) {
	// "()" between Latin letters is an o (c()ck).
	for k := 1; k+2 < len(items); k++ {
		if items[k].r == '(' && items[k+1].r == ')' && items[k-1].class == ClassLatin && items[k+2].class == ClassLatin {
			items[k].r, items[k].class = 'o', ClassLatin
			items[k+1].class = ClassNoise
		}
	}
	// "!" and "|" closing a token are punctuation ("asshole!"), not letters.
	for k := range items {
		if items[k].class == ClassLeet && (items[k].r == '!' || items[k].r == '|') && k > 0 &&
			(k+1 == len(items) || !isChar(items[k+1].class)) && isChar(items[k-1].class) {
			items[k].class = ClassNoise
		}
	}
	ambiguous = spacedLeet(items)
	defer func() {
		// Symbols the token pass turned into punctuation can leave new spaced-out chains.
		if spacedLeet(items) {
			ambiguous = true
		}
	}()
	for i := 0; i < len(items); {
		c := items[i].class
		if c != ClassLatin && c != ClassDigit && c != ClassLeet {
			i++
			continue
		}
		j := i
		latin, symbols, convertible := 0, 0, true
		for j < len(items) && (items[j].class == ClassLatin || items[j].class == ClassDigit || items[j].class == ClassLeet) {
			switch items[j].class {
			case ClassLatin:
				latin++
			case ClassLeet:
				symbols++
			default:
				if _, _, ok := leet(items[j].r); !ok {
					convertible = false
				}
			}
			j++
		}
		// "!" and "|" closing a token are punctuation ("asshole!"), not letters.
		for j > i+1 && (items[j-1].r == '!' || items[j-1].r == '|') && items[j-1].class == ClassLeet {
			items[j-1].class = ClassNoise
			j--
		}
		// Digits alone read as letters only next to at least two letters ("45s" stays a number).
		if symbols == 0 && latin < 2 {
			convertible = false
		}
		if !convertible && symbols > 0 {
			// The symbols are punctuation after all; they split the token, and each piece is
			// decided on its own (so that normalising the output again gives the same result).
			for k := i; k < j; k++ {
				if items[k].class == ClassLeet {
					items[k].class = ClassNoise
				}
			}
			continue
		}
		// Trailing plain digits after a word ("shit1", "abc123") stay digits.
		end := j
		for end > i && items[end-1].class == ClassDigit {
			end--
		}
		pureWord := true
		for k := i; k < end; k++ {
			if items[k].class != ClassLatin {
				pureWord = false
			}
		}
		if end-i < 2 || latin < 2 || end == j || !pureWord {
			end = j
		}
		for k := i; k < j; k++ {
			it := &items[k]
			if it.class == ClassLatin {
				continue
			}
			if latin > 0 && convertible && k < end {
				m, a, _ := leet(it.r)
				if m != a {
					ambiguous = true
				}
				it.r, it.class = m|leetBit(a), ClassLatin
				continue
			}
			if it.class == ClassLeet {
				it.class = ClassNoise
			}
		}
		i = j
	}
	return ambiguous
}

// spacedLeet reads leetspeak in spaced-out words whose letters are single characters separated
// by punctuation, never white space ("b.u.l.l.s.h.1.t", "s-h-1-t"): a chain of at least three single characters
// with at least two letters, where every digit or symbol has a leet reading.
func isChar(c Class) bool { return c == ClassLatin || c == ClassDigit || c == ClassLeet }

func spacedLeet(items []item) bool {
	single := func(k int) bool {
		return isChar(items[k].class) && (k == 0 || !isChar(items[k-1].class)) && (k+1 == len(items) || !isChar(items[k+1].class))
	}
	ambiguous := false
	leetable := func(k int) bool {
		_, _, ok := leet(items[k].r)
		return items[k].class == ClassLatin || ok
	}
	for i := 0; i < len(items); i++ {
		if !single(i) || !leetable(i) {
			continue
		}
		chain := []int{i}
		k := i
		for {
			j := k + 1
			for j < len(items) && items[j].class == ClassNoise {
				j++
			}
			if j == k+1 || j >= len(items) || !single(j) || !leetable(j) {
				break
			}
			chain = append(chain, j)
			k = j
		}
		latin, other, ok := 0, 0, true
		for _, c := range chain {
			switch {
			case items[c].class == ClassLatin:
				latin++
			default:
				other++
				if _, _, l := leet(items[c].r); !l {
					ok = false
				}
			}
		}
		if len(chain) >= 3 && latin >= 2 && other > 0 && ok {
			for _, c := range chain {
				if it := &items[c]; it.class != ClassLatin {
					m, a, _ := leet(it.r)
					if m != a {
						ambiguous = true
					}
					it.r, it.class = m|leetBit(a), ClassLatin
				}
			}
		}
		i = k
	}
	return ambiguous
}

// The alternative leet reading is carried in the high bits of the rune until build picks one.
const altShift = 24

func leetBit(a rune) rune { return a << altShift }

func build(t *Text, items []item, alt bool) {
	units := t.Units[:cap(t.Units)]
	if len(units) < len(items) {
		units = make([]Unit, len(items))
	}
	offs := t.keyOff[:cap(t.keyOff)]
	if len(offs) < len(items)+1 {
		offs = make([]int32, len(items)+1)
	}
	key := t.keyBuf[:0]
	brk := BreakHard
	n := 0
	for i := range items {
		it := &items[i]
		if it.class <= ClassSpace || it.class == ClassLeet {
			if it.class == ClassSpace {
				brk = BreakHard
			} else if brk == BreakNone {
				brk = BreakSoft
			}
			continue
		}
		r := it.r
		if r>>altShift != 0 {
			if alt {
				r = r >> altShift
			} else {
				r &= 1<<altShift - 1
			}
		}
		// Collapse runs of one character: adjacent ones, and spaced-out single letters
		// ("a_s_s"), but never the last letter of a word with the first of the next ("this shit").
		if n > 0 && units[n-1].Rune == r && (brk == BreakNone || units[n-1].Break != BreakNone) {
			u := &units[n-1]
			u.Run++
			u.End = it.end
			brk = BreakNone
			continue
		}
		offs[n] = int32(len(key))
		if r < utf8.RuneSelf {
			key = append(key, byte(r))
		} else {
			key = utf8.AppendRune(key, r)
		}
		units[n] = Unit{Rune: r, Start: it.start, End: it.end, Run: 1, Break: brk, Latin: r >= 'a' && r <= 'z'}
		n++
		brk = BreakNone
	}
	offs[n] = int32(len(key))
	t.Units, t.keyOff, t.keyBuf = units[:n], offs[:n+1], key
	if t.reused && len(key) > 0 {
		t.Key = unsafe.String(&key[0], len(key))
	} else {
		t.Key = string(key)
	}
}
