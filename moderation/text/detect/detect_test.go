package detect

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/trustd/trustd/moderation"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// found is the part of a Contact the tables check; offsets are checked against the text.
type found struct {
	Type, Value, Text string
}

func newDetector(t testing.TB, cfg Config) *Detector {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

func contacts(t *testing.T, d *Detector, text string) []found {
	t.Helper()
	var out []found
	for _, c := range d.Contacts("body", text) {
		checkSpan(t, text, c.Field, c.Start, c.End, c.Text)
		out = append(out, found{c.Type, c.Value, c.Text})
	}
	return out
}

func checkSpan(t testing.TB, text, field string, start, end int, got string) {
	t.Helper()
	if field != "body" {
		t.Errorf("field = %q, want body", field)
	}
	if start < 0 || end > len(text) || start >= end || text[start:end] != got {
		t.Errorf("span [%d,%d) of %q does not give %q", start, end, text, got)
	}
}

type contactCase struct {
	name string
	text string
	want []found
}

func runContactCases(t *testing.T, cfg Config, cases []contactCase) {
	t.Helper()
	d := newDetector(t, cfg)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := contacts(t, d, tc.text)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Contacts(%q) mismatch (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

func one(typ, value, text string) []found { return []found{{typ, value, text}} }

const (
	wechat = moderation.ContactWeChat
	qq     = moderation.ContactQQ
	phone  = moderation.ContactPhone
	email  = moderation.ContactEmail
	url    = moderation.ContactURL
	tao    = moderation.ContactTaoToken
	bait   = moderation.ContactBait
)

func TestWeChat(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"plain", "有事加微信 tea_house2024 详聊", one(wechat, "tea_house2024", "加微信 tea_house2024")},
		{"homophone", "威信：lucky_cat88", one(wechat, "lucky_cat88", "威信：lucky_cat88")},
		{"V信", "V信 shoplady_7 欢迎", one(wechat, "shoplady_7", "V信 shoplady_7")},
		{"vx colon", "vx:milktea_99", one(wechat, "milktea_99", "vx:milktea_99")},
		{"wx upper", "WX: Yoga_Mia_01", one(wechat, "yoga_mia_01", "WX: Yoga_Mia_01")},
		{"heart between add and v", "姐妹们加💗v：rosegarden_5", one(wechat, "rosegarden_5", "加💗v：rosegarden_5")},
		{"plus v", "+V: hanfu_lover 拿货", one(wechat, "hanfu_lover", "+V: hanfu_lover")},
		{"wei heart", "微❤：skin_care123", one(wechat, "skin_care123", "微❤：skin_care123")},
		{"noise inside trigger", "微·信号：beauty_box_1", one(wechat, "beauty_box_1", "微·信号：beauty_box_1")},
		{"traditional", "請加微信號 travel_note9", one(wechat, "travel_note9", "加微信號 travel_note9")},
		{"full-width id", "vx：ｃａｋｅ＿ｍａｍａ１", one(wechat, "cake_mama1", "vx：ｃａｋｅ＿ｍａｍａ１")},
		{"cyrillic x", "vх: kittyshop_22", one(wechat, "kittyshop_22", "vх: kittyshop_22")},
		{"wechat in english", "my wechat is tom_lee_88 thanks", one(wechat, "tom_lee_88", "wechat is tom_lee_88")},
		{"digits id", "微信 138 0013 8000 同号", one(wechat, "13800138000", "微信 138 0013 8000")},
		{"pure letters after CJK trigger", "薇信 sunnydays 可以聊", one(wechat, "sunnydays", "薇信 sunnydays")},
		{"add then channel", "加我vx：wxid_abc999", one(wechat, "wxid_abc999", "加我vx：wxid_abc999")},
		{"add wei", "需要的加薇 mint_tea66", one(wechat, "mint_tea66", "加薇 mint_tea66")},
	})
}

func TestWeChatNegatives(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"mention", "爸妈都在用微信视频，挺方便", nil},
		{"verb after trigger", "加微信咨询一下价格吧", nil},
		{"pay", "支持微信支付和支付宝", nil},
		{"english word", "wechat payment works fine here", nil},
		{"short id", "微信：abc", nil},
		{"id must start with a letter", "vx: 9abcdef", nil},
		{"letters glued to wx", "wxyzabc123 is a code", nil},
		{"lone v without colon", "v shaped neckline, v smaller", nil},
	})
}

