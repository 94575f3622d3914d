// Package detect finds contact details, self-advertising and Advertising-Law absolute terms in
// one field of user text. It is code, not a dictionary: the shapes of ids and numbers, the
// digit styles and the context rules are here; only the spellings of a few trigger words come
// from the rules directory's variant tables (Config.Variants).
//
// # Usage
//
//	d, err := detect.New(detect.Config{
//		Variants:   rules.Variants,              // e.g. {"微信": {"薇信", "V信", "微❤"}, "QQ": {"扣扣"}}
//		OwnDomains: []string{"xiaohongshu.com"},
//	})
//	if err != nil { … } // errors.Is(err, detect.ErrInvalidConfig)
//	contacts := d.Contacts("body", item.Body) // []moderation.Contact
//	hits := d.AdLaw("body", item.Body)        // []moderation.Hit, category "ad_law"; notes only
//
// A Detector is immutable and safe for concurrent use; build a new one when the rules reload.
// Offsets are byte offsets into the original text, so text[Start:End] == Text always holds
// (fuzzed), whatever spelling was matched. Value is the normalised value: the lower-cased
// WeChat id, the ASCII digits of a phone or QQ number, the lower-cased e-mail address, the URL
// with a lower-cased host, the 淘口令 code, or the canonical bait / 淘口令 phrase.
//
// # Contacts
//
// Digits in any style count, mixed inside one number: ASCII, full-width, superscript and
// subscript, circled and parenthesised and full-stop digits (①⑴⒈❶➀⓵🄂), keycaps (1️⃣),
// mathematical digits, Chinese numerals 〇零一二三四五六七八九, 壹贰叁肆伍陆柒捌玖 (also
// traditional), 幺 = 1, 两 = 2, and ㊀㈠ (see DigitValue). Up to four noise runes (spaces, dashes,
// dots, emoji, symbols, zero-width characters) may stand between two digits of a number.
//
// Triggers are matched over folded text: ASCII case, full-width, enclosed and styled letters
// (𝐯𝐱, ⓥ, 🅥), Cyrillic and Greek look-alikes (vх with a Cyrillic х), traditional forms of the
// trigger characters (電話, 聯繫, 號, 復製, 淘寶, 咑閞), and up to three noise runes between two
// characters of a trigger (微·信, 加❤V, 淘♂宝). A symbol inside a trigger spelling (微❤) matches
// one or more symbols or emoji. Sentence punctuation and line breaks end a trigger, except a
// line break in vertical writing, one character per line (v\nx\n：id, 加\n微\n信).
//
// Built-in triggers (always on; the variant tables add to them):
//
//   - WeChat (key "微信"): 微信 薇信 威信 徽信 V信 vx wx weixin wechat vchat 微❤ 薇❤ 微x 威x; a lone v is a weak
//     trigger (needs a colon before the id).
//   - QQ (key "QQ"): QQ 扣扣 企鹅 球球 Q群 QQ群 Q号; a lone q is weak (needs a colon or digits).
//   - Add (key "加"): 加 + ➕ ＋ 添加; every add spelling followed by a lone v / vx / wx or by 微 / 薇 /
//     威 (not 微信, which is read as 加 + 微信) means WeChat, by a lone q means QQ (加V, +v, 加薇, ➕Q).
//   - Phone (keys "手机" and "电话"): 手机 电话 联系电话 联系方式 联系 热线 致电 拨打 打我 号码 tel phone
//     mobile call whatsapp ☎ ☏ 📞 📱.
//
// After a trigger, up to twelve steps of noise, a colon, connector words (号 码 是 为 我 请 加 添 搜
// 索 账 名 同; id, is, me, my, at, on, no, number, account, name …) and at most two further
// triggers (加我 QQ：…) lead to the value, and the reported span runs from the first trigger
// to the end of the value (DESIGN §4: "薇信: abc_123").
//
//   - wechat: a WeChat-shaped id (a letter, then 5–19 letters, digits, _ or -, in any letter
//     style), or a 5–20 digit number. A plain word with no digit, _ or - counts only after a
//     colon, 号 or "id", or right after a Chinese trigger ("wechat payment" is not an id).
//     After a colon, a Latin trigger spelling glued to the rest of the id by _ or - is the
//     start of the id, not a further trigger (VX：wx_lin88).
//   - qq: 5–11 digits without a leading zero after a QQ trigger, or 6–11 digits (not mostly
//     one digit, such as 100000) after an add trigger when the number is not a mobile number.
//     "Q1 2024" style grouping (a lone first digit) is not a QQ number.
//   - phone: after a phone trigger, a Chinese mobile number (1[3-9] + 9 digits, with an
//     optional +86 / 0086 / 86), a landline with area code (0 + 9–11 digits), a 400/800 number,
//     or any other 7–12 digit number (local or foreign) that is not 1234567-like or mostly one
//     digit and has no order-style word before it; after an add trigger, a mobile number.
//   - phone without a trigger: only a valid mobile number (not 520/1314 slang), a landline with
//     area code, a 400/800 number, or a 3-3-4 grouped North American number, and only when no letter is glued to it and no order / tracking / model /
//     card / date / price word stands just before it.
//   - qq without a trigger (low confidence, documented choice): a plain ASCII 8–10 digit
//     number with no separators that stands alone (no letter, digit, '.', ',', ':', '/', '-',
//     '%', '#', '_' or '@' glued to it), does not start with 0, is not a yyyymmdd date, a
//     10-digit timestamp, a run like 12345678, mostly one digit (10000000, 88888888), or
//     contains 5201314; no unit after it and no negative word before it. Chinese-numeral
//     runs without a trigger only count as a full mobile number.
//   - email: local@host with a alphabetic top-level label; ＠ accepted; "@" and "." spelled
//     out (kate [at] gmail [dot] com, kate(at)qq(dot)com; a plain "kate at gmail dot com"
//     needs a spelled dot, a strong top-level domain and no determiner as host).
//     The policy can treat a spelled address as disguised (rules: "contact email:disguised").
//   - url: http://, https:// and www. URLs; bare domains whose last label is a known TLD
//     (example.com, t.cn/xyz, baidu点com, brand。cn); TLDs that are also English words or file
//     extensions (me, to, in, it, app, shop …) need a path, www. or a scheme; ".com/path"
//     fragments with no host count. A dot with one space on each side counts before com, cn,
//     net or xyz when the label before it has a letter and 3+ characters
//     (cheap-bags . com). Hosts on Config.OwnDomains or their subdomains are not
//     contacts (and hide whatever they cover).
//   - full width: a field with a full-width Latin letter (ｗｗｗ．ｓｈｏｐ．ｃｏｍ,
//     ｋａｔｅ＠ｇｍａｉｌ．ｃｏｍ) is read as a copy with its full-width letters, digits and
//     address symbols in ASCII; offsets still point into the field (wide.go).
//   - taokouling: an 8–14 character letter-and-digit code framed by currency signs or key
//     emoji, up to two spaces inside the frame (￥AbCd1234￥, € AbCd1234 €, $…$, ₳…₳, 🔑…🔑), with at least one letter and either a digit or
//     both cases; and the 淘口令 phrases 复制这段描述 / 复制这条信息 / 淘口令 / 打开淘宝 / 打开手淘 /
//     打开👉淘宝 … in any traditional or noisy spelling (復·制, 咑閞👉淘♂寳).
//   - bait: 私我, 私信我, 私聊, 滴滴我, 看我主页, 戳主页, 主页有, 见主页, 看我简介, 找我拿 … (not after 自,
//     隐, 公, 走, 营, 徇, 无, 偏, 家, 我, 他, 她, 们: 自私我, 隐私我, 她私我说… is narrative), and
//     English self-promotion, decided from the words after a verb (subscribe, sub, follow, check
//     (out), visit, watch, like): dm me, pm me, link in bio, "subscribe to me", "sub to my vlog",
//     "sub 4 sub", "follow me on", "check out my …", "check my bio / channel / page …".
//     Also another platform's handle (bait, Value = the handle): ig / insta / instagram /
//     snapchat / telegram / tg / twitter / tiktok / discord / fb followed by ':', '@' or "id"
//     and a 3–30 character handle (ig: @moon.child), and 抖音号 / 抖音 / 快手 / 微博 / b站 / 飞机号
//     followed by a handle or number.
//
// Not contacts: masked numbers (138****5678: two or more '*' end a number); numbers followed by a unit, currency or count word (元 块 万 个 件 年 月 日 号 岁
// 斤 粉 赞 % kg views …) or glued to letters; numbers after 订单 单号 快递 物流 编号 型号 货号 条码
// 发票 卡号 身份证 日期 有效期 价 order tracking sku isbn ¥ $ …; runs of one digit (666, 5555,
// 88888888); dates and times (2024-05-18 12:30 is one 12-digit run that fits no shape); prices.
// When findings overlap, URL and e-mail beat 淘口令, which beats trigger-based contacts, then bare
// phone numbers, then bare QQ numbers, then bait.
//
// # Advertising Law
//
// AdLaw reports the absolute terms that Chinese Advertising Law art. 9(3) forbids in
// advertising (国家级, 最高级, 最佳 and the like), aimed at product claims, not at ordinary
// uses of the same characters. Decisions, precision first:
//
//   - 最 + a claim word: 最佳 最优 最强 最低价 最便宜 最实惠 最划算 最高级 最高端 最先进 最权威 最专业 最安全
//     最畅销 最受欢迎 最正宗 最有效 最纯 最完美 最具 最全 最好用 最好吃 … (spelled 最, 蕞, 冣, and with noise:
//     最·佳, 最🔥强). Not: 最近 最后 最初 最终 最早 最新 (time), 最喜欢 最爱 最怕 (personal
//     feeling), 最多 最少 最大 最重要 (quantity, emphasis), and 最好 on its own, which usually
//     means "had better" (最好不要买).
//   - 第一 only as a ranking claim: after 销量 全网 全国 全球 世界 行业 排名 天下 中国 国内 同类 人气 口碑
//     市场 … (销量第一, 全网第①, 口碑TOP1), or 第一品牌; never 第一次 / 第一天 / 第一个, and not when an
//     ordinal word follows (中国第一次). Also 销量冠军, 销冠, X之最.
//   - Always: 顶级, 世界级, 国家级 (except before 自然保护区, 非遗, 景区, 难题 … where it states a
//     fact), TOP1 / top 1 / No.1 as whole words (not top 10), 100%有效 / 百分百有效 and similar
//     100% efficacy claims, 包治百病, 万能药, 永不反弹, 史无前例, 独一无二, 绝无仅有, 首选品牌, 全网最低.
//   - Left out as too ambiguous in user notes: 极品 (slang, often an insult), 无敌 (无敌好吃),
//     首选 alone (我的首选), 万能 alone (万能的淘宝), 绝对, 唯一.
//
// Hits carry Category and Dictionary "ad_law" and Term = the canonical term (最佳, 销量第1,
// top1). The caller applies them to notes only (issue 3: review).
//
// # Limits
//
// Each method reports at most MaxFindings findings per field. Scanning is linear in the text
// and uses no regular expressions. Measured on mixed Chinese/English notes of 1.3–2 KB on a
// shared, busy 2-core machine: Contacts 120–190 MB per CPU-second, AdLaw 235–330, both together
// 95–115 (BenchmarkContacts, BenchmarkAdLaw, BenchmarkBoth report MB/cpu-s next to the wall-clock
// MB/s). Hostile input built to slow the scanners (BenchmarkAdversarial) stays above about
// 4 MB/s, so a 64 KiB field takes at most about 15 ms.
package detect
