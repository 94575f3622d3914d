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
	"github.com/trustd/trustd/moderation/text/texttest"
)

// benchNotes is the benchmark corpus: realistic mixed Chinese/English notes (package texttest).
var benchNotes = texttest.Notes()

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

// benchScan runs the whole text stage (ScanText in the note scene) over every benchmark note:
// one op is the whole corpus; MB/s and MB/cpu-s count input bytes.
func benchScan(b *testing.B, s *Set) {
	texttest.Loop(b, benchNotes, func(note string) { s.ScanText(moderation.SceneNote, "body", note) })
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

// BenchmarkStages splits the text stage over the benchmark notes: normalisation, dictionary
// matching with validation (on texts normalised beforehand), the contact and Advertising-Law
// detectors, and the whole stage (ScanText, note scene).
func BenchmarkStages(b *testing.B) {
	s := shippedSet(b, DefaultEngine)
	normalised := map[string]*text.Text{}
	for _, n := range benchNotes {
		normalised[n] = text.Normalize(n)
	}
	var reuse text.Text
	for _, st := range []struct {
		name string
		fn   func(string)
	}{
		{"normalize", func(n string) { text.NormalizeTo(&reuse, n) }},
		{"match", func(n string) { find(s.dict, s.dictPats, normalised[n]) }},
		{"contacts", func(n string) { s.detector.Contacts("body", n) }},
		{"adlaw", func(n string) { s.detector.AdLaw("body", n) }},
		{"scantext", func(n string) { s.ScanText(moderation.SceneNote, "body", n) }},
	} {
		b.Run(st.name, func(b *testing.B) { texttest.Loop(b, benchNotes, st.fn) })
	}
}
