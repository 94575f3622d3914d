package detect

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation"
)

// ErrInvalidConfig is returned by New for a variant or own domain that cannot be used.
var ErrInvalidConfig = errors.New("invalid detector config")

// Variant-table keys honoured by New.
const (
	VariantWeChat = "微信" // spellings of WeChat: 薇信, V信, vx, 微❤ …
	VariantQQ     = "QQ" // spellings of QQ: 扣扣, 企鹅, 球球 …
	VariantAdd    = "加"  // spellings of "add": +, ➕, 家 …; each is also combined with v (WeChat) and q (QQ)
	VariantMobile = "手机" // spellings of "mobile phone": 📱, 手jī …
	VariantPhone  = "电话" // spellings of "telephone": ☎, tel, 电hua …
)

// Built-in triggers, always present; the variant tables add to them.
var (
	builtinWeChat = []string{"微信", "薇信", "威信", "徽信", "V信", "vx", "wx", "weixin", "wechat", "微❤", "薇❤", "微x", "威x", "vchat"}
	builtinQQ     = []string{"QQ", "扣扣", "企鹅", "球球", "Q群", "QQ群", "Q号"}
	builtinWeakQQ = []string{"q"}
	builtinWeakWX = []string{"v"}
	builtinAdd    = []string{"加", "+", "➕", "＋", "添加"}
	builtinPhone  = []string{"手机", "电话", "联系电话", "联系方式", "联系", "热线", "致电", "拨打", "打我", "号码",
		"tel", "phone", "mobile", "call", "whatsapp", "☎", "☏", "📞", "📱"}

	builtinBait = []string{
		"私我", "私信我", "私聊我", "私戳", "私戳我", "滴滴我", "dd我", "私我拿", "找我拿", "找我买", "找我领",
		"看我主页", "看主页", "戳主页", "戳我主页", "主页有", "主页见", "见主页", "进主页", "点主页", "点我主页",
		"主页置顶", "看我简介", "简介有", "看简介", "私信领取", "私信获取", "私聊",
		"dm me", "dm for", "pm me", "inbox me", "message me", "link in bio", "link in my bio",
	}
	// baitNotAfter keeps words such as 自私, 隐私, 走私 from reading as 私我, and narrative
	// (她私我说…, 我私聊了客服) from reading as an invitation.
	baitNotAfter = "自隐公走营徇无偏家我他她们"

	// English self-promotion verbs; promo decides from the words after them.
	builtinPromo = []string{"subscribe", "sub", "check", "check out", "follow", "visit", "like", "watch", "support"}

	// Other platforms' handles: ig: name, telegram @name, 抖音号 12345678.
	builtinSocial = []string{
		"instagram", "insta", "ins", "ig", "snapchat", "snap", "telegram", "tg", "kik", "line id", "twitter", "tiktok",
		"facebook", "fb", "discord", "抖音号", "抖音", "快手号", "快手", "微博", "b站", "飞机号", "纸飞机",
	}

	builtinTao = []string{
		"复制这段描述", "复制这段内容", "复制这条信息", "复制这段话", "复制整段", "复制本条", "复制口令",
		"淘口令", "打开淘宝", "打开手淘", "打开手机淘宝", "打开tb", "打开闲鱼", "打开👉淘宝", "去淘宝搜",
		// A symbol after 打开 takes the trie's wildcard edge, which does not give back: every
		// app name after 打开 needs its wildcard spelling too.
		"打开👉手淘", "打开👉手机淘宝", "打开👉tb", "打开👉闲鱼",
	}
)

// buildContactTrie builds the trigger trie from the built-in triggers and cfg's variant tables.
func buildContactTrie(cfg Config) (*trie, error) {
	t := newTrie()
	add := func(words []string, k kind, weak bool, notAft string) error {
		for _, w := range words {
			if err := checkVariant(w); err != nil {
				return err
			}
			// A single Latin letter from a table is weak like the built-in v and q.
			wk := weak || isSingleLatin(w)
			if !t.add(pattern{word: w, kind: k, weak: wk, notAft: notAft}) {
				return fmt.Errorf("variant %q has no letters: %w", w, ErrInvalidConfig)
			}
		}
		return nil
	}
	adds := append(append([]string(nil), builtinAdd...), cfg.Variants[VariantAdd]...)
	steps := []struct {
		words  []string
		k      kind
		weak   bool
		notAft string
	}{
		{builtinWeChat, kWeChat, false, ""},
		{cfg.Variants[VariantWeChat], kWeChat, false, ""},
		{builtinQQ, kQQ, false, ""},
		{cfg.Variants[VariantQQ], kQQ, false, ""},
		{builtinWeakWX, kWeChat, true, ""},
		{builtinWeakQQ, kQQ, true, ""},
		{adds, kAdd, false, ""},
		{builtinPhone, kPhone, false, ""},
		{cfg.Variants[VariantMobile], kPhone, false, ""},
		{cfg.Variants[VariantPhone], kPhone, false, ""},
		{builtinBait, kBait, false, baitNotAfter},
		{builtinTao, kTao, false, ""},
		{builtinPromo, kPromo, false, ""},
		{builtinSocial, kSocial, false, ""},
	}
	for _, s := range steps {
		if err := add(s.words, s.k, s.weak, s.notAft); err != nil {
			return nil, err
		}
	}
	// 加V / +v / ➕Q: an add trigger followed by a lone v or q names the channel.
	for _, a := range adds {
		for _, c := range []struct {
			s string
			k kind
		}{{"v", kWeChat}, {"q", kQQ}, {"vx", kWeChat}, {"wx", kWeChat}, {"微", kWeChat}, {"薇", kWeChat}, {"威", kWeChat}} {
			p := pattern{word: a + c.s, kind: c.k}
			if c.k == kWeChat && c.s >= "\u0080" {
				p.notFol = []string{"信"} // 加微信 is 加 + 微信, which the chain reads
			}
			t.add(p)
		}
	}
	t.finish()
	return t, nil
}

