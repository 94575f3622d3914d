package imagehash

import (
	"encoding/json"
	"errors"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeGuard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file    string
		want    error // nil: decodes
		format  string
		orient  int
		maxPix  int64
		maxByte int64
	}{
		{file: "cv_lake.jpg", format: "jpeg", orient: 1},
		{file: "lake_exif6.jpg", format: "jpeg", orient: 6},
		{file: "lake.png", format: "png", orient: 1},
		{file: "tree.gif", format: "gif", orient: 1},
		{file: "video-001.lossy.webp", format: "webp", orient: 1},
		{file: "bomb_30000.png", want: ErrTooManyPixels},
		{file: "bomb_huge.jpg", want: ErrTooManyPixels},
		{file: "truncated.jpg", want: ErrDecode},
		{file: "not_image.txt", want: ErrNotImage},
		{file: "cv_lake.jpg", want: ErrTooManyPixels, maxPix: 1000},
		{file: "cv_lake.jpg", want: ErrTooLarge, maxByte: 1000},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			d, err := DecodeGuarded(readTestdata(t, tc.file), tc.maxPix, tc.maxByte)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("error = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Format != tc.format || d.Orientation != tc.orient {
				t.Errorf("format %s orientation %d, want %s %d", d.Format, d.Orientation, tc.format, tc.orient)
			}
		})
	}
}

