package detect

import (
	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text/internal/decode"
)

// AdLawCategory is the Category and Dictionary of every AdLaw hit.
const AdLawCategory = "ad_law"

// adLawZui are the words after 最 that make a superlative claim about a product (最佳, 最低价).
// Left out on purpose: time and order (最近 最后 最初 最终 最早 最新), personal feeling (最喜欢 最爱
// 最怕 最讨厌), quantity and emphasis (最多 最少 最大 最重要 最主要), and 最好 on its own, which
// mostly means "had better" (最好不要买); 最好用/最好吃 are claims and are listed.
var adLawZui = []string{
	"佳", "优", "优秀", "优质", "强", "强大", "低价", "低价格", "低折扣", "便宜", "实惠", "划算", "超值",
	"高级", "高端", "高档", "先进", "权威", "专业", "安全", "畅销", "热销", "受欢迎", "流行", "火", "时尚",
	"正宗", "有效", "纯", "完美", "具", "牛", "全", "顶级", "好用", "好吃", "好喝", "好穿", "好卖", "舒适",
	"环保", "健康", "棒", "给力", "靠谱", "赚", "省钱", "新技术", "先进技术", "科学", "精准", "稀有", "优惠",
}

// adLawRank are contexts in which 第一 is a ranking claim (销量第一, 全网第一), not an ordinal
// (第一次, 第一天).
var adLawRank = []string{
	"销量", "全网", "全国", "全球", "世界", "行业", "排名", "天下", "中国", "亚洲", "国内", "同类", "品类",
	"人气", "口碑", "市场", "销售", "好评", "全省", "全市", "全平台", "淘宝", "天猫", "京东",
}

// adLawOrdinal after 第一 make it an ordinal even after a ranking word (中国第一次).
var adLawOrdinal = []string{"次", "天", "个", "步", "回", "届", "批", "期", "季", "集", "章", "眼", "场", "位",
	"年", "轮", "阶段", "时间", "印象", "节", "条", "部", "篇", "口", "家", "款", "件", "代"}

// adLawFixed are claims on their own.
var adLawFixed = []string{
	"顶级", "国家级", "世界级", "全球级", "宇宙级", "第1品牌", "第1大品牌", "销量冠军", "销冠", "之最",
	"100%有效", "100%纯天然", "100%无副作用", "100%治愈", "100%根治", "百分百有效", "百分之百有效",
	"百分之100有效", "包治百病", "万能药", "万能膏", "永不反弹", "史无前例", "独一无二", "绝无仅有",
	"top1", "no1", "number1", "首选品牌", "全网最低", "全网最低价", "史上最低", "史上最低价",
	"绝对有效", "绝对安全", "绝对无副作用", "绝对正宗",
}

// adLawNotFollowed are words after 国家级 and 世界级 that make them a plain fact (国家级自然保护区,
// 国家级非遗, 世界级难题) rather than a product claim.
var adLawNotFollowed = []string{
	"保护区", "自然", "风景", "景区", "非遗", "非物质", "森林", "湿地", "贫困", "文物", "重点", "示范", "新区",
	"开发区", "高新", "运动员", "裁判", "教练", "荣誉", "遗产", "难题", "城市", "机场", "港口", "博物馆",
	"5a", "4a", "考古", "历史", "名胜", "地质", "公园", "水利", "会议", "赛事", "比赛",
}

// adLawZuiVariants are spellings of 最 (蕞 is folded to 最 already).
var adLawZuiVariants = []string{"最", "醉", "嘬"}

