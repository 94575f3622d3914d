package rules

import (
	"context"
	"testing"

	"github.com/trustd/trustd/moderation"
)

// Mechanisms added after the third red-team holdout (testdata/text/redteam_holdout3.jsonl).

// decisionCase is a comment body and the decision the pipeline must give it.
type decisionCase struct {
	body string
	want moderation.Decision
}

// checkDecisions moderates each body as a comment through a pipeline with rules s.
func checkDecisions(t *testing.T, s *Set, cases []decisionCase) {
	t.Helper()
	p, err := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: s}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		v, err := p.Moderate(context.Background(), &moderation.Item{ID: "t", Scene: moderation.SceneComment,
			Revision: 1, AuthorID: "u", Body: tc.body})
		if err != nil {
			t.Fatal(err)
		}
		if v.Decision != tc.want {
			t.Errorf("%q: %s, want %s (%v)", tc.body, v.Decision, tc.want, v.Reasons)
		}
	}
}

// TestInsultAimedOnly: words of category insult (ugly, 丑, 蠢 …) are hits, as abuse, only with a
// target word within the insult statement's window; elsewhere they are dropped.
func TestInsultAimedOnly(t *testing.T) {
	t.Parallel()
	runHitCases(t, []hitCase{
		{"you are so", "you are so ugly lol", "ugly", "ugly"},
		{"target after", "what a pathetic clown you are", "clown", "clown"},
		{"contraction", "you're stupid", "stupid", "stupid"},
		{"chinese", "你长得真丑", "丑", "丑"},
		{"chinese, target after", "滚吧你", "滚吧", "滚吧"},
	})
	runNoHitCases(t, []noHitCase{
		{"no target", "an ugly phone case, but it works"},
		{"target too far", "did you see that clown at the circus"},
		{"target too far, after", "ugly, what do you think"},
		{"chinese, no target", "这个包装好丑"},
		{"chinese, target too far", "你们家的包装好丑，东西不错"},
		{"affectionate compound", "你家狗狗丑萌丑萌的"},
		{"denied", "你穿这件一点都不丑"},
		{"an opinion asked about a thing", "你觉得丑吗"},
	})
	s := mustCompile(t, DefaultEngine)
	checkDecisions(t, s, []decisionCase{
		{"you are so ugly", moderation.Review},
		{"你长得真丑", moderation.Review},
		{"you are so ugly, fuck off", moderation.Block},
		{"an ugly phone case", moderation.Pass},
		{"这个包装好丑", moderation.Pass},
	})
	hits, _ := s.ScanText(moderation.SceneComment, "body", "you are so ugly")
	if len(hits) != 1 || hits[0].Category != string(moderation.LabelAbuse) {
		t.Errorf("aimed insult: hits %+v, want one of category abuse", hits)
	}
}

// TestTargetWindowPerStatement: each "target" statement sets decision and window for its own
// categories; a category without a statement is never aimed.
func TestTargetWindowPerStatement(t *testing.T) {
	t.Parallel()
	f, err := ParseFile("p.rules", []byte("kind policy\ntarget profanity,abuse block\ntarget insult review window=4\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := compilePolicy([]*File{f})
	if err != nil {
		t.Fatal(err)
	}
	if r := p.target["abuse"]; r.window != 20 || r.d != moderation.Block {
		t.Errorf("abuse: %+v, want block within 20", r)
	}
	if r := p.target["insult"]; r.window != 4 || r.d != moderation.Review {
		t.Errorf("insult: %+v, want review within 4", r)
	}
	targets := []span{{start: 0, end: 3, term: "you"}}
	if _, ok := p.aimed("insult", targets, 7, 10); !ok {
		t.Error("insult 4 bytes after the target: not aimed")
	}
	if _, ok := p.aimed("insult", targets, 8, 10); ok {
		t.Error("insult 5 bytes after the target: aimed")
	}
	if _, ok := p.aimed("abuse", targets, 20, 25); !ok {
		t.Error("abuse 17 bytes after the target: not aimed")
	}
	if _, ok := p.aimed("sexual", targets, 4, 8); ok {
		t.Error("a category without a target statement: aimed")
	}
}

// TestScamWithBait: a scam pitch is reviewed, and blocked with an invitation to talk elsewhere
// (policy "combo scam+ad block").
func TestScamWithBait(t *testing.T) {
	t.Parallel()
	checkDecisions(t, mustCompile(t, DefaultEngine), []decisionCase{
		{"招学员，稳赚不赔", moderation.Review},
		{"招学员，稳赚不赔，感兴趣的私我", moderation.Block},
		{"guaranteed returns every week, dm me", moderation.Block},
		{"刷单返利，日赚五百，这不是骗局", moderation.Review}, // a pitch that calls itself no scam
	})
}

// TestShippedContactVariants: spellings in variants.rules reach the contact detector: an emoji
// or a group / number suffix for QQ, a symbol inside 微信.
func TestShippedContactVariants(t *testing.T) {
	t.Parallel()
	s := mustCompile(t, DefaultEngine)
	for _, tc := range []struct {
		in, typ, value string
	}{
		{"🐧号 2 7 3 4 5 6 7 8 9", moderation.ContactQQ, "273456789"},
		{"企鹅群：五五六七八九一二三", moderation.ContactQQ, "556789123"},
		{"薇🌸信：mei_shop2025", moderation.ContactWeChat, "mei_shop2025"},
		{"有事加绿泡泡 lin_88shop", moderation.ContactWeChat, "lin_88shop"},
	} {
		_, cs := s.ScanText(moderation.SceneComment, "body", tc.in)
		found := false
		for _, c := range cs {
			found = found || c.Type == tc.typ && c.Value == tc.value
		}
		if !found {
			t.Errorf("%q: contacts %+v, want %s %q", tc.in, cs, tc.typ, tc.value)
		}
	}
}