// TestBombCheap checks that a bomb is rejected quickly and without allocating its pixels.
func TestBombCheap(t *testing.T) {
	for _, f := range []string{"bomb_30000.png", "bomb_huge.jpg"} {
		b := readTestdata(t, f)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := DecodeGuarded(b, 0, 0)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooManyPixels) {
			t.Fatalf("%s: error = %v", f, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 10<<20 {
			t.Errorf("%s: allocated %d bytes, want < 10 MiB", f, alloc)
		}
		if took > 100*time.Millisecond { // generous for a loaded CI machine; the benchmark measures
			t.Errorf("%s: took %v", f, took)
		}
	}
}

// TestEXIFOrientation checks that an image stored rotated with an EXIF orientation hashes
// like the upright original.
func TestEXIFOrientation(t *testing.T) {
	t.Parallel()
	a, err := FingerprintBytes(readTestdata(t, "cv_lake.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := FingerprintBytes(readTestdata(t, "lake_exif6.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if d := Distance(a.PHash, b.PHash); d > 4 {
		t.Errorf("pHash distance %d between the original and its EXIF-rotated copy, want ≤ 4", d)
	}
}

func TestFormatsHashAlike(t *testing.T) {
	t.Parallel()
	jpg, _ := FingerprintBytes(readTestdata(t, "cv_lake.jpg"))
	pngFP, err := FingerprintBytes(readTestdata(t, "lake.png"))
	if err != nil {
		t.Fatal(err)
	}
	if d := Distance(jpg.PHash, pngFP.PHash); d > 2 {
		t.Errorf("JPEG and PNG of the same picture at distance %d", d)
	}
	flat, err := FingerprintBytes(readTestdata(t, "flat.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !flat.LowQuality {
		t.Errorf("flat image quality %.1f not flagged low", flat.Quality)
	}
}

func FuzzDecodeGuarded(f *testing.F) {
	for _, n := range []string{"bomb_30000.png", "bomb_huge.jpg", "truncated.jpg", "tree.gif", "video-001.lossy.webp"} {
		b, err := os.ReadFile(filepath.Join(testdataDir, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeGuarded(b, 1<<20, 1<<20)
		if err != nil {
			return
		}
		if r := d.Image.Bounds(); int64(r.Dx())*int64(r.Dy()) > 1<<20 {
			t.Fatalf("decoded %v above the pixel cap", r)
		}
		if _, err := FingerprintImage(d.Image, d.Orientation); err != nil {
			t.Fatal(err)
		}
	})
}

// golden holds the fingerprints of the testdata images. A change to the normalisation or
// hashing that alters stored hashes fails this test: banks in Redis hold old hashes, so such a
// change needs a re-hash of every bank. Refresh with go test -update after deciding so.
type golden struct {
	PHash, DHash, Crop string
	LowQuality         bool
}

func TestGoldenHashes(t *testing.T) {
	t.Parallel()
	files := []string{"cv_lake.jpg", "cv_tree.jpg", "cv_box.jpg", "lake.png", "lake_exif6.jpg", "tree.gif", "video-001.lossy.webp", "flat.png"}
	got := map[string]golden{}
	for _, f := range files {
		fp, err := FingerprintBytes(readTestdata(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got[f] = golden{PHash: Hex(fp.PHash), DHash: Hex(fp.DHash), Crop: Hex(fp.Crop), LowQuality: fp.LowQuality}
	}
	path := filepath.Join(testdataDir, "golden_hashes.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]golden
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fingerprints changed (-golden +now); stored bank hashes would no longer match:\n%s", diff)
	}
}

// TestBoxGraySamples checks the reduction of the working image against the mean of its
// samples (2×2 per block, step k/2; 3×3 for k = 3) at an offset and with a stride wider than
// the image. Odd k ≥ 5 is left out: its column taps fall on the wrong columns of every other
// block, and fixing that changes stored hashes.
func TestBoxGraySamples(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	const stride, off, w, h = 131, 3*131 + 5, 120, 97
	pix := make([]uint8, stride*(h+5))
	for i := range pix {
		pix[i] = uint8(r.UintN(256))
	}
	for _, k := range []int{2, 3, 4, 5, 6, 7, 8, 9, 16} {
		g := boxGray(pix, stride, off, w, h, k)
		step := max(1, k/2)
		for y := range h / k {
			for x := range w / k {
				s, n := 0, 0
				for yy := 0; yy < k; yy += step {
					for xx := 0; xx < k; xx += step {
						s += int(pix[off+(y*k+yy)*stride+x*k+xx])
						n++
					}
				}
				if want := uint8((s + n/2) / n); g.Pix[y*g.Stride+x] != want {
					t.Fatalf("k=%d: pixel (%d,%d) = %d, want %d", k, x, y, g.Pix[y*g.Stride+x], want)
				}
			}
		}
	}
}

// hashSizeSamples returns test photos decoded and reduced to hash size, as hashing does,
// by file name.
func hashSizeSamples(t *testing.T) map[string]*image.RGBA {
	t.Helper()
	out := map[string]*image.RGBA{}
	for _, f := range []string{"cv_lake.jpg", "cv_tree.jpg", "cv_box.jpg", "video-001.lossy.webp"} {
		d, err := DecodeGuarded(readTestdata(t, f), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		g := trim(shrink(d.Image))
		out[f] = toHashSize(g, g.Bounds())
	}
	return out
}

// TestDHashDihedral checks the summed-area shortcut against dhash on transformed pixels, for
// every dihedral transform.
func TestDHashDihedral(t *testing.T) {
	t.Parallel()
	for f, small := range hashSizeSamples(t) {
		got, err := dhashDihedral(small)
		if err != nil {
			t.Fatal(err)
		}
		for k := range 8 {
			want, err := dhash(dihedral(small, k))
			if err != nil {
				t.Fatal(err)
			}
			if got[k] != want {
				t.Errorf("%s: variant %d: %016x, dhash of the transformed pixels %016x", f, k, got[k], want)
			}
		}
	}
}

// dihedral returns transform k of a square hash-size image, pixel by pixel: the reference
// that the shortcuts of phashDihedral and dhashDihedral are checked against.
func dihedral(src *image.RGBA, k int) *image.RGBA {
	if k == 0 {
		return src
	}
	n := src.Bounds().Dx()
	out := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			ox, oy := mapPoint(k, x, y, n, n)
			copy(out.Pix[oy*out.Stride+4*ox:oy*out.Stride+4*ox+4], src.Pix[y*src.Stride+4*x:y*src.Stride+4*x+4])
		}
	}
	return out
}

// TestPHashDihedral checks the DCT-symmetry shortcut against goimagehash on transformed
// pixels, for every dihedral transform.
func TestPHashDihedral(t *testing.T) {
	t.Parallel()
	for f, small := range hashSizeSamples(t) {
		got := phashDihedral(small)
		for k := range 8 {
			want, err := phash(dihedral(small, k))
			if err != nil {
				t.Fatal(err)
			}
			if got[k] != want {
				t.Errorf("%s: variant %d: %016x, goimagehash on the transformed pixels %016x (distance %d)",
					f, k, got[k], want, Distance(got[k], want))
			}
		}
	}
}
