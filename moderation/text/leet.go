package text

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

// pieces follows the items as they are produced and runs resolveLeet on every piece that needs
// it. A piece is a run of items between white space and non-Latin letters (CJK …); every leet
// rule looks only at characters that are neither, so pieces are independent, and a piece without
// both a Latin letter and a digit, leet symbol or "(" has nothing to resolve. Chinese text, plain
// words and prices cost one look at each item.
type pieces struct {
	start     int   // first item of the open piece
	flags     uint8 // what the open piece has: pieceLatin, pieceLeety
	ambiguous bool  // a resolved piece used an ambiguous reading
}

const (
	pieceLatin = 1 << iota // a Latin letter
	pieceLeety             // a digit, leet symbol or "("
	pieceCut               // white space or a non-Latin letter: not in a piece
)

var pieceFlags = [8]uint8{ClassNoise: 0, ClassSpace: pieceCut, ClassLatin: pieceLatin, ClassLetter: pieceCut,
	ClassDigit: pieceLeety, ClassLeet: pieceLeety}

// add notes items[k], the newest item, of class c and rune r; white space or a non-Latin letter
// closes the open piece.
func (p *pieces) add(c Class, r rune, items []item, k int) {
	if f := pieceFlags[c&7]; f != pieceCut && r != '(' {
		p.flags |= f
		return
	}
	p.cut(items, k)
}

// cut handles an item that closes the open piece or is "(" (which needs resolving).
func (p *pieces) cut(items []item, k int) {
	if items[k].r == '(' {
		p.flags |= pieceLeety
		return
	}
	if p.flags == pieceLatin|pieceLeety {
		p.resolve(items[p.start:k])
	}
	p.start, p.flags = k+1, 0
}

// end closes the last piece and reports whether an ambiguous reading was used.
func (p *pieces) end(items []item) bool {
	if p.flags == pieceLatin|pieceLeety {
		p.resolve(items[p.start:])
	}
	return p.ambiguous
}

func (p *pieces) resolve(piece []item) {
	if resolveLeet(piece) {
		p.ambiguous = true
	}
}

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

// isChar reports the classes a Latin token is made of.
func isChar(c Class) bool { return c == ClassLatin || c == ClassDigit || c == ClassLeet }

// spacedLeet reads leetspeak in spaced-out words whose letters are single characters separated
// by punctuation, never white space ("b.u.l.l.s.h.1.t", "s-h-1-t"): a chain of at least three
// single characters with at least two letters, where every digit or symbol has a leet reading.
func spacedLeet(items []item) bool {
	single := func(k int) bool {
		return isChar(items[k].class) && (k == 0 || !isChar(items[k-1].class)) && (k+1 == len(items) || !isChar(items[k+1].class))
	}
	ambiguous := false
	leetable := func(k int) bool {
		_, _, ok := leet(items[k].r)
		return items[k].class == ClassLatin || ok
	}
	var chainBuf [16]int
	for i := 0; i < len(items); i++ {
		if !single(i) || !leetable(i) {
			continue
		}
		chain := append(chainBuf[:0], i)
		k := i
		for {
			j := k + 1
			for j < len(items) && (items[j].class == ClassNoise || items[j].class == ClassFiller) {
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

// The alternative leet reading is carried in the high bits of the rune: build takes the main
// reading (the low bits), useAlt switches to the alternative.
const altShift = 24

func leetBit(a rune) rune { return a << altShift }