func TestQQ(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"plain", "有问题QQ 3021457788", one(qq, "3021457788", "QQ 3021457788")},
		{"lower glued", "联系qq80452137", one(qq, "80452137", "联系qq80452137")},
		{"kou kou", "扣扣：56473829", one(qq, "56473829", "扣扣：56473829")},
		{"penguin", "企鹅 9182736450", one(qq, "9182736450", "企鹅 9182736450")},
		{"single Q", "Q:77881234", one(qq, "77881234", "Q:77881234")},
		{"circled digits", "球球⑦⑧⑥⑤④③②", one(qq, "7865432", "球球⑦⑧⑥⑤④③②")},
		{"chinese numerals", "QQ号是 七八六五四三二一", one(qq, "78654321", "QQ号是 七八六五四三二一")},
		{"financial numerals", "qq：玖捌柒陆伍肆", one(qq, "987654", "qq：玖捌柒陆伍肆")},
		{"spaced groups", "qq 246 813 579", one(qq, "246813579", "qq 246 813 579")},
		{"qq group", "Q群：66778899", one(qq, "66778899", "Q群：66778899")},
		{"add plus digits", "加 52674189 拿资料", one(qq, "52674189", "加 52674189")},
		{"parenthesised", "QQ⑴⑵⑶⑷⑸⑹", one(qq, "123456", "QQ⑴⑵⑶⑷⑸⑹")},
	})
}

func TestQQNegatives(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"product", "QQ音乐会员到期了", nil},
		{"game far from number", "在玩qq飞车，输了好几把，花了1288元", nil},
		{"quarter", "Q1 2024 revenue grew", nil},
		{"too short", "QQ 1234", nil},
		{"leading zero", "QQ 012345", nil},
		{"price after add", "加 12800 元升级套餐", nil},
		{"repeated", "QQ 66666666", nil},
		{"add with a round number", "加 100000 积分", nil},
		{"plus five digits", "评论+12345 太火了", nil},
	})
}

func TestPhoneDigitStyles(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"ascii", "电话 13912345678", one(phone, "13912345678", "电话 13912345678")},
		{"bare mobile", "有需要的打 15987654321 哦", one(phone, "15987654321", "15987654321")},
		{"bare no trigger", "好物分享 18611112222 欢迎", one(phone, "18611112222", "18611112222")},
		{"dashes", "手机：139-1234-5678", one(phone, "13912345678", "手机：139-1234-5678")},
		{"dots", "137.2468.1357 随时", one(phone, "13724681357", "137.2468.1357")},
		{"full-width", "１３６１２３４５６７８", one(phone, "13612345678", "１３６１２３４５６７８")},
		{"circled", "①⑤⑧②④⑥⑧①③⑤⑦", one(phone, "15824681357", "①⑤⑧②④⑥⑧①③⑤⑦")},
		{"parenthesised and full stop", "⑴⑶⑻⒈⒉⒊⒋⒌⒍⒎⒏", one(phone, "13812345678", "⑴⑶⑻⒈⒉⒊⒋⒌⒍⒎⒏")},
		{"dingbat negative circled", "❶❸❾❷❹❻❽❶❸❺❼", one(phone, "13924681357", "❶❸❾❷❹❻❽❶❸❺❼")},
		{"keycaps", "1️⃣3️⃣5️⃣0️⃣0️⃣0️⃣0️⃣1️⃣1️⃣1️⃣1️⃣", one(phone, "13500001111", "1️⃣3️⃣5️⃣0️⃣0️⃣0️⃣0️⃣1️⃣1️⃣1️⃣1️⃣")},
		{"superscripts", "¹³⁶⁰⁰⁰⁰⁹⁹⁹⁹", one(phone, "13600009999", "¹³⁶⁰⁰⁰⁰⁹⁹⁹⁹")},
		{"super and subscripts", "tel ¹³⁶₀₀₀₀₉₉₉₉", one(phone, "13600009999", "tel ¹³⁶₀₀₀₀₉₉₉₉")},
		{"math digits", "𝟏𝟑𝟕𝟐𝟐𝟑𝟑𝟒𝟒𝟓𝟓", one(phone, "13722334455", "𝟏𝟑𝟕𝟐𝟐𝟑𝟑𝟒𝟒𝟓𝟓")},
		{"chinese numerals with yao", "幺三七 二四六八 一三五七", one(phone, "13724681357", "幺三七 二四六八 一三五七")},
		{"financial numerals", "壹叁捌贰肆陆捌壹叁伍柒", one(phone, "13824681357", "壹叁捌贰肆陆捌壹叁伍柒")},
		{"liang and ling", "一五零两四六八一三五七", one(phone, "15024681357", "一五零两四六八一三五七")},
		{"mixed styles", "1③⑧二4６⁸壹3五⑦", one(phone, "13824681357", "1③⑧二4６⁸壹3五⑦")},
		{"emoji noise", "13🌸8🌸2468🌸1357", one(phone, "13824681357", "13🌸8🌸2468🌸1357")},
		{"country code", "+86 138 2468 1357", one(phone, "13824681357", "+86 138 2468 1357")},
		{"two numbers in one run", "138 2468 1357, 139 1357 2468", []found{{phone, "13824681357", "138 2468 1357"}, {phone, "13913572468", "139 1357 2468"}}},
		{"traditional trigger", "聯繫電話：13824681357", one(phone, "13824681357", "聯繫電話：13824681357")},
	})
}

