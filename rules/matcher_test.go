package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type occ struct{ p, s, e int }

func collect(m Matcher, s string) []occ {
	var out []occ
	m.Find(s, func(p, start, end int) { out = append(out, occ{p, start, end}) })
	slices.SortFunc(out, func(a, b occ) int {
		if a.s != b.s {
			return a.s - b.s
		}
		if a.e != b.e {
			return a.e - b.e
		}
		return a.p - b.p
	})
	return out
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
		}
	})
}
