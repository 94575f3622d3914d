package rules

import (
	"context"
	"fmt"
	"slices"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text"
)

// ExampleFailure is one example of a rules file that did not hold.
type ExampleFailure struct {
	File string
	Line int
	Msg  string
}

func (f ExampleFailure) String() string { return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Msg) }

// CheckExamples runs every example of every file the set was compiled from against the whole
// set and returns the ones that do not hold. Dictionary examples: example+ must produce a hit
// of that dictionary, example- must not. Allow examples: example- must produce no hit of the
// categories the file's entries scope. Policy examples: the text as an item body in SCENE must
// get DECISION. The second result counts the examples run.
func (s *Set) CheckExamples() ([]ExampleFailure, int) {
	var fails []ExampleFailure
	n := 0
	for _, f := range s.files {
		for _, ex := range f.Examples {
			n++
			fail := func(format string, a ...any) {
				fails = append(fails, ExampleFailure{File: f.Name, Line: ex.Line, Msg: fmt.Sprintf(format, a...)})
			}
			switch f.Kind {
			case KindDictionary:
				got := s.dictionaryHits(ex.Text, f.ID)
				if ex.Match && len(got) == 0 {
					fail("example+ %q: no hit of dictionary %s", ex.Text, f.ID)
				}
				if !ex.Match && len(got) > 0 {
					fail("example- %q: hit %q of dictionary %s", ex.Text, got[0], f.ID)
				}
			case KindAllow:
				hits, _ := s.ScanText(moderation.SceneComment, "body", ex.Text)
				for _, h := range hits {
					if ex.Match || s.allowScoped(f, h.Category) {
						if !ex.Match {
							fail("example- %q: hit %q (%s) not allowed", ex.Text, h.Term, h.Category)
							break
						}
					}
				}
				if ex.Match && len(hits) == 0 {
					fail("example+ %q: no hit", ex.Text)
				}
			case KindPolicy:
				it := &moderation.Item{ID: "example", Scene: ex.Scene, Revision: 1, AuthorID: "rules-test", Body: ex.Text}
				p, err := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: s}})
				if err != nil {
					fail("%v", err)
					continue
				}
				v, err := p.Moderate(context.Background(), it)
				if err != nil {
					fail("%v", err)
					continue
				}
				if v.Decision != ex.Decision {
					fail("example %s %s %q: got %s (%v)", ex.Scene, ex.Decision, ex.Text, v.Decision, v.Reasons)
				}
			case KindVariants:
				fail("variants files take no examples")
			}
		}
	}
	return fails, n
}

func (s *Set) allowScoped(f *File, category string) bool {
	for _, e := range f.Entries {
		if len(e.Categories) == 0 || slices.Contains(e.Categories, category) {
			return true
		}
	}
	return false
}

// dictionaryHits returns the terms of one dictionary that match txt (after allowlists),
// including internal dictionaries such as target words.
func (s *Set) dictionaryHits(txt, dictionary string) []string {
	n := text.Normalize(txt)
	allows := find(s.allow, s.allowPat, n)
	var out []string
	ms := find(s.dict, s.dictPats, n)
	targets := s.policy.targets(ms)
	for _, m := range ms {
		if m.p.t.dictionary != dictionary {
			continue
		}
		start, end := m.t.Span(m.a, m.b)
		if m.p.t.entry.Category == categoryInsult {
			// An insult word is a hit only when aimed at a person (see categoryInsult).
			if _, ok := s.policy.aimed(categoryInsult, targets, start, end); !ok {
				continue
			}
		}
		allowed := false
		for _, al := range allows {
			as, ae := al.t.Span(al.a, al.b)
			if as <= start && end <= ae && inScope(al.p.t.entry, m.p.t.entry.Category, moderation.SceneComment) {
				allowed = true
			}
		}
		if !allowed {
			out = append(out, m.p.t.entry.Term)
		}
	}
	return out
}
