package detect

import (
	"strings"
	"testing"
	"time"
)

// benchNotes are mixed Chinese/English notes of about 1–2 KB, mostly clean, with the usual
// digits, prices, dates and an occasional contact, written for this benchmark.
var benchNotes = func() []string {
	parts := []string{
		"今天终于去了心心念念的那家咖啡店，环境真的很好，适合周末下午一个人坐着看书。",
		"拿铁 ¥32，燕麦拿铁 ¥36，份量挺足的，奶泡打得很细腻。营业时间 10:00-22:00，周一休息。",
		"Went there on 2024-05-18 with two friends, we ordered 3 cakes and 2 drinks, total 168元.",
		"The matcha roll cake is honestly the best part, soft and not too sweet. 强烈推荐给喜欢抹茶的姐妹们！",
		"地址在静安区南京西路1266号附近，地铁2号线出来走5分钟就到。停车不太方便，建议坐地铁。",
		"店里的猫猫超可爱🐱🐱，名字叫豆豆，已经8岁了。店员小姐姐说它每天睡18个小时哈哈哈哈。",
		"Price list: americano 28, latte 32, flat white 35. They also sell beans, 250g for 98.",
		"缺点是人有点多，排队等了大概20分钟，而且Wi-Fi信号一般。总体来说还是值得再去的，给4.5分。",
		"#咖啡探店 #周末去哪儿 #上海美食 666666 冲冲冲！！！",
		"拍照小tips：靠窗的位置光线最好，下午3点到5点之间去，出片率很高📷。",
		"If you go, try the seasonal special — this month it is osmanthus oolong, 38 yuan, worth it.",
		"对了，他们家会员卡充500送50，我没办，感觉一般人用不到。有问题可以评论区问我～",
	}
	var notes []string
	for k := 0; k < 8; k++ {
		var b strings.Builder
		for j := 0; b.Len() < 1200+k*100; j++ {
			b.WriteString(parts[(j+k)%len(parts)])
		}
		if k%4 == 0 {
			b.WriteString("想要同款的加❤V：coffee_lover88，或者电话 138 1234 5678。")
		}
		notes = append(notes, b.String())
	}
	return notes
}()

func BenchmarkContacts(b *testing.B) {
	d, err := New(Config{OwnDomains: []string{"xiaohongshu.com"}})
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, n := range benchNotes {
		total += len(n)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		for _, n := range benchNotes {
			d.Contacts("body", n)
		}
	}
	reportCPU(b, c0, total)
}

// reportCPU adds MB per CPU-second, which is less disturbed by other processes than MB/s.
func reportCPU(b *testing.B, c0 time.Duration, bytesPerOp int) {
	if c := cpuTime() - c0; c > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/c.Seconds()/1e6, "MB/cpu-s")
	}
}

func BenchmarkAdLaw(b *testing.B) {
	d, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, n := range benchNotes {
		total += len(n)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		for _, n := range benchNotes {
			d.AdLaw("body", n)
		}
	}
	reportCPU(b, c0, total)
}

// BenchmarkBoth runs Contacts and AdLaw on each note, as the text stage does for notes.
func BenchmarkBoth(b *testing.B) {
	d, err := New(Config{OwnDomains: []string{"xiaohongshu.com"}})
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, n := range benchNotes {
		total += len(n)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		for _, n := range benchNotes {
			d.Contacts("body", n)
			d.AdLaw("body", n)
		}
	}
	reportCPU(b, c0, total)
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdversarial runs inputs built to make a careless scanner quadratic; MB/s must stay
// in the same range as for ordinary notes.
func BenchmarkAdversarial(b *testing.B) {
	d, err := New(Config{OwnDomains: []string{"example.org"}})
	if err != nil {
		b.Fatal(err)
	}
	for _, unit := range []string{"a.", "私我", "qq1", "1 ", "最·", "www.", "@a", "sub ", "加❤", "￥a1", "一", "1-", "a-b.c"} {
		text := strings.Repeat(unit, 64<<10/len(unit))
		b.Run(unit, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				d.Contacts("body", text)
				d.AdLaw("body", text)
			}
		})
	}
}
