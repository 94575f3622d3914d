package text

import (
	"unicode/utf8"
	"unsafe"
)

// build turns resolved items into t's units, key and key offsets: noise is dropped (a boundary
// remains), runs of one character are collapsed, and the main or alternative (alt) reading of
// ambiguous leetspeak is picked.
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
	// The previous unit's rune and boundary, kept in registers: reading them back from units
	// right after writing the unit stalls on store forwarding.
	prev, prevBrk := rune(-1), BreakNone
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
		if prev == r && (brk == BreakNone || prevBrk != BreakNone) {
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
		u := &units[n]
		u.Rune, u.Start, u.End, u.Run, u.Break, u.Latin = r, it.start, it.end, 1, brk, r >= 'a' && r <= 'z'
		n++
		prev, prevBrk = r, brk
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
