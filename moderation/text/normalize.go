package text

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation/text/internal/decode"
)

// Class is what a normalised character is to the matcher.
type Class uint8

// The character classes.
const (
	// ClassNoise is punctuation and the other symbols (ASCII symbols, currency, maths): skipped
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
	// ClassFiller is what ordinary writing never puts between two letters of one word but
	// evasion does: non-ASCII symbols and emoji (So, Sk: 🤬 ❤ ♂ skin tones), format and
	// invisible controls (Cf: zero width, joiners, bidi), private-use characters and combining
	// marks left on their own. Skipped when matching like noise; a filler-only boundary
	// (BreakFiller) does not split a Latin word.
	ClassFiller
)

// Break is the kind of boundary in front of a unit.
type Break uint8

// The boundary kinds.
const (
	BreakNone Break = iota // directly adjacent to the previous unit
	BreakSoft              // only noise (punctuation, symbols, emoji) in between
	BreakHard              // white space in between, or start of text
	// BreakFiller: only filler (ClassFiller: emoji, non-ASCII symbols, invisible controls) in
	// between. A boundary for the ends of a whole-word match, but not a split of the word
	// inside one ("f🤬uck", "fu\u200bck"): no writing system separates words with them alone.
	BreakFiller
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
	noKey  bool  // build leaves Key and keyOff empty (NormalizeUnitsTo)
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
			case BreakSoft, BreakFiller:
				b.WriteString("·")
			}
		}
		for range min(u.Run, 3) {
			b.WriteRune(u.Rune)
		}
	}
	return b.String()
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
	t.noKey = false
	return normalizeTo(t, s)
}

// NormalizeUnitsTo is NormalizeTo for callers that read only Units, String and Span (of the
// result and of its Alt), such as a matcher that steps on the units' runes: Key and the key
// offsets are not built, which saves a sixth of the work. Key is "", and KeyOffset and UnitAt
// must not be called on the result.
func NormalizeUnitsTo(t *Text, s string) *Text {
	t.reused = true
	t.noKey = true
	return normalizeTo(t, s)
}

func normalizeTo(t *Text, s string) *Text {
	tableOnce.Do(initTables)
	// Every character the tables fold is one item, so len(s) items are enough unless foldSlow
	// expands some; the loop keeps room for one item per byte left (n+len(s)-i ≤ len(items)),
	// and writes items by index, which costs less than append.
	items := t.items[:cap(t.items)]
	if len(items) < len(s) {
		items = make([]item, len(s))
	}
	n := 0
	var p pieces
	for i := 0; i < len(s); {
		var e uint32
		sz := 1
		if c := s[i]; c < utf8.RuneSelf {
			e = ascii[c]
		} else {
			r, ok := decode.Rune3(s, i)
			if sz = 3; !ok {
				r, sz = decode.Rune(s, i)
			}
			if e = lookup(r); e == entryComplex {
				items = foldSlow(items[:n], r, int32(i), int32(i+sz))
				for k := n; k < len(items); k++ {
					p.add(items[k].class, items[k].r, items, k)
				}
				n = len(items)
				i += sz
				if cap(items)-n < len(s)-i {
					items = slices.Grow(items, len(s)-i)
				}
				items = items[:cap(items)]
				continue
			}
		}
		items[n] = item{r: rune(e & runeMask), class: Class(e >> classShift & 7), start: int32(i), end: int32(i + sz)}
		n++
		if f := uint8(e >> pieceShift); f != pieceCut { // p.add, inlined by hand
			p.flags |= f
		} else if p.flags != pieceLatin|pieceLeety { // p.cut with nothing to resolve
			p.start, p.flags = n, 0
		} else {
			p.cut(items, n-1)
		}
		i += sz
	}
	items = items[:n]
	t.items = items
	ambiguous := p.end(items)
	build(t, items)
	t.Alt = nil
	if ambiguous {
		if t.alt == nil {
			t.alt = &Text{}
		}
		t.alt.reused, t.alt.noKey = t.reused, t.noKey
		useAlt(items)
		build(t.alt, items)
		t.Alt = t.alt
	}
	return t
}
