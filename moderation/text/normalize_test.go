package text

import (
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		class, in, want, alt string
	}{
		{"plain", "Hello, World!", "hello world", ""},
		{"punctuation inside", "f.u.c.k", "f·u·c·k", ""},
		{"spacing", "F   u   C  k", "f u c k", ""},
		{"separators", "f_u.c-k", "f·u·c·k", ""},
		{"fullwidth", "ｆｕｃｋ　ＯＦＦ", "fuck off", ""},
		{"math styled", "𝐟𝐮𝐜𝐤 𝔟𝙞𝘵𝚌𝒽", "fuck bitch", ""},
		{"circled", "Ⓕⓤⓒⓚ", "fuck", ""},
		{"negative squared", "🅵🆄🅲🅺", "fuck", ""},
		{"cyrillic greek homoglyphs", "ѕhіt уоu", "shit you", ""},
		{"diacritics", "ÄšŚ fûçk", "ass fuck", ""},
		{"leet", "th1$ $h!t", "this shit", "thls shlt"},
		{"leet symbols only with letters", "@$$h073", "asshote", "asshole"},
		{"leet plus", "b!+ch", "bitch", "bltch"},
		{"spaced leet", "b.u.l.l.s.h.1.t 1.2.3 v1.2", "b·u·ll·s·h·i·t 1·2·3 v1·2", "b·u·ll·s·h·l·t 1·2·3 v1·2"},
		{"parentheses as o", "c()ck (not) f(x)", "co·ck not f·x", ""},
		{"trailing bang is punctuation", "idiot!", "idiot", ""},
		{"digits stay digits", "45s mp3 abc123 2026", "45s mp3 abc123 2026", ""},
		{"repeats", "fuuuuuck gooood good", "fuuuck goood good", ""},
		{"spaced repeats", "a_s_s", "a·ss", ""},
		{"no cross-word collapse", "this shit", "this shit", ""},
		{"traditional", "這個東西很讚", "这个东西很赞", ""},
		{"cjk noise", "傻@#￥%逼 傻 逼 傻👉逼", "傻·逼 傻 逼 傻·逼", ""},
		{"emoji zwj vs", "微❤️信 加👨‍👩‍👧V", "微·信 加·v", ""},
		{"zero width and bidi", "f\u200bu\u200ec\u202ek", "f·u·c·k", ""},
		{"keycaps and circled digits", "1️⃣3️⃣8️⃣ ①③⑧ ㊀㊁", "1·3·8 138 一二", ""},
		{"cjk repeats", "哈哈哈哈 谢谢", "哈哈哈 谢谢", ""},
	}
	for _, tc := range tests {
		t.Run(tc.class, func(t *testing.T) {
			t.Parallel()
			n := Normalize(tc.in)
			if diff := cmp.Diff(tc.want, n.String()); diff != "" {
				t.Errorf("Normalize(%q) (-want +got):\n%s", tc.in, diff)
			}
			alt := ""
			if n.Alt != nil {
				alt = n.Alt.String()
			}
			if alt != tc.alt {
				t.Errorf("Normalize(%q).Alt = %q, want %q", tc.in, alt, tc.alt)
			}
			checkText(t, tc.in, n)
		})
	}
}

func TestNormalizeToReuse(t *testing.T) {
	t.Parallel()
	var buf Text
	// Ambiguous leet (an Alt), characters that expand to several (ﷺ, ⑽), and key runes of one
	// to four bytes (é, 傻, 𠀀), after longer and shorter texts.
	for _, s := range []string{"th1$ $h!t long enough text", "短", "", "fuuuck 傻逼", "ﷺ ⑽ b!+ch", "é𠀀傻 1.2", "$h!t"} {
		n := NormalizeTo(&buf, s)
		checkText(t, s, n)
		want := Normalize(s)
		if n.String() != want.String() || n.Key != want.Key || (n.Alt == nil) != (want.Alt == nil) {
			t.Errorf("NormalizeTo(%q) = %q (key %q), want %q (key %q)", s, n.String(), n.Key, want.String(), want.Key)
		}
		if n.Alt != nil && want.Alt != nil && n.Alt.Key != want.Alt.Key {
			t.Errorf("NormalizeTo(%q).Alt.Key = %q, want %q", s, n.Alt.Key, want.Alt.Key)
		}
	}
}

// checkText asserts the invariants of a normalised text: units cover increasing, valid,
// rune-aligned spans of the original, and Key is the units' runes.
func checkText(t *testing.T, orig string, n *Text) {
	t.Helper()
	// Rune boundaries as a decoder sees them (an invalid byte is a one-byte rune).
	boundary := map[int]bool{len(orig): true}
	for i := range orig {
		boundary[i] = true
	}
	var key []byte
	prevStart, prevEnd := int32(-1), int32(0)
	for i, u := range n.Units {
		// Several units may come from one original character (ﬁ → f, i), so spans may
		// overlap, but they never go backwards.
		if u.Start < prevStart || u.End < prevEnd || u.End <= u.Start || int(u.End) > len(orig) {
			t.Fatalf("unit %d of %q: bad span [%d,%d) after %d", i, orig, u.Start, u.End, prevEnd)
		}
		if !boundary[int(u.Start)] || !boundary[int(u.End)] {
			t.Fatalf("unit %d of %q: span [%d,%d) not on rune boundaries", i, orig, u.Start, u.End)
		}
		if u.Run < 1 {
			t.Fatalf("unit %d: run %d", i, u.Run)
		}
		if n.KeyOffset(i) != len(key) || n.UnitAt(len(key)) != i {
			t.Fatalf("unit %d: key offset %d, want %d", i, n.KeyOffset(i), len(key))
		}
		key = utf8.AppendRune(key, u.Rune)
		prevStart, prevEnd = u.Start, u.End
	}
	if string(key) != n.Key {
		t.Fatalf("Key = %q, units spell %q", n.Key, key)
	}
	if n.UnitAt(len(n.Key)) != len(n.Units) {
		t.Fatalf("UnitAt(len(Key)) = %d, want %d", n.UnitAt(len(n.Key)), len(n.Units))
	}
	if n.Alt != nil {
		checkText(t, orig, n.Alt)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"F   u   C  k th1$ $h!t", "@$$h073", "傻@#￥%逼", "ʃ𝐟ʃὗƈｋ ỹоứ 𝔟ⁱẗ𝙘ɦ",
		"加❤V：abc_123 一三八①③⑧", "fuuuuck 哈哈哈", "a_s_s", "\xff\xfe invalid", "1️⃣2️⃣ ⑴⒈", "ﬁﬀ ㎏ Ⅷ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		checkText(t, s, n)
		once := n.String()
		if twice := Normalize(once).String(); twice != once {
			t.Fatalf("not idempotent: %q → %q → %q", s, once, twice)
		}
	})
}