func TestLandline(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"area code dash", "店里座机 021-64581234", one(phone, "02164581234", "021-64581234")},
		{"four digit area", "订座请拨 0755 8888 1234", one(phone, "075588881234", "0755 8888 1234")},
		{"with trigger", "联系电话：0571-8765432", one(phone, "05718765432", "联系电话：0571-8765432")},
		{"local with trigger", "电话 8627 4315", one(phone, "86274315", "电话 8627 4315")},
		{"local without trigger", "店里 8627 4315", nil},
		{"400", "客服热线400-820-1234", one(phone, "4008201234", "热线400-820-1234")},
		{"north american", "text 415-555-0134 anytime", one(phone, "4155550134", "415-555-0134")},
		{"number after phone trigger", "phone: 415 555 0134", one(phone, "4155550134", "phone: 415 555 0134")},
		{"order after phone trigger", "打电话问了订单 46281937", nil},
	})
}

func TestEmailAndURL(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{OwnDomains: []string{"Notes.Example.org"}}, []contactCase{
		{"email", "合作请发 Hello.Shop@Mail163.com 谢谢", one(email, "hello.shop@mail163.com", "Hello.Shop@Mail163.com")},
		{"email digits", "邮箱 1234567@qq.com", one(email, "1234567@qq.com", "1234567@qq.com")},
		{"full-width at", "shop＠gmail.com", one(email, "shop@gmail.com", "shop＠gmail.com")},
		{"https", "see https://shop.example.com/p?id=9 now", one(url, "https://shop.example.com/p?id=9", "https://shop.example.com/p?id=9")},
		{"www", "去www.buy-cheap.net看看", one(url, "www.buy-cheap.net", "www.buy-cheap.net")},
		{"bare domain path", "link: grab-deal.xyz/a1b2", one(url, "grab-deal.xyz/a1b2", "grab-deal.xyz/a1b2")},
		{"short link", "戳 t.cn/A6xYz9 领券", one(url, "t.cn/A6xYz9", "t.cn/A6xYz9")},
		{"weak tld with path", "youtu.be/dQw4w9 lol", one(url, "youtu.be/dQw4w9", "youtu.be/dQw4w9")},
		{"chinese dot", "官网 meishi点com 有", one(url, "meishi.com", "meishi点com")},
		{"ideographic full stop", "mybrand。cn", one(url, "mybrand.cn", "mybrand。cn")},
		{"own domain", "原帖在 https://notes.example.org/n/123", nil},
		{"own subdomain bare", "cdn.notes.example.org/x.jpg", nil},
		{"trailing period", "Visit foo-bar.com.", one(url, "foo-bar.com", "foo-bar.com")},
	})
}

func TestWebNegatives(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"sentence without space", "It was late.It rained.", nil},
		{"weak tld word", "the end.me too", nil},
		{"decimal", "评分4.5分，价格99.9元", nil},
		{"version", "升级到 v2.3.1 以后", nil},
		{"file", "打开 report.pdf 和 main.go", nil},
		{"mention", "谢谢 @小红 的推荐", nil},
		{"abbreviation", "e.g. this, i.e. that, Mr.Smith", nil},
	})
}

