package detect

import (
	"slices"
	"strings"
	"testing"
)

// TestWideLatin: addresses and handles written in full-width Latin are read like ASCII, with
// offsets into the field as written.
func TestWideLatin(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"full-width url", "买 ｗｗｗ．ｓｈｏｐ９９．ｃｏｍ 看看", one(url, "www.shop99.com", "ｗｗｗ．ｓｈｏｐ９９．ｃｏｍ")},
		{"full-width e-mail", "邮箱 ｋａｔｅ＠ｇｍａｉｌ．ｃｏｍ", one(email, "kate@gmail.com", "ｋａｔｅ＠ｇｍａｉｌ．ｃｏｍ")},
		{"mixed widths", "ｋａｔｅ@gmail．com", one(email, "kate@gmail.com", "ｋａｔｅ@gmail．com")},
		{"full-width handle", "ｔｅｌｅｇｒａｍ ＠ｓｈｏｐｂｏｙ", one(bait, "shopboy", "ｔｅｌｅｇｒａｍ ＠ｓｈｏｐｂｏｙ")},
		{"full-width words, no contact", "Ｔｈｉｓ ｉｓ ｆｉｎｅ，ｎｏ ｌｉｎｋ！", nil},
	})
}

// toWide writes the ASCII letters, digits and address symbols of s in full width.
func toWide(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && copiedASCII(byte(r)) {
			b.WriteRune(r - '!' + 0xFF01)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestWideLatinSameFindings: a field written in full width gives the findings of the same
// field in ASCII (same types and values), with offsets into the full-width text.
func TestWideLatinSameFindings(t *testing.T) {
	t.Parallel()
	d := newDetector(t, Config{OwnDomains: []string{"xiaohongshu.com"}})
	for _, s := range []string{
		"vx: shop_9988 私我", "加V：abc_123", "qq 12345678 可以", "call 138-1234-5678 now",
		"kate.lee@example.com 联系", "see https://t.cn/abc?x=1 for more", "baidu.com 搜一下",
		"dm me on ig: glow.kate", "复制这段描述￥AbCd1234￥打开手机淘宝", "我的主页 xiaohongshu.com/u/1 欢迎",
		"price 120, size M, nothing else",
	} {
		w := toWide(s)
		typeValues := func(fs []found) (out []string) {
			for _, f := range fs {
				out = append(out, f.Type+" "+f.Value)
			}
			return out
		}
		// contacts checks that each finding's offsets give its text.
		a, b := typeValues(contacts(t, d, s)), typeValues(contacts(t, d, w))
		if !slices.Equal(a, b) {
			t.Errorf("%q: ASCII finds %q, full width (%q) %q", s, a, w, b)
		}
		if len(a) == 0 != (strings.HasPrefix(s, "price") || strings.Contains(s, "xiaohongshu")) {
			t.Errorf("%q: findings %q; every case holds a contact but the own domain's and the last", s, a)
		}
	}
}
