package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustd/trustd/moderation"
)

// checkHits asserts the offset contract: field[start:end] == text for every hit and contact.
func checkHits(t *testing.T, txt string, hits []moderation.Hit, contacts []moderation.Contact) {
	t.Helper()
	for _, h := range hits {
		if h.Start < 0 || h.End > len(txt) || h.Start >= h.End || txt[h.Start:h.End] != h.Text {
			t.Fatalf("hit %+v: bad offsets for %q", h, txt)
		}
	}
	for _, c := range contacts {
		if c.Start < 0 || c.End > len(txt) || c.Start >= c.End || txt[c.Start:c.End] != c.Text {
			t.Fatalf("contact %+v: bad offsets for %q", c, txt)
		}
	}
}

func terms(hits []moderation.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Term)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestEvasionClasses: one row per evasion class; every row must be caught with the expected
// term, and the reported text must be the original bytes.
func TestEvasionClasses(t *testing.T) {
	t.Parallel()
	runHitCases(t, []hitCase{
		{"plain", "oh fuck no", "fuck", "fuck"},
		{"case", "Oh FuCk no", "fuck", "FuCk"},
		{"spacing", "s h i t happens", "shit", "s h i t"},
		{"separators", "what a b.i.t.c.h", "bitch", "b.i.t.c.h"},
		{"underscores", "f_u_c_k it", "fuck", "f_u_c_k"},
		{"fullwidth", "ｓｈｉｔ！", "shit", "ｓｈｉｔ"},
		{"math letters", "𝐛𝐢𝐭𝐜𝐡 please", "bitch", "𝐛𝐢𝐭𝐜𝐡"},
		{"circled", "Ⓢⓗⓘⓣ", "shit", "Ⓢⓗⓘⓣ"},
		{"negative squared", "🅒🅤🅝🅣", "cunt", "🅒🅤🅝🅣"},
		{"cyrillic homoglyphs", "ѕһіt", "shit", "ѕһіt"},
		{"diacritics", "bîtçh", "bitch", "bîtçh"},
		{"leetspeak", "you are a b!7ch", "bitch", "b!7ch"},
		{"leetspeak symbols", "$h!t happens", "shit", "$h!t"},
		{"repeated letters", "fuuuuuck", "fuck", "fuuuuuck"},
		{"dropped double", "what an ashole", "asshole", "ashole"},
		{"censored vowel", "sh*t happens", "shit", "sh*t"},
		{"plural", "two dicks", "dick", "dicks"},
		{"split word", "a real bit ch", "bitch", "bit ch"},
		{"repeated token", "shitshit", "shit", "shitshit"},
		{"cjk noise", "你真是傻@#￥%逼", "傻逼", "傻@#￥%逼"},
		{"cjk emoji", "傻😀逼", "傻逼", "傻😀逼"},
		{"cjk spaces", "傻 逼", "傻逼", "傻 逼"},
		{"traditional", "這個傻逼", "傻逼", "傻逼"},
		{"homophone spelling", "什么煞笔东西", "煞笔", "煞笔"},
		{"latin abbreviation", "SB东西", "sb", "SB"},
		{"pinyin", "包含ｓｅｑｉｎｇ的", "seqing", "ｓｅｑｉｎｇ"},
		{"variant spelling", "加我薇信聊", "加我微信", "加我薇信"},
		{"zero width", "f\u200bu\u200bc\u200bk", "fuck", "f\u200bu\u200bc\u200bk"},
		{"multiword", "please subscribe to my channel", "subscribe to my", "subscribe to my"},
	})
}

// hitCase is a text (in) and the hit ScanText must find in it: term, on the original bytes text.
type hitCase struct{ class, in, term, text string }