func checkVariant(w string) error {
	switch {
	case w == "" || strings.TrimSpace(w) == "":
		return fmt.Errorf("empty variant: %w", ErrInvalidConfig)
	case !utf8.ValidString(w):
		return fmt.Errorf("variant %q is not UTF-8: %w", w, ErrInvalidConfig)
	case utf8.RuneCountInString(w) > 32:
		return fmt.Errorf("variant %q longer than 32 runes: %w", w, ErrInvalidConfig)
	}
	return nil
}

func isSingleLatin(w string) bool {
	return len(w) == 1 && asciiClass[w[0]&0x7F]&cLetter != 0
}

// connectorRunes may stand between a trigger and the id (微信号是 abc_123, 加我 QQ：…).
const connectorRunes = "号码是为我请加添搜索账名同"

// connectorWords are Latin words that may stand between a trigger and the id.
var connectorWords = []string{"id", "is", "me", "at", "on", "no", "number", "num", "add", "account", "name", "my", "or"}

// promoTargets are what a self-promoter asks people to look at.
var promoTargets = []string{
	"channel", "channels", "page", "profile", "bio", "video", "videos", "youtube", "yt",
	"instagram", "insta", "ins", "ig", "twitter", "tiktok", "account", "song", "songs", "music", "feed", "content",
	"sound", "mixtape", "blog", "site", "website", "shop", "store", "stream", "twitch", "podcast", "link", "links",
	"playlist", "cover", "vlog", "facebook", "fb", "soundcloud", "onlyfans",
}

// promo decides whether an English self-promotion verb at text[start:end] asks readers to
// look at the writer's own channel: "subscribe to me", "sub to our vlog", "check out my …",
// "visit my page", "follow me on", "follow 4 follow". It returns the end of the phrase, or -1.
func promo(text string, start, end int, verb string) int {
	var words [6]string
	var ends [6]int
	n := 0
	pos := end
	for n < len(words) && pos < len(text) {
		for pos < len(text) && text[pos] < 0x80 && asciiClass[text[pos]]&(cLetter|cDigit) == 0 && text[pos] != '\n' {
			pos++
		}
		if pos >= len(text) || text[pos] >= 0x80 || text[pos] == '\n' {
			break
		}
		w := pos
		for pos < len(text) && text[pos] < 0x80 && asciiClass[text[pos]]&(cLetter|cDigit) != 0 {
			pos++
		}
		words[n] = strings.ToLower(text[w:pos])
		ends[n] = pos
		n++
	}
	if n == 0 {
		return -1
	}
	own := func(w string) bool { return w == "my" || w == "our" }
	target := func(from int) int {
		for k := from; k < n && k < from+3; k++ {
			if slices.Contains(promoTargets, words[k]) {
				return ends[k]
			}
		}
		return -1
	}
	switch verb {
	case "subscribe", "sub", "follow", "like", "support":
		// sub 4 sub, follow for follow, like 4 like
		if n >= 2 && (words[0] == "4" || words[0] == "for") && words[1] == verb {
			return ends[1]
		}
		if verb == "like" || verb == "support" {
			break
		}
		k := 0
		if words[0] == "to" || words[0] == "in" || words[0] == "on" {
			k = 1
		}
		if k < n && (words[k] == "me" || words[k] == "us") && verb != "follow" {
			return ends[k]
		}
		if verb == "follow" && words[0] == "me" && n >= 2 && (words[1] == "on" || words[1] == "at") {
			return ends[1]
		}
		if k < n && own(words[k]) {
			if e := target(k + 1); e >= 0 {
				return e
			}
		}
	case "check out", "check", "visit", "watch":
		if own(words[0]) {
			if e := target(1); e >= 0 {
				return e
			}
			if verb == "check out" || verb == "visit" {
				return ends[0]
			}
		}
	}
	return -1
}

// social reads another platform's handle after a trigger ending at pos: it needs a colon, '@'
// or "id" after a Latin trigger (so that "my ig is great" is not a handle), and takes 3–30
// letters, digits, '.' or '_' (a digit run for 抖音号 12345678).
func social(text string, start, pos int, latin bool) (candidate, bool) {
	marker := false
	for steps := 0; pos < len(text) && steps < 6; steps++ {
		r, sz := utf8.DecodeRuneInString(text[pos:])
		switch {
		case r == ':' || r == '：' || r == '@' || r == '＠':
			marker = true
		case r == '号' || r == '是':
			marker = true
		case r < 0x80 && asciiClass[r]&cLetter != 0 && (asciiWord(text, pos) == "id" || asciiWord(text, pos) == "is"):
			marker = marker || asciiWord(text, pos) == "id"
			sz = 2
		case isBreak(r) || !isNoise(r):
			steps = 6
			continue
		}
		pos += sz
	}
	if latin && !marker {
		return candidate{}, false
	}
	end := pos
	for end < len(text) && end-pos < 31 {
		b := text[end]
		if b >= 0x80 || asciiClass[b]&(cLetter|cDigit) == 0 && b != '_' && b != '.' {
			break
		}
		end++
	}
	for end > pos && text[end-1] == '.' {
		end--
	}
	if end-pos < 3 || end-pos > 30 || end < len(text) && text[end] < 0x80 && asciiClass[text[end]]&cLetter != 0 {
		return candidate{}, false
	}
	return candidate{start: start, end: end, typ: moderation.ContactBait, value: strings.ToLower(text[pos:end]), prio: prioTrigger}, true
}
