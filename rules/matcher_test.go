package rules

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/trustd/trustd/moderation/text"
)

type occ struct{ p, s, e int }

func collect(m Matcher, s string) []occ {
	var out []occ
	m.Find(s, func(p, start, end int) { out = append(out, occ{p, start, end}) })
	sortOccs(out)
	return out
}

// sortOccs sorts occurrences by start, end and pattern.
func sortOccs(out []occ) {
	slices.SortFunc(out, func(a, b occ) int {
		if a.s != b.s {
			return a.s - b.s
		}
		if a.e != b.e {
			return a.e - b.e
		}
		return a.p - b.p
	})
}

func TestMatchersAgreeWithNaive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		patterns []string
		text     string
	}{
		{"overlapping", []string{"ab", "b", "abc", "bc", "c"}, "xabcabc"},
		{"cjk", []string{"傻逼", "逼", "他妈的", "妈的"}, "他妈的傻逼逼"},
		{"repeats", []string{"aa", "aaa"}, "aaaaa"},
		{"duplicates and empty", []string{"fuck", "", "fuck"}, "fuckfuck"},
		{"no match", []string{"xyz"}, "abc"},
		{"empty set", nil, "abc"},
	}
	for _, tc := range tests {
		want := collect(naive(tc.patterns), tc.text)
		for _, e := range engines {
			t.Run(tc.name+"/"+string(e), func(t *testing.T) {
				t.Parallel()
				m, err := NewMatcher(e, tc.patterns)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, collect(m, tc.text), cmp.AllowUnexported(occ{})); diff != "" {
					t.Errorf("(-naive +%s):\n%s", e, diff)
				}
			})
		}
	}
}

// TestMatchersLongRepetitivePatterns covers patterns that make a careless automaton builder
// super-linear (cloudflare/ahocorasick's is cubic in the pattern length): every engine must
// still agree with the reference.
func TestMatchersLongRepetitivePatterns(t *testing.T) {
	t.Parallel()
	patterns := []string{"a", strings.Repeat("a", 4000), strings.Repeat("ab", 2000), "ab", strings.Repeat("a", 64), strings.Repeat("a", 65)}
	text := strings.Repeat("a", 4100) + strings.Repeat("ab", 2100)
	want := collect(naive(patterns), text)
	for _, e := range engines {
		m, err := NewMatcher(e, patterns)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, collect(m, text), cmp.AllowUnexported(occ{})); diff != "" {
			t.Errorf("(-naive +%s):\n%s", e, diff)
		}
	}
}

func TestNewMatcherUnknown(t *testing.T) {
	t.Parallel()
	if _, err := NewMatcher("nope", nil); err == nil {
		t.Fatal("NewMatcher(nope) succeeded")
	}
}

func FuzzMatchers(f *testing.F) {
	f.Add("ab,b,abc", "xabcabc")
	f.Add("傻逼,逼", "傻逼逼逼")
	f.Add("a,aa,aaa", "aaaa")
	f.Fuzz(func(t *testing.T, pats, s string) {
		patterns := strings.Split(pats, ",")
		if len(patterns) > 50 {
			patterns = patterns[:50]
		}
		want := collect(naive(patterns), s)
		for _, e := range engines {
			m, err := NewMatcher(e, patterns)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, collect(m, s), cmp.AllowUnexported(occ{})); diff != "" {
				t.Fatalf("%s patterns %q text %q (-naive +got):\n%s", e, patterns, s, diff)
			}
			if ac, ok := m.(*runeAC); ok && utf8.ValidString(s) {
				if diff := cmp.Diff(onRunes(want, patterns, s), collectUnits(ac, s), cmp.AllowUnexported(occ{})); diff != "" {
					t.Fatalf("findUnits patterns %q text %q (-Find +findUnits):\n%s", patterns, s, diff)
				}
			}
		}
	})
}

// collectUnits runs findUnits over units holding the runes of s (spans in rune indices).
func collectUnits(a *runeAC, s string) []occ {
	var units []text.Unit
	for _, r := range s {
		units = append(units, text.Unit{Rune: r})
	}
	var out []occ
	a.findUnits(units, func(p, start, end int) { out = append(out, occ{p, start, end}) })
	sortOccs(out)
	return out
}

// onRunes keeps the byte-span occurrences of valid patterns and converts them to rune indices.
func onRunes(byteOccs []occ, patterns []string, s string) []occ {
	var out []occ
	for _, o := range byteOccs {
		if utf8.ValidString(patterns[o.p]) {
			out = append(out, occ{o.p, utf8.RuneCountInString(s[:o.s]), utf8.RuneCountInString(s[:o.e])})
		}
	}
	return out
}