func buildAdLawTrie() *trie {
	t := newTrie()
	for _, z := range adLawZuiVariants {
		for _, w := range adLawZui {
			weak := z != "最"
			if weak && len([]rune(w)) < 2 {
				continue // 醉佳 is a claim spelling, 醉火 is not; keep only two-rune words
			}
			t.add(pattern{word: z + w, kind: kAdLaw})
		}
	}
	ordinal := foldAll(adLawOrdinal)
	for _, c := range adLawRank {
		t.add(pattern{word: c + "第1", kind: kAdLaw, notFol: ordinal})
		t.add(pattern{word: c + "第1名", kind: kAdLaw})
		t.add(pattern{word: c + "no1", kind: kAdLaw})
		t.add(pattern{word: c + "top1", kind: kAdLaw})
		t.add(pattern{word: c + "冠军", kind: kAdLaw})
	}
	for _, w := range adLawFixed {
		p := pattern{word: w, kind: kAdLaw}
		if w == "国家级" || w == "世界级" {
			p.notFol = foldAll(adLawNotFollowed)
		}
		t.add(p)
	}
	t.finish()
	return t
}

// skipASCIIWords returns the first position from i where AdLaw must look further (a byte that
// is not ASCII, or an ASCII letter or digit that starts a word and may start a pattern) and
// whether the byte before it is a letter or digit; prev says whether the byte before i is one.
// Nothing starts inside an ASCII word or number, or in ASCII punctuation and space, and most
// words start no pattern: one tight loop over the bytes costs less than a turn of AdLaw's
// loop per word and per gap.
func (t *trie) skipASCIIWords(text string, i int, prev bool) (int, bool) {
	for ; i < len(text); i++ {
		b := text[i]
		if b >= 0x80 {
			break
		}
		k := t.asciiStart[b]
		if k >= startLetter && !prev && (k == startDigit || t.mayStartWord(text, i)) {
			break
		}
		prev = k != startNone
	}
	return i, prev
}

func foldAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		rs := []rune(w)
		for j, r := range rs {
			rs[j] = fold(r)
		}
		out[i] = string(rs)
	}
	return out
}

// AdLaw finds Advertising-Law absolute terms (最/第一/顶级/国家级/100%有效/TOP1 and variants such
// as 蕞, 最·佳), as Hits with Category and Dictionary "ad_law". Term is the canonical term
// (最佳, 销量第1, top1); Text is the original spelling. Matches do not overlap.
func (d *Detector) AdLaw(field, text string) []moderation.Hit {
	var hits []moderation.Hit
	var ms [16]tmatch
	prevAlnum := false
	t := d.at
	for i := 0; i < len(text) && len(hits) < MaxFindings; {
		b := text[i]
		if b >= 0xE3 {
			if j := skipPlainCJK(text, i, t.stop); j > i {
				i, prevAlnum = j, false
				continue
			}
		}
		sz := 1
		walk := false
		alnum := false
		if b < 0x80 {
			if j, p := t.skipASCIIWords(text, i, prevAlnum); j > i {
				i, prevAlnum = j, p
				continue
			}
			walk, alnum = true, true // a word start that may start a pattern
		} else {
			r, ok := decode.Rune3(text, i) // inlined: most characters here are Chinese
			sz = 3
			if !ok {
				r, sz = decode.Rune(text, i)
			}
			if r < 0x10000 {
				walk = t.rootBMP.has(r) && !t.deadEnd(text, i, r)
			} else {
				walk = t.starts(r)
			}
			if r < 0x3400 && isLetterish(r) {
				alnum = true
				walk = walk && !prevAlnum
			}
		}
		if walk {
			m := t.walk(text, i, ms[:0])
			if j := t.best(text, i, m); j >= 0 {
				end := m[j].end
				hits = append(hits, moderation.Hit{
					Field: field, Start: i, End: end, Text: text[i:end],
					Term: t.pats[m[j].pat].word, Category: AdLawCategory, Dictionary: AdLawCategory,
				})
				i = end
				prevAlnum = false
				continue
			}
		}
		prevAlnum = alnum
		i += sz
		if b < 0x80 {
			// Nothing starts inside an ASCII word or number.
			i = asciiRunEnd(text, i, cLetter|cDigit)
		}
	}
	return hits
}