func TestTaoKouLing(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"yuan frame", "￥Xy7Kp2Qm9￥ 限时", one(tao, "Xy7Kp2Qm9", "￥Xy7Kp2Qm9￥")},
		{"euro frame", "€8hGt2LmQa€", one(tao, "8hGt2LmQa", "€8hGt2LmQa€")},
		{"dollar frame", "$Q2w3E4r5T$", one(tao, "Q2w3E4r5T", "$Q2w3E4r5T$")},
		{"mixed frame", "₳AbCdEfGh1₳", one(tao, "AbCdEfGh1", "₳AbCdEfGh1₳")},
		{"copy phrase", "复制这段描述，打开app", one(tao, "复制这段描述", "复制这段描述")},
		{"traditional noisy copy", "複·製這段描述後", one(tao, "复制这段描述", "複·製這段描述")},
		{"open taobao noisy", "咑閞👉τаo寳👈", nil}, // Greek/Cyrillic letters spelling "tao" are not 淘
		{"open taobao traditional", "咑開👉淘♂寶♀👈即可", one(tao, "打开👉淘宝", "咑開👉淘♂寶")},
		{"price is not a code", "原价 $199，现价 ¥99", nil},
		{"all letters is not a code", "$SUPERSALE$", nil},
		{"spaces inside frame", "￥ 9kLm2NpQ ￥", one(tao, "9kLm2NpQ", "￥ 9kLm2NpQ ￥")},
	})
}

func TestBait(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"si wo", "想要的私我", one(bait, "私我", "私我")},
		{"noisy", "私❤信❤我 拿链接", one(bait, "私信我", "私❤信❤我")},
		{"home page", "链接看我主页哦", one(bait, "看我主页", "看我主页")},
		{"poke", "戳主页～", one(bait, "戳主页", "戳主页")},
		{"traditional", "詳情見主頁", one(bait, "见主页", "見主頁")},
		{"dm", "DM me for the price", one(bait, "dm me", "DM me")},
		{"bio", "Link in bio!", one(bait, "link in bio", "Link in bio")},
		{"subscribe", "pls subscribe to my vlog", one(bait, "subscribe to my vlog", "subscribe to my vlog")},
		{"check out", "check out my etsy shop", one(bait, "check out my etsy shop", "check out my etsy shop")},
		{"check out anything", "check out my answer below", one(bait, "check out my", "check out my")},
		{"visit", "visit our store for more", one(bait, "visit our store", "visit our store")},
		{"check bio", "check my bio", one(bait, "check my bio", "check my bio")},
		{"follow", "follow me on insta", one(bait, "follow me on", "follow me on")},
		{"sub4sub", "sub 4 sub anyone?", one(bait, "sub 4 sub", "sub 4 sub")},
		{"private chat", "有意私聊", one(bait, "私聊", "私聊")},
		{"instagram handle", "ig: @moon.child_22", one(bait, "moon.child_22", "ig: @moon.child_22")},
		{"telegram", "telegram @deals_hub", one(bait, "deals_hub", "telegram @deals_hub")},
		{"douyin number", "抖音号 38472915 每天更新", one(bait, "38472915", "抖音号 38472915")},
		{"douyin id", "抖音：rainbow_cake", one(bait, "rainbow_cake", "抖音：rainbow_cake")},
	})
}

func TestBaitNegatives(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"selfish", "他太自私我受不了", nil},
		{"privacy", "注意隐私我觉得很重要", nil},
		{"smuggling", "严禁走私我国文物", nil},
		{"check schedule", "let me check my schedule", nil},
		{"like", "I like my new shoes", nil},
		{"admin", "admin me please", nil},
		{"ig word", "my ig is great", nil},
		{"narrative", "她私我说发错货了，我私聊了客服", nil},
		{"snap verb", "snap your fingers", nil},
		{"douyin mention", "抖音上看到的，买了", nil},
	})
}

// TestHardNegatives lists digit runs that are not contacts.
func TestHardNegatives(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"order number", "订单号 13812345678 还没发货", nil},
		{"order number 2", "我的订单：20240518123456789 怎么查", nil},
		{"tracking", "快递单号 SF1234567890123", nil},
		{"price", "原价 ¥13800000，太贵", nil},
		{"price unit", "一共 15800000 元", nil},
		{"date compact", "保质期至 20250630", nil},
		{"date", "2024-05-18 12:30:45 到的", nil},
		{"time range", "营业 09:30-21:30", nil},
		{"slang 666", "太强了 666666666666", nil},
		{"slang 520 1314", "5201314 爱你", nil},
		{"crying", "5555555555 心碎", nil},
		{"bye", "88 88888888", nil},
		{"lol", "233333333 笑死", nil},
		{"year", "从 1998 年到 2024 年", nil},
		{"quantity", "卖出了 12345678 件", nil},
		{"followers", "粉丝 23456789 个", nil},
		{"many zeros", "给你点 100000000 个赞", nil},
		{"sequence", "密码别用 123456789", nil},
		{"prose numerals", "一二三四五六七八九十", nil},
		{"model number", "型号 AB13812345678", nil},
		{"glued to letters", "SKU13812345678X", nil},
		{"decimal", "圆周率 3.1415926535", nil},
		{"timestamp", "ts=1716000000", nil},
		{"chinese year", "二〇二四年五月", nil},
		{"short", "ring me at 7 tonight", nil},
		{"bare 7 digits", "编号 2468135", nil},
		{"masked mobile", "手机号 138****5678 已验证", nil},
		{"masked with trigger", "电话：139**** 2468", nil},
	})
}

