package trust

import (
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation/text"
)

// Canonical returns the cheap canonical form of a text used for flood fingerprints: the
// normaliser's matching key (NFKD without marks, case-folded, confusables to Latin,
// traditional to simplified Chinese, noise such as punctuation, emoji and zero-width
// characters dropped, runs of one character collapsed) with white space dropped. Two texts
// that differ only in those respects have the same canonical form.
func Canonical(s string) string { return text.Normalize(s).Key }

// Fingerprint parameters: MinHash over overlapping character shingles of Shingle runes, with
// Bands bands of Rows minimums each. Two texts whose shingle sets have Jaccard similarity J
// agree on a band with probability about J^Rows: a one-character edit of a 20-character text
// (J ≈ 0.7) agrees on about half the bands, unrelated texts on almost none.
const (
	Shingle = 3
	Bands   = 8
	Rows    = 2
)

// Fingerprint is the MinHash signature of a canonical text: one 64-bit hash per band.
type Fingerprint [Bands]uint64

// FingerprintOf computes the fingerprint of a canonical text (see Canonical). A text of
// Shingle runes or fewer is one shingle.
func FingerprintOf(canonical string) Fingerprint {
	var mins [Bands * Rows]uint64
	for i := range mins {
		mins[i] = ^uint64(0)
	}
	add := func(sh string) {
		// FNV-1a, 64 bits (hash/fnv's New64a, inlined: no allocation per shingle).
		x := uint64(14695981039346656037)
		for i := 0; i < len(sh); i++ {
			x ^= uint64(sh[i])
			x *= 1099511628211
		}
		for i := range mins {
			if v := mix(x ^ seeds[i]); v < mins[i] {
				mins[i] = v
			}
		}
	}
	if utf8.RuneCountInString(canonical) <= Shingle {
		add(canonical)
	} else {
		// Shingle k is runes k … k+Shingle−1; it ends where rune k+Shingle starts (or at the end
		// of the text). ring holds the starts of the last Shingle+1 runes: rune r at r % len.
		var ring [Shingle + 1]int
		r := 0
		for i := range canonical {
			ring[r%len(ring)] = i
			if r >= Shingle {
				add(canonical[ring[(r-Shingle)%len(ring)]:i])
			}
			r++
		}
		add(canonical[ring[(r-Shingle)%len(ring)]:])
	}
	var f Fingerprint
	for b := range f {
		x := uint64(0x9e3779b97f4a7c15) * uint64(b+1)
		for r := range Rows {
			x = mix(x ^ mins[b*Rows+r])
		}
		f[b] = x
	}
	return f
}

// Short packs the low byte of every band into 64 bits, the form kept in Redis to verify a
// candidate (see Agree).
func (f Fingerprint) Short() uint64 {
	var s uint64
	for b, x := range f {
		s |= (x & 0xff) << (8 * b)
	}
	return s
}

// Agree counts the bands on which two short fingerprints agree (0 to Bands). Identical
// canonical texts agree on all; unrelated texts on about Bands/256 by chance.
func Agree(a, b uint64) int {
	// Count the zero bytes of a^b without a loop (a flood check runs this on every posting
	// it reads): adding 0x7f to the low 7 bits of a byte carries into its high bit unless
	// they are all zero, so the high bit of y's byte is set exactly when the byte is not zero.
	const low7 = 0x7f7f7f7f7f7f7f7f
	x := a ^ b
	y := (x&low7 + low7) | x
	return bits.OnesCount64(^y &^ low7)
}

// mix is the SplitMix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

var seeds = func() (s [Bands * Rows]uint64) {
	x := uint64(0x7472757374640000) // "trustd"
	for i := range s {
		x += 0x9e3779b97f4a7c15
		s[i] = mix(x)
	}
	return s
}()

func runeCount(s string) int { return utf8.RuneCountInString(s) }

// floodText is the text of an item that floods are judged on: title and body, canonical.
func floodText(title, body string) string {
	if title == "" || body == "" {
		return Canonical(title + body)
	}
	var b strings.Builder
	b.WriteString(Canonical(title))
	b.WriteByte(' ')
	b.WriteString(Canonical(body))
	return b.String()
}
