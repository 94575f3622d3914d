package imagetext

import (
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/trustd/trustd/moderation/imagetext/internal/ocrfixture"
)

var (
	ocrGenOnce sync.Once
	ocrGen     *ocrfixture.Generator
	ocrGenErr  error
	ocrMu      sync.Mutex
	ocrMade    []ocrfixture.Case // the cases generated so far, shared by the tests
)

// ocrAllFonts is the number of cases that renders one round (ocrfixture.Round) in each font.
var ocrAllFonts = len(ocrfixture.Fonts) * ocrfixture.Round

// ocrCases returns the first n generated OCR cases (photos of testdata/images with a contact
// rendered on them). Without the fonts (fonts-wqy-microhei, fonts-noto-cjk) the test is
// skipped, except in CI (CI set), where it fails: CI installs the fonts.
func ocrCases(t testing.TB, n int) []ocrfixture.Case {
	t.Helper()
	ocrGenOnce.Do(func() { ocrGen, ocrGenErr = ocrfixture.New(imagesDir) })
	if errors.Is(ocrGenErr, ocrfixture.ErrNoFont) && os.Getenv("CI") == "" {
		t.Skip(ocrGenErr)
	}
	if ocrGenErr != nil {
		t.Fatal(ocrGenErr)
	}
	ocrMu.Lock()
	defer ocrMu.Unlock()
	for i := len(ocrMade); i < n; i++ {
		c, err := ocrGen.Case(i)
		if err != nil {
			t.Fatal(err)
		}
		ocrMade = append(ocrMade, c)
	}
	return ocrMade[:n:n]
}

// plainPhotos returns the photos of the OCR cases without text, at the cases' size.
func plainPhotos(t testing.TB) map[string][]byte {
	t.Helper()
	ocrCases(t, 0)
	out := map[string][]byte{}
	for _, name := range ocrfixture.Photos {
		b, err := ocrGen.PhotoJPEG(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}
