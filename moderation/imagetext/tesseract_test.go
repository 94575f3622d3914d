//go:build tesseract

package imagetext

import (
	"context"
	"image"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/imagetext/internal/ocrfixture"
	"github.com/trustd/trustd/moderation/text/texttest"
	"github.com/trustd/trustd/rules"
)

func newTesseract(t testing.TB, engines int) *Tesseract {
	t.Helper()
	ts, err := NewTesseract(TesseractConfig{Engines: engines})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ts.Close() })
	return ts
}

func TestTesseractReadsCleanText(t *testing.T) {
	t.Parallel()
	ts := newTesseract(t, 1)
	c := ocrCases(t, 1)[0]
	// The case's text alone, black on white: any OCR worth the name reads it exactly.
	clean := ocrCleanLine(t, c)
	s, err := ts.Recognize(context.Background(), clean)
	if err != nil || strings.ReplaceAll(s, " ", "") != strings.ReplaceAll(c.Contact.Text, " ", "") {
		t.Fatalf("read %q, %v; want %q", s, err, c.Contact.Text)
	}
}

// ocrCleanLine renders the case's line black on white with the fixture's font.
func ocrCleanLine(t *testing.T, c ocrfixture.Case) image.Image {
	t.Helper()
	img, err := ocrGen.Line(c.Contact.Text, c.Size, c.Font)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestTesseractDetectsContacts is the OCR acceptance measure of issue #9: the share of
// generated photos whose rendered contact (WeChat id or mobile number, 24–48 px) the rules
// detect in the OCR'd text. One round of cases (ocrfixture.Round) per font: every photo in
// every style, each font at other sizes and positions.
func TestTesseractDetectsContacts(t *testing.T) {
	t.Parallel()
	n := ocrAllFonts
	cases := ocrCases(t, n)
	set, err := rules.CompileDefault()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newTestReader(t, newTesseract(t, 2), 30*time.Second)
	found := make([]bool, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2) // one image per engine, as an OCR worker with concurrency 2
	for i, c := range cases {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			s, err := r.Read(context.Background(), c.Image)
			_, contacts := set.ScanText(moderation.SceneNote, moderation.ImageOCRField(0), s)
			found[i] = slices.ContainsFunc(contacts, func(x moderation.Contact) bool { return x.Type == c.Contact.Type })
			t.Logf("%s: found %v in %v (err %v): %q", c.Name, found[i], time.Since(start).Round(time.Millisecond), err, s)
		})
	}
	wg.Wait()
	byStyle, byFont := map[string][2]int{}, map[string][2]int{}
	count := func(m map[string][2]int, k string, hit bool) {
		s := m[k]
		s[1]++
		if hit {
			s[0]++
		}
		m[k] = s
	}
	total := 0
	for i, c := range cases {
		count(byStyle, c.Style, found[i])
		count(byFont, ocrfixture.Fonts[c.Font].Name, found[i])
		if found[i] {
			total++
		}
	}
	t.Logf("contacts detected: %d/%d (by style %v; by font %v)", total, n, byStyle, byFont)
	// Issue #9 asks for ≥ 90 % (README, "Text inside images: OCR").
	if total*10 < 9*n {
		t.Fatalf("contacts detected: %d/%d, below 90%%", total, n)
	}
}

// BenchmarkTesseractRead is the cost of reading one generated photo: pre-check, then OCR of
// its candidate regions with one engine. cpu-ns/op is the process's CPU time per photo
// (Tesseract's included), steadier than wall time on a busy machine.
func BenchmarkTesseractRead(b *testing.B) {
	cases := ocrCases(b, 8)
	ts, err := NewTesseract(TesseractConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer ts.Close()
	r, err := NewReader(ReaderConfig{OCR: ts, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	c0 := texttest.CPUTime()
	for b.Loop() {
		if _, err := r.Read(context.Background(), cases[i%len(cases)].Image); err != nil {
			b.Fatal(err)
		}
		i++
	}
	texttest.ReportCPU(b, c0, 0)
}