func TestLowConfidenceBareNumber(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"bare 9 digits in prose", "好用回购    864213579找我", one(qq, "864213579", "864213579")},
	})
}

func TestVariants(t *testing.T) {
	t.Parallel()
	cfg := Config{Variants: map[string][]string{
		VariantWeChat: {"维❤", "weix"},
		VariantQQ:     {"抠抠"},
		VariantAdd:    {"嘉"},
		VariantMobile: {"手鸡"},
		VariantPhone:  {"电hua"},
		"未知":          {"ignored"},
	}}
	runContactCases(t, cfg, []contactCase{
		{"wechat wildcard", "维💕 garden_shop1", one(wechat, "garden_shop1", "维💕 garden_shop1")},
		{"wechat latin", "weix: lily_bloom7", one(wechat, "lily_bloom7", "weix: lily_bloom7")},
		{"qq", "抠抠 24681357", one(qq, "24681357", "抠抠 24681357")},
		{"add combined with v", "嘉V：pearl_milk2", one(wechat, "pearl_milk2", "嘉V：pearl_milk2")},
		{"mobile", "手鸡 8627 4315", one(phone, "86274315", "手鸡 8627 4315")},
		{"phone", "电hua：8627 4315", one(phone, "86274315", "电hua：8627 4315")},
		{"built-ins stay", "vx: still_here1", one(wechat, "still_here1", "vx: still_here1")},
	})
	// Without the tables the variants do nothing.
	runContactCases(t, Config{}, []contactCase{
		{"no table", "抠抠 24681357", one(qq, "24681357", "24681357")}, // the bare low-confidence rule
		{"no table wechat", "weix: lily_bloom7", nil},
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Variants: map[string][]string{VariantWeChat: {""}}},
		{Variants: map[string][]string{VariantQQ: {"   "}}},
		{Variants: map[string][]string{VariantAdd: {"\xff\xfe"}}},
		{Variants: map[string][]string{VariantPhone: {"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四"}}},
		{OwnDomains: []string{"https://example.com/"}},
		{OwnDomains: []string{"localhost"}},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%+v) error = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestDigitValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v   int
		set string
	}{
		{0, "0０⁰₀⓪⓿〇零𝟎𝟘"},
		{1, "1１¹₁①⑴⒈⓵❶➀➊一壹幺㊀㈠𝟏🄂"},
		{2, "2２²₂②⑵⒉⓶❷➁➋二贰貳两兩㊁㈡"},
		{3, "3３³₃③⑶⒊⓷❸➂➌三叁參㊂㈢"},
		{9, "9９⁹₉⑨⑼⒐⓽❾➈➒九玖㊈㈨𝟿🄊"},
	} {
		for _, r := range tc.set {
			if got := DigitValue(r); got != tc.v {
				t.Errorf("DigitValue(%q) = %d, want %d", r, got, tc.v)
			}
		}
	}
	for _, r := range "aZ十百千万个.-🌸" {
		if got := DigitValue(r); got != -1 {
			t.Errorf("DigitValue(%q) = %d, want -1", r, got)
		}
	}
}

func TestOffsetsAreBytesOfTheOriginal(t *testing.T) {
	t.Parallel()
	d := newDetector(t, Config{})
	text := "前面有很多字🌸😊 加🅥：ＴＥＡ＿ｔｉｍｅ８ 后面 ⑴⑶⑻⒈⒉⒊⒋⒌⒍⒎⒏ 结束"
	cs := d.Contacts("body", text)
	if len(cs) != 2 {
		t.Fatalf("Contacts = %+v, want 2", cs)
	}
	for _, c := range cs {
		checkSpan(t, text, c.Field, c.Start, c.End, c.Text)
	}
	if cs[0].Value != "tea_time8" || cs[1].Value != "13812345678" {
		t.Errorf("values = %q, %q", cs[0].Value, cs[1].Value)
	}
}
