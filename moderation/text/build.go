package text

import (
	"unicode/utf8"
	"unsafe"
)

// skipped has bit c set for the classes c build drops (a boundary remains): noise, white space,
// and leet symbols that stayed symbols. A constant bit set costs no load, unlike a table.
const skipped = 1<<ClassNoise | 1<<ClassSpace | 1<<ClassLeet | 1<<ClassFiller

// build turns resolved items into t's units, key and key offsets: noise is dropped (a boundary
// remains) and runs of one character are collapsed. It takes the main reading of ambiguous
// leetspeak; useAlt switches items to the alternative one first.
//
// The loops make no calls in their common paths and keep few values live: on this ABI a call
// spills every live register, and so do too many live values, which used to cost more than the
// work itself. Hence two loops (units, then key) and the key sized for the worst case up front.
func build(t *Text, items []item) {
	units := t.Units[:cap(t.Units)]
	if len(units) < len(items) {
		units = make([]Unit, len(items))
	}
	n := buildUnits(units, items)
	t.Units = units[:n]
	if t.noKey {
		t.Key, t.keyOff = "", t.keyOff[:0]
		return
	}
	buildKey(t)
}

// buildUnits writes the units of items to units (len(units) ≥ len(items)) and returns how many
// there are.
func buildUnits(units []Unit, items []item) int {
	brk := BreakHard
	n := 0
	// The previous unit's rune and boundary, kept in registers: reading them back from units
	// right after writing the unit stalls on store forwarding.
	prev, prevBrk := rune(-1), BreakNone
	for i := range items {
		it := &items[i]
		if skipped>>(it.class&7)&1 != 0 {
			switch {
			case it.class == ClassSpace:
				brk = BreakHard
			case it.class == ClassFiller:
				if brk == BreakNone {
					brk = BreakFiller
				}
			case brk != BreakHard:
				brk = BreakSoft
			}
			continue
		}
		r := it.r & (1<<altShift - 1)
		// Collapse runs of one character: adjacent ones, and spaced-out single letters
		// ("a_s_s"), but never the last letter of a word with the first of the next ("this shit").
		if prev == r && (brk == BreakNone || prevBrk != BreakNone) {
			u := &units[n-1]
			u.Run++
			u.End = it.end
			brk = BreakNone
			continue
		}
		// Field by field: a composite literal is built on the stack and copied.
		u := &units[n]
		u.Rune = r
		u.Start = it.start
		u.End = it.end
		u.Run = 1
		u.Break = brk
		u.Latin = uint32(r-'a') <= 'z'-'a' // r >= 'a' && r <= 'z' in one comparison
		n++
		prev, prevBrk = r, brk
		brk = BreakNone
	}
	return n
}

// buildKey writes t's key and key offsets from its units.
func buildKey(t *Text) {
	units := t.Units
	offs := t.keyOff[:cap(t.keyOff)]
	if len(offs) < len(units)+1 {
		offs = make([]int32, len(units)+1)
	}
	offs = offs[:len(units)+1]
	key := t.keyBuf[:cap(t.keyBuf)]
	if len(key) < utf8.UTFMax*len(units) {
		key = make([]byte, utf8.UTFMax*len(units))
	}
	kn := 0
	for i := range units {
		r := units[i].Rune
		offs[i] = int32(kn)
		switch {
		case r < utf8.RuneSelf:
			key[kn] = byte(r)
			kn++
		case r < 0x800 || r > 0xFFFF:
			kn += utf8.EncodeRune(key[kn:], r)
		default:
			_ = key[kn+2]
			key[kn], key[kn+1], key[kn+2] = byte(0xE0|r>>12), byte(0x80|r>>6&0x3F), byte(0x80|r&0x3F)
			kn += 3
		}
	}
	offs[len(units)] = int32(kn)
	t.keyOff, t.keyBuf = offs, key
	if t.reused && kn > 0 {
		t.Key = unsafe.String(&key[0], kn)
	} else {
		t.Key = string(key[:kn])
	}
}

// useAlt switches resolved items to the alternative reading of ambiguous leetspeak.
func useAlt(items []item) {
	for i := range items {
		if a := items[i].r >> altShift; a != 0 {
			items[i].r = a
		}
	}
}
