// Package texttest holds what the text benchmarks share: a corpus of realistic mixed
// Chinese/English notes and a process CPU-time clock.
//
// The notes (notes.txt, see PROVENANCE) are the kind of text the note scene sees: reviews,
// travel logs, recipes, outfit lists and diaries in Chinese, English and both, with prices,
// dates, times, hashtags, emoji, a few traditional characters, a mild expletive or two, and one
// note with a contact and Advertising-Law claims. Benchmarks report MB/s of input bytes over the
// whole corpus, and MB per CPU-second, which other processes on a shared machine disturb less
// than wall-clock time:
//
//	func BenchmarkScan(b *testing.B) {
//		texttest.Loop(b, texttest.Notes(), func(note string) { scan(note) })
//	}
package texttest

import (
	_ "embed"
	"strings"
	"testing"
	"time"
)

//go:embed notes.txt
var notesFile string

// Loop is the body of a benchmark over notes: one op runs fn on every note. It reports MB/s of
// input bytes, allocations, CPU time per op and MB per CPU-second (see ReportCPU).
func Loop(b *testing.B, notes []string, fn func(note string)) {
	total := Bytes(notes)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	c0 := CPUTime()
	for b.Loop() {
		for _, n := range notes {
			fn(n)
		}
	}
	ReportCPU(b, c0, total)
}

// Notes returns the benchmark notes, in file order.
func Notes() []string {
	notes := strings.Split(notesFile, "\n---\n")
	for i, n := range notes {
		notes[i] = strings.TrimSpace(n)
	}
	return notes
}

// Bytes returns the total length of notes in bytes.
func Bytes(notes []string) int {
	total := 0
	for _, n := range notes {
		total += len(n)
	}
	return total
}

// ReportCPU adds the CPU time per operation (cpu-ns/op) and, when bytesPerOp > 0, MB of input
// per CPU-second (MB/cpu-s) to b, measured from c0 (a CPUTime taken before the loop).
func ReportCPU(b *testing.B, c0 time.Duration, bytesPerOp int) {
	c := CPUTime() - c0
	if c <= 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(c.Nanoseconds())/float64(b.N), "cpu-ns/op")
	if bytesPerOp > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/c.Seconds()/1e6, "MB/cpu-s")
	}
}
