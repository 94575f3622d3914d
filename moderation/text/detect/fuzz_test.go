package detect

import (
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", "\xff", "加❤V：abc_123", "QQ：⑨⑧⑦⑥⑤④③②", "1️⃣3️⃣8️⃣", "￥AbCd1234￥", "复·制这段描述", "a@b.co",
	"https://x.cn/\xe4\xb8", "蕞·佳", "全网第①", "TOP1", "幺三八\xe2\x91", "微\u200d信：x_12345678", "+86 138 0000 1111",
	"订单号 13812345678", ".com/", "点com", "$", "￥", "@", "最", "v:", "qq 1 2 3 4 5", "🔑ABCDEFG1🔑",
	"ｗｗｗ．ｓｈｏｐ９９．ｃｏｍ ｋａｔｅ＠ｇｍａｉｌ．ｃｏｍ", "ｂ\xef\xbc",
}

// FuzzContacts checks that Contacts never panics and that every span is valid and
// non-overlapping, on any input including invalid UTF-8.
func FuzzContacts(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	d, err := New(Config{Variants: map[string][]string{VariantWeChat: {"维❤"}}, OwnDomains: []string{"example.org"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, c := range d.Contacts("body", text) {
			if c.Start < prev || c.End > len(text) || c.Start >= c.End || text[c.Start:c.End] != c.Text {
				t.Fatalf("bad span %+v in %q (previous end %d)", c, text, prev)
			}
			if c.Type == "" || c.Value == "" {
				t.Fatalf("empty type or value %+v in %q", c, text)
			}
			if utf8.ValidString(text) && !utf8.ValidString(c.Text) {
				t.Fatalf("span %+v splits a rune of %q", c, text)
			}
			prev = c.End
		}
	})
}

// FuzzAdLaw checks the same invariants for AdLaw.
func FuzzAdLaw(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	d, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, h := range d.AdLaw("body", text) {
			if h.Start < prev || h.End > len(text) || h.Start >= h.End || text[h.Start:h.End] != h.Text {
				t.Fatalf("bad span %+v in %q", h, text)
			}
			if utf8.ValidString(text) && !utf8.ValidString(h.Text) {
				t.Fatalf("span %+v splits a rune of %q", h, text)
			}
			prev = h.End
		}
	})
}
