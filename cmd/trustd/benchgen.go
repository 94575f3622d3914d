package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/trustd/trustd/moderation"
)

// itemGen makes a realistic, deterministic mix of notes and comments in Chinese and English:
// sentences assembled from phrase slots, so that, as on a real platform, almost every text is
// distinct (a bench built from a handful of stock sentences looks like one big flood to the
// trust checks and measures their worst case, not the common one); one comment in ten is a
// short stock reply (好看, 666) as posted by many people; about one item in eight carries a
// violation (profanity, abuse, contact, ad) with varying ids and numbers.
type itemGen struct {
	mix    string
	seed   uint64
	images *benchImages // nil: no photos
}

func newItemGen(mix string, seed uint64) *itemGen { return &itemGen{mix: mix, seed: seed} }

// Phrase slots: a sentence takes one phrase from each slot of its language, in order.
var (
	benchZhSlots = [][]string{
		{"今天", "周末", "昨晚", "下班后", "上周", "刚刚", "早上", "假期里", "国庆", "前几天", "中午", "最近"},
		{"和闺蜜", "带孩子", "一个人", "和男朋友", "跟同事", "陪爸妈", "和室友", "带着狗狗", "跟老公", "和小姐妹"},
		{"去了新开的咖啡店", "试了这款面霜", "逛了商场", "做了一顿晚饭", "去公园野餐", "看了一场电影", "去爬山",
			"吃了那家火锅", "买了新的相机镜头", "收拾了衣柜", "去了海边", "逛了夜市", "试了新出的口红", "学做蛋糕"},
		{"环境很好", "味道一般", "性价比很高", "皮肤状态稳定了很多", "拍照很出片", "排队一个小时", "颜色特别显白",
			"比想象中好", "有点踩雷", "服务很热情", "价格有点贵", "回购了三次", "质地很清爽", "人不算多"},
		{"推荐！", "还会再来。", "大家觉得呢？", "求同款～", "哈哈哈。", "下次再约。", "记录一下。", "姐妹们冲！",
			"谢谢分享。", "有点后悔。", "很满足。", "👍", "😂", "🌸", "❤️"},
	}
	benchEnSlots = [][]string{
		{"Today", "Last weekend", "Yesterday", "After work", "This morning", "On holiday", "Last night", "Finally"},
		{"my sister and I", "we", "I", "my roommate and I", "the kids and I", "a friend and I", "my partner and I"},
		{"tried the new ramen place", "tested this serum", "went hiking on the ridge", "packed for a week in a carry-on",
			"found a lamp for the living room", "baked banana bread", "visited the night market", "repainted the desk",
			"tried a new lipstick shade", "walked the dog by the river", "went to a pottery class"},
		{"and it was worth it", "and the texture was light", "but the queue was long", "and the light was perfect",
			"and it felt like a bargain", "but it was a bit pricey", "and I would go again", "and the colour suits me"},
		{"!", ".", ", any tips?", " 😊", ", recommend.", ", ten out of ten.", "… thoughts?", " ✨"},
	}
	benchStock = []string{"好看！", "求链接", "666", "哈哈哈哈", "同款+1", "太美了", "蹲一个", "nice!", "love it", "👍👍👍"}
	// benchBad are violation templates; %s takes a varying id, %d a varying number.
	benchBad = []string{"加我薇信 %s 便宜出", "傻@逼 楼主", "you are a f*cking idiot", "私我拿低价，代购正品 %s",
		"call me 138 %04d 5678", "全网最低价，戳主页", "v：%s 有货", "滚吧你个废物", "扣扣 %d 拿货"}
)

func benchSentence(r *rand.Rand, slots [][]string, sep string) string {
	parts := make([]string, len(slots))
	for i, s := range slots {
		parts[i] = s[r.IntN(len(s))]
	}
	return strings.Join(parts, sep)
}

func benchViolation(r *rand.Rand) string {
	t := benchBad[r.IntN(len(benchBad))]
	switch {
	case strings.Contains(t, "%s"):
		return fmt.Sprintf(t, fmt.Sprintf("shop_%d", 10000+r.IntN(90000)))
	case strings.Contains(t, "%04d"):
		return fmt.Sprintf(t, r.IntN(10000))
	case strings.Contains(t, "%d"):
		return fmt.Sprintf(t, 100000+r.IntN(900000000))
	}
	return t
}

func (g *itemGen) item(i int, run string) *moderation.Item {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	scene := moderation.SceneComment
	switch g.mix {
	case "notes":
		scene = moderation.SceneNote
	case "mixed":
		if r.IntN(5) == 0 {
			scene = moderation.SceneNote
		}
	}
	sentence := func() string {
		if r.IntN(3) == 0 {
			return benchSentence(r, benchEnSlots, " ")
		}
		return benchSentence(r, benchZhSlots, "")
	}
	var b strings.Builder
	target := 200
	if scene == moderation.SceneNote {
		target = 1000 + r.IntN(1000)
	}
	if scene == moderation.SceneComment && r.IntN(10) == 0 {
		b.WriteString(benchStock[r.IntN(len(benchStock))])
	} else {
		for b.Len() < target {
			b.WriteString(sentence())
			b.WriteByte(' ')
		}
	}
	if r.IntN(8) == 0 {
		b.WriteString(benchViolation(r))
	}
	it := &moderation.Item{ID: fmt.Sprintf("bench-%s-%d", run, i), Scene: scene, AuthorID: fmt.Sprintf("u-%d", r.IntN(5000)),
		SubmittedAt: time.Now().UTC(), Body: b.String()}
	if scene == moderation.SceneNote {
		it.Title = sentence()
		if g.images != nil {
			it.Images = []moderation.Image{{URL: g.images.url(i)}}
		}
	}
	return it
}
