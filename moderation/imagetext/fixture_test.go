package imagetext

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/draw"

	"github.com/trustd/trustd/moderation"
)

// imagesDir holds the shared test photos (see its PROVENANCE.md).
const imagesDir = "../../testdata/images"

// photoFiles returns the real photos the fixtures are built on: testdata/images/cv_*.jpg, the
// first three of them under the race detector (see raceEnabled).
func photoFiles(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(imagesDir, "cv_*.jpg"))
	if err != nil || len(names) < 3 {
		t.Fatalf("want at least 3 photos cv_*.jpg in %s, got %d (%v)", imagesDir, len(names), err)
	}
	if raceEnabled {
		names = names[:3]
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// loadPhoto decodes a test photo.
func loadPhoto(t testing.TB, name string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join(imagesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

// cover scales the centre of img to fill w×h (the crop keeps the aspect ratio), as a photo
// uploaded at that size.
func cover(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw*h > sh*w { // too wide: crop the sides
		cw := sh * w / h
		b = image.Rect(b.Min.X+(sw-cw)/2, b.Min.Y, b.Min.X+(sw-cw)/2+cw, b.Max.Y)
	} else {
		ch := sw * h / w
		b = image.Rect(b.Min.X, b.Min.Y+(sh-ch)/2, b.Max.X, b.Min.Y+(sh-ch)/2+ch)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// upload is a test photo as a 1080×1440 upload: the scaled photo and its JPEG (quality 80,
// 4:2:0) decoded.
type upload struct {
	name  string
	photo *image.RGBA
	bg    *image.YCbCr
}

var uploadsCache struct {
	sync.Mutex
	list []upload
}

// uploads returns every test photo as a 1080×1440 upload, made once per test binary.
func uploads(t testing.TB) []upload {
	t.Helper()
	uploadsCache.Lock()
	defer uploadsCache.Unlock()
	if uploadsCache.list != nil {
		return uploadsCache.list
	}
	var list []upload
	for _, name := range photoFiles(t) {
		photo := cover(loadPhoto(t, name), 1080, 1440)
		bg, ok := jpegRoundTrip(t, photo, 80).(*image.YCbCr)
		if !ok {
			t.Fatalf("%s: the JPEG encoder wrote a grey image", name)
		}
		list = append(list, upload{name, photo, bg})
	}
	uploadsCache.list = list
	return list
}

// encodeQR returns the modules of a QR code for payload (error correction M, UTF-8, a quiet
// zone of 4 modules), one pixel per module.
func encodeQR(t testing.TB, payload string) *gozxing.BitMatrix {
	t.Helper()
	hints := map[gozxing.EncodeHintType]any{
		gozxing.EncodeHintType_ERROR_CORRECTION: "M",
		gozxing.EncodeHintType_CHARACTER_SET:    "UTF-8",
		gozxing.EncodeHintType_MARGIN:           4,
	}
	m, err := qrcode.NewQRCodeWriter().Encode(payload, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
	if err != nil {
		t.Fatalf("encode %q: %v", payload, err)
	}
	return m
}

// paste draws the code m (quiet zone included) as a side×side square at (x0, y0) of dst, each
// pixel taking the module under its centre, so modules are not a whole number of pixels:
// dark modules on white, or light modules on a dark ground when inverted.
func paste(dst *image.RGBA, m *gozxing.BitMatrix, x0, y0, side int, inverted bool) {
	n := m.GetWidth()
	dark, light := uint8(20), uint8(255)
	if inverted {
		dark, light = 235, 15
	}
	for y := range side {
		my := (2*y + 1) * n / (2 * side)
		for x := range side {
			v := light
			if m.Get((2*x+1)*n/(2*side), my) {
				v = dark
			}
			i := dst.PixOffset(x0+x, y0+y)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = v, v, v, 255
		}
	}
}

// jpegRoundTrip encodes img as a JPEG of the given quality and decodes it, as an upload.
func jpegRoundTrip(t testing.TB, img image.Image, quality int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// payloadCase is a payload generator of one kind; the random part varies the modules.
type payloadCase struct {
	kind string
	gen  func(r *rand.Rand) string
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

func randID(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idChars[r.IntN(len(idChars))]
	}
	return string(b)
}

// payloadCases has realistic payloads of every kind, in the shapes the apps print.
var payloadCases = []payloadCase{
	{moderation.CodeWeChat, func(r *rand.Rand) string { return "https://u.wechat.com/" + randID(r, 24) }},
	{moderation.CodeWeChatGroup, func(r *rand.Rand) string { return "https://weixin.qq.com/g/" + randID(r, 36) }},
	{moderation.CodeWeChatOfficial, func(r *rand.Rand) string { return "http://mp.weixin.qq.com/s/" + randID(r, 22) }},
	{moderation.CodeWeChatPay, func(r *rand.Rand) string { return "wxp://f2f0" + randID(r, 38) }},
	{moderation.CodeQQ, func(r *rand.Rand) string {
		return "https://qm.qq.com/cgi-bin/qm/qr?k=" + randID(r, 32) + "&noverify=0"
	}},
	{moderation.CodeAlipay, func(r *rand.Rand) string { return "https://qr.alipay.com/fkx1" + randID(r, 18) }},
	{moderation.CodeTaobao, func(r *rand.Rand) string { return "https://m.tb.cn/h." + randID(r, 7) + "?tk=" + randID(r, 11) }},
	{moderation.CodeURL, func(r *rand.Rand) string {
		return "https://shop-" + randID(r, 6) + ".xyz/promo?id=" + fmt.Sprint(r.IntN(1e6))
	}},
	{moderation.CodeText, func(r *rand.Rand) string { return "加微信 vx_" + randID(r, 8) + " 领取优惠券" }},
}

// Sizes of the generated fixtures: the fraction of the photo's area the code covers (its
// quiet zone included).
var areaFractions = []float64{0.05, 0.08, 0.15, 0.30}

// fixture is one generated test image: a code pasted on a photo.
type fixture struct {
	name    string
	img     image.Image
	kind    string
	payload string
	area    float64
}

// photosPerCase is how many photos each (size, kind) pair is pasted on, taking the photos in
// turn so that every photo is used: 4 (144 fixtures), 1 under the race detector (36), which
// checks the code for data races, not the found rate.
var photosPerCase = map[bool]int{false: 4, true: 1}[raceEnabled]

// fixtures generates QR codes of every kind at every size, each on photosPerCase photos, at
// random positions (seeded, so the set is the same on every run), as 1080×1440 JPEG uploads
// of quality 80.
func fixtures(t testing.TB) []fixture { return fixturesOf(t, false, 9) }

// invertedFixtures are fixtures whose codes are light modules on a dark ground, at other
// positions.
func invertedFixtures(t testing.TB) []fixture { return fixturesOf(t, true, 11) }

func fixturesOf(t testing.TB, inverted bool, seed uint64) []fixture {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	ups := uploads(t)
	var out []fixture
	next := 0
	for _, area := range areaFractions {
		for _, pc := range payloadCases {
			for range photosPerCase {
				u := ups[next%len(ups)]
				next++
				payload := pc.gen(r)
				b := u.photo.Bounds()
				side := int(math.Sqrt(area * float64(b.Dx()*b.Dy())))
				x, y := r.IntN(b.Dx()-side+1), r.IntN(b.Dy()-side+1)
				out = append(out, fixture{
					name: fmt.Sprintf("%s/%s/%02.0f%%@%d,%d", u.name, pc.kind, area*100, x, y),
					img:  withCode(t, u, encodeQR(t, payload), x, y, side, inverted), kind: pc.kind, payload: payload, area: area,
				})
			}
		}
	}
	return out
}

// withCode returns upload u with the code m pasted as a side×side square at (x, y). Only the 16-pixel
// blocks around the code are encoded again: JPEG codes every 16×16 block of a 4:2:0 image on
// its own, so the result is what encoding the whole image would give, at a fraction of the
// cost (the tests also run under the race detector).
func withCode(t testing.TB, u upload, m *gozxing.BitMatrix, x, y, side int, inverted bool) *image.YCbCr {
	t.Helper()
	photo, bg := u.photo, u.bg
	b := photo.Bounds()
	tile := image.Rect(x&^15, y&^15, min(b.Max.X, (x+side+15)&^15), min(b.Max.Y, (y+side+15)&^15))
	src := image.NewRGBA(tile)
	draw.Copy(src, tile.Min, photo, tile, draw.Src, nil)
	paste(src, m, x, y, side, inverted)
	enc, ok := jpegRoundTrip(t, src, 80).(*image.YCbCr)
	if !ok || enc.SubsampleRatio != bg.SubsampleRatio {
		t.Fatal("tile: unexpected JPEG layout")
	}
	out := &image.YCbCr{Y: slices.Clone(bg.Y), Cb: slices.Clone(bg.Cb), Cr: slices.Clone(bg.Cr),
		YStride: bg.YStride, CStride: bg.CStride, SubsampleRatio: bg.SubsampleRatio, Rect: bg.Rect}
	for ty := range tile.Dy() {
		copy(out.Y[out.YOffset(tile.Min.X, tile.Min.Y+ty):][:tile.Dx()], enc.Y[enc.YOffset(0, ty):])
	}
	for ty := range (tile.Dy() + 1) / 2 {
		co, ce := out.COffset(tile.Min.X, tile.Min.Y+2*ty), enc.COffset(0, 2*ty)
		n := (tile.Dx() + 1) / 2
		copy(out.Cb[co:][:n], enc.Cb[ce:])
		copy(out.Cr[co:][:n], enc.Cr[ce:])
	}
	return out
}
