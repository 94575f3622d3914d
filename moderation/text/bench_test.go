package text

import "testing"

// benchNote is a mixed Chinese / English note of ordinary text, written for these benchmarks.
const benchNote = `今天去了新开的咖啡店，环境很好，拿铁的奶泡很细腻，价格也不贵。店员小姐姐很热情，` +
	`推荐了他们家的招牌蛋糕，口感绵密不甜腻。Weekend vibes: the latte art was amazing and the ` +
	`croissant was super flaky. 下次还会再来，适合拍照打卡。Parking is a bit hard though, ` +
	`建议坐地铁过来，出站步行五分钟就到。这家店的老板人很好，会聊天。What the hell, so good! ` +
	`总体评分：环境五星，服务五星，性价比四星。#咖啡 #探店 #周末去哪儿 `

func BenchmarkNormalize(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"mixed", benchNote},
		{"evasive", "F   u   C  k th1$ $h!t 傻@#￥%逼 𝐟𝐮𝐜𝐤 Ⓕⓤⓒⓚ 🅵🆄🅲🅺 這是繁體字 加❤V：abc_123 一三八①③⑧"},
	} {
		b.Run(c.name, func(b *testing.B) {
			Normalize(c.s)
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				Normalize(c.s)
			}
		})
	}
}

func BenchmarkNormalizeTo(b *testing.B) {
	var t Text
	b.SetBytes(int64(len(benchNote)))
	b.ReportAllocs()
	for b.Loop() {
		NormalizeTo(&t, benchNote)
	}
}
