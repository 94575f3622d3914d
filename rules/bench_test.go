package rules

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text"
)

// benchNote is a mixed Chinese / English note of ordinary text with a few findings, written for
// these benchmarks.
const benchNote = `今天去了新开的咖啡店，环境很好，拿铁的奶泡很细腻，价格也不贵。店员小姐姐很热情，` +
	`推荐了他们家的招牌蛋糕，口感绵密不甜腻。Weekend vibes: the latte art was amazing and the ` +
	`croissant was super flaky. 下次还会再来，适合拍照打卡。Parking is a bit hard though, ` +
	`建议坐地铁过来，出站步行五分钟就到。这家店的老板人很好，会聊天。What the hell, so good! ` +
	`总体评分：环境五星，服务五星，性价比四星。#咖啡 #探店 #周末去哪儿 `

// cloudflare100k enables the cloudflare engine in the 100k-term benchmarks: it needs several
// GiB of memory there (measured 8.6 GiB), so it is off by default.
var cloudflare100k = flag.Bool("cloudflare100k", false, "include the cloudflare engine in 100k-term benchmarks")

func engines100k() []Engine {
	if *cloudflare100k {
		return []Engine{EngineCloudflare, EnginePositional, EngineRunes}
	}
	return []Engine{EnginePositional, EngineRunes}
}

var (
	benchOnce   sync.Once
	benchSets   map[Engine]*Set
	bigSets     map[Engine]*Set
	bigSetsOnce sync.Once
)

func shippedSet(b *testing.B, e Engine) *Set {
	b.Helper()
	benchOnce.Do(func() {
		benchSets = map[Engine]*Set{}
		files, err := Load(Default())
		if err != nil {
			panic(err)
		}
		for _, e := range []Engine{EngineCloudflare, EnginePositional, EngineRunes} {
			s, err := Compile(files, CompileOptions{Engine: e})
			if err != nil {
				panic(err)
			}
			benchSets[e] = s
		}
	})
	return benchSets[e]
}

// syntheticFiles returns the shipped rules plus a dictionary of n random terms (half CJK, half
// Latin) that do not occur in ordinary text.
func syntheticFiles(n int) []*File {
	files, err := Load(Default())
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("kind dictionary\nname synthetic\ncategory spam\n")
	for i := range n {
		if i%2 == 0 {
			for range 3 + r.IntN(3) {
				b.WriteRune(rune(0x4E00 + r.IntN(0x5000)))
			}
		} else {
			for range 6 + r.IntN(5) {
				b.WriteByte(byte('a' + r.IntN(26)))
			}
		}
		fmt.Fprintf(&b, "%d\n", i) // keep every term unique
	}
	f, err := ParseFile("synthetic.rules", []byte(b.String()))
	if err != nil {
		panic(err)
	}
	return append(files, f)
}

func benchScan(b *testing.B, s *Set) {
	b.SetBytes(int64(len(benchNote)))
	b.ReportAllocs()
	for b.Loop() {
		s.ScanText(moderation.SceneNote, "body", benchNote)
	}
}

func BenchmarkScanTextShipped(b *testing.B) {
	for _, e := range []Engine{EngineCloudflare, EnginePositional, EngineRunes} {
		b.Run(string(e), func(b *testing.B) { benchScan(b, shippedSet(b, e)) })
	}
}

func BenchmarkScanText100k(b *testing.B) {
	bigSetsOnce.Do(func() {
		bigSets = map[Engine]*Set{}
		files := syntheticFiles(100_000)
		for _, e := range engines100k() {
			s, err := Compile(files, CompileOptions{Engine: e})
			if err != nil {
				panic(err)
			}
			bigSets[e] = s
		}
	})
	for _, e := range engines100k() {
		b.Run(string(e), func(b *testing.B) { benchScan(b, bigSets[e]) })
	}
}

func BenchmarkCompile100k(b *testing.B) {
	files := syntheticFiles(100_000)
	for _, e := range engines100k() {
		b.Run(string(e), func(b *testing.B) {
			for b.Loop() {
				if _, err := Compile(files, CompileOptions{Engine: e}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHeap reports the live heap a compiled Set holds (MiB), for the shipped rules and
// with a synthetic 100k-term dictionary. Run with -benchtime 1x.
func BenchmarkHeap(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
	}{{"shipped", 0}, {"100k", 100_000}} {
		es := []Engine{EngineCloudflare, EnginePositional, EngineRunes}
		if c.n > 0 {
			es = engines100k()
		}
		for _, e := range es {
			b.Run(c.name+"/"+string(e), func(b *testing.B) {
				var files []*File
				if c.n > 0 {
					files = syntheticFiles(c.n)
				} else {
					var err error
					if files, err = Load(Default()); err != nil {
						b.Fatal(err)
					}
				}
				var before, after runtime.MemStats
				var keep *Set
				for b.Loop() {
					runtime.GC()
					runtime.ReadMemStats(&before)
					s, err := Compile(files, CompileOptions{Engine: e})
					if err != nil {
						b.Fatal(err)
					}
					keep = s
					runtime.GC()
					runtime.ReadMemStats(&after)
				}
				b.ReportMetric(float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/(1<<20), "heap-MiB")
				runtime.KeepAlive(keep)
			})
		}
	}
}

// BenchmarkStages splits the text stage on benchNote: normalisation, dictionary matching with
// validation, and the contact / Advertising-Law detectors.
func BenchmarkStages(b *testing.B) {
	s := shippedSet(b, DefaultEngine)
	n := text.Normalize(benchNote)
	var reuse text.Text
	for _, st := range []struct {
		name string
		fn   func()
	}{
		{"normalize", func() { text.NormalizeTo(&reuse, benchNote) }},
		{"match", func() { find(s.dict, s.dictPats, n) }},
		{"contacts", func() { s.detector.Contacts("body", benchNote) }},
		{"adlaw", func() { s.detector.AdLaw("body", benchNote) }},
		{"scantext", func() { s.ScanText(moderation.SceneNote, "body", benchNote) }},
	} {
		b.Run(st.name, func(b *testing.B) {
			b.SetBytes(int64(len(benchNote)))
			for b.Loop() {
				st.fn()
			}
		})
	}
}