// runHitCases checks every case on every engine, in the comment scene.
func runHitCases(t *testing.T, tests []hitCase) {
	t.Helper()
	for _, e := range engines {
		s := mustCompile(t, e)
		for _, tc := range tests {
			t.Run(string(e)+"/"+tc.class, func(t *testing.T) {
				t.Parallel()
				hits, contacts := s.ScanText(moderation.SceneComment, "body", tc.in)
				checkHits(t, tc.in, hits, contacts)
				for _, h := range hits {
					if h.Term == tc.term && h.Text == tc.text {
						return
					}
				}
				t.Errorf("ScanText(%q): no hit of %q on %q; hits %+v", tc.in, tc.term, tc.text, hits)
			})
		}
	}
}

// TestHardNegatives: ordinary text that naive substring matching flags.
func TestHardNegatives(t *testing.T) {
	t.Parallel()
	runNoHitCases(t, []noHitCase{
		{"embedded ass", "I need to assess the class"},
		{"cross word ass", "assess ment of the glass"},
		{"cross word butt", "a but terfly in the garden"},
		{"cross word shit", "did this hit you"},
		{"cross word twat", "hot water please"},
		{"cross word sexist", "systems exist"},
		{"apostrophe", "who're you"},
		{"scunthorpe", "I live in Scunthorpe"},
		{"cocktail", "a cocktail and a dickens novel"},
		{"number with s", "the 45s and 78s records"},
		{"digits", "order 1234567 costs 88, 520 or 666"},
		{"usb", "USB线传输文件速度特快"},
		{"operation", "操作流畅，体操了解一下"},
		{"other mothers", "其他妈妈都说好"},
		{"my mother's", "我妈的身体好多了"},
		{"recycling", "废物利用小妙招"},
		{"colour", "颜色情况说明"},
		{"good double", "good food, 哈哈哈, 谢谢"},
		{"product review", "申通快递太慢了，东西还行，价格便宜"},
		{"kisses", "love you xxx"},
	})
}

// noHitCase is ordinary text (in) in which ScanText must find no hit.
type noHitCase struct{ class, in string }

// runNoHitCases checks every case on every engine, in the comment scene.
func runNoHitCases(t *testing.T, tests []noHitCase) {
	t.Helper()
	for _, e := range engines {
		s := mustCompile(t, e)
		for _, tc := range tests {
			t.Run(string(e)+"/"+tc.class, func(t *testing.T) {
				t.Parallel()
				hits, _ := s.ScanText(moderation.SceneComment, "body", tc.in)
				if len(hits) > 0 {
					t.Errorf("ScanText(%q) = %v, want no hits", tc.in, terms(hits))
				}
			})
		}
	}
}

