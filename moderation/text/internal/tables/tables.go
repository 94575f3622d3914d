// Package tables holds the character data the text normaliser folds with: OpenCC's
// traditional → simplified character table and a Latin confusables table derived from Unicode
// confusables.txt. See PROVENANCE for where each file comes from and how to regenerate it.
package tables

import (
	_ "embed"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed TSCharacters.txt
var tsCharacters string

//go:embed confusables_latin.txt
var confusablesLatin string

// T2S returns the traditional → simplified character pairs (first OpenCC candidate).
func T2S() map[rune]rune {
	m := make(map[rune]rune, 4200)
	for line := range strings.Lines(tsCharacters) {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), "\t")
		if !ok {
			continue
		}
		if f := strings.Fields(v); len(f) > 0 {
			v = f[0]
		}
		kr, n := utf8.DecodeRuneInString(k)
		vr, m2 := utf8.DecodeRuneInString(v)
		if n != len(k) || m2 != len(v) || kr == vr {
			continue
		}
		m[kr] = vr
	}
	// OpenCC maps a few characters to another traditional form (薴 → 苧, 苧 → 苎): follow each
	// chain to its end so that folding is idempotent (found by FuzzNormalize).
	for k, v := range m {
		for i := 0; i < 4; i++ {
			w, ok := m[v]
			if !ok || w == k {
				break
			}
			v = w
		}
		m[k] = v
	}
	return m
}

// Confusables returns characters confusable with an ASCII letter, mapped to that lower-case letter.
func Confusables() map[rune]rune {
	m := make(map[rune]rune, 1200)
	for line := range strings.Lines(confusablesLatin) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
		if len(f) < 2 || !strings.HasPrefix(f[0], "U+") || len(f[1]) != 1 {
			continue
		}
		cp, err := strconv.ParseUint(f[0][2:], 16, 32)
		if err != nil {
			continue
		}
		m[rune(cp)] = rune(f[1][0])
	}
	return m
}