func allowFile(t *testing.T, body string) *File {
	t.Helper()
	f, err := ParseFile("test_allow.rules", []byte("kind allow\n"+body))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAllowlistSpanAndScope(t *testing.T) {
	t.Parallel()
	s := mustCompile(t, DefaultEngine, allowFile(t, "shit happens ; categories=profanity scenes=note\nholy crap ; categories=sexual\n"))
	tests := []struct {
		name  string
		scene moderation.Scene
		in    string
		want  []string
	}{
		{"covered hit suppressed", moderation.SceneNote, "shit happens", nil},
		{"only the covered hit", moderation.SceneNote, "shit happens, you shit", []string{"shit"}},
		{"other scene not allowed", moderation.SceneComment, "shit happens", []string{"shit"}},
		{"other category not allowed", moderation.SceneNote, "holy crap", []string{"crap"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hits, _ := s.ScanText(tc.scene, "body", tc.in)
			if diff := cmp.Diff(tc.want, terms(hits)); diff != "" {
				t.Errorf("ScanText(%s, %q) terms (-want +got):\n%s", tc.scene, tc.in, diff)
			}
			if tc.name == "only the covered hit" && len(hits) == 1 && hits[0].Start != strings.LastIndex(tc.in, "shit") {
				t.Errorf("kept hit at %d, want the uncovered one", hits[0].Start)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	s := mustCompile(t, DefaultEngine)
	tests := []struct {
		name     string
		scene    moderation.Scene
		in       string
		contacts []moderation.Contact
		want     moderation.Decision
		labels   []moderation.Label
	}{
		{"clean", moderation.SceneComment, "今天天气不错", nil, moderation.Pass, []moderation.Label{}},
		{"strong profanity", moderation.SceneComment, "what the fuck", nil, moderation.Block, []moderation.Label{"profanity"}},
		{"mild expletive", moderation.SceneComment, "damn, late again", nil, moderation.Review, []moderation.Label{"profanity"}},
		{"mild aimed at a person", moderation.SceneComment, "你大爷 你", nil, moderation.Block, []moderation.Label{"abuse", "profanity"}},
		{"insult aimed", moderation.SceneComment, "you idiot", nil, moderation.Block, []moderation.Label{"abuse"}},
		{"insult not aimed", moderation.SceneComment, "what an idiot move", nil, moderation.Review, []moderation.Label{"abuse"}},
		{"ad alone", moderation.SceneComment, "想要的私我", nil, moderation.Review, []moderation.Label{"ad"}},
		{"contact alone", moderation.SceneComment, "电话在上面", []moderation.Contact{{Type: moderation.ContactPhone}}, moderation.Review, []moderation.Label{"contact"}},
		{"contact plus ad", moderation.SceneComment, "想要的私我", []moderation.Contact{{Type: moderation.ContactWeChat}}, moderation.Block, []moderation.Label{"ad", "contact"}},
		{"bait is ad", moderation.SceneComment, "看看", []moderation.Contact{{Type: moderation.ContactBait}}, moderation.Review, []moderation.Label{"ad"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hits, _ := s.ScanText(tc.scene, "body", tc.in)
			ev := &moderation.Evidence{Item: &moderation.Item{Scene: tc.scene, Body: tc.in}, Hits: hits, Contacts: tc.contacts}
			out := s.Decide(ev)
			if out.Decision != tc.want {
				t.Errorf("Decide(%q) = %s, want %s; reasons %q", tc.in, out.Decision, tc.want, out.Reasons)
			}
			if diff := cmp.Diff(tc.labels, out.Labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if out.Decision != moderation.Pass && len(out.Reasons) == 0 {
				t.Errorf("decision %s without reasons", out.Decision)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	s := mustCompile(t, DefaultEngine)
	ex := s.Explain(moderation.SceneComment, "body", "其他妈妈 fuuuck 傻@逼")
	got := ex.String()
	for _, want := range []string{"其他妈妈 fuuuck 傻·逼", `"fuuuck" → term "fuck"`, `"傻@逼" → term "傻逼"`} {
		if !strings.Contains(got, want) {
			t.Errorf("Explain missing %q:\n%s", want, got)
		}
	}
}

// TestRulesFileExamples walks every rules file's examples (the same check as "trustd rules
// test"), with every engine.
func TestRulesFileExamples(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			s := mustCompile(t, e)
			fails, n := s.CheckExamples()
			if n < 50 {
				t.Errorf("only %d examples in the default rules", n)
			}
			for _, f := range fails {
				t.Error(f)
			}
		})
	}
}

func FuzzScanText(f *testing.F) {
	for _, s := range []string{"F   u   C  k th1$ $h!t", "傻@#￥%逼 加我薇信", "ʃ𝐟ʃὗƈｋ ỹоứ 𝔟ⁱẗ𝙘ɦ", "assess ment",
		"fuckfuck a_s_s", "1Ĳ", "\xff傻\xfe逼"} {
		f.Add(s)
	}
	sets := map[Engine]*Set{}
	for _, e := range engines {
		sets[e] = mustCompile(f, e)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var first []moderation.Hit
		for i, e := range engines {
			hits, contacts := sets[e].ScanText(moderation.SceneNote, "body", s)
			checkHits(t, s, hits, contacts)
			if i == 0 {
				first = hits
			} else if diff := cmp.Diff(first, hits); diff != "" {
				t.Fatalf("%s differs from %s on %q:\n%s", e, engines[0], s, diff)
			}
		}
	})
}
