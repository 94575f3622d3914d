package imagehash

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/trustd/trustd/moderation"
)

// fileURL returns a file:// URL of a testdata image.
func fileURL(t *testing.T, name string) string {
	t.Helper()
	abs, err := absTestdata(name)
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + abs
}

// mirroredCopy writes a horizontally mirrored JPEG of a testdata image and returns its URL.
func mirroredCopy(t *testing.T, name string) string {
	t.Helper()
	g := toGray(decodeTestdata(t, name))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, transformGray(g, 1), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "mirror.jpg")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + p
}

func item(id, author string, urls ...string) *moderation.Item {
	it := &moderation.Item{ID: id, Scene: moderation.SceneNote, AuthorID: author, Revision: 1}
	for _, u := range urls {
		it.Images = append(it.Images, moderation.Image{URL: u})
	}
	return it
}

func newTestChecker(t *testing.T, reg prometheus.Registerer, defs ...BankDef) *Checker {
	t.Helper()
	banks, err := NewBanks(BanksConfig{Defs: defs, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Banks: banks, Fetch: FetchConfig{AllowFileURLs: true}, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestCheckerSeenPolicy runs a sequence of items through one checker: the seen bank learns
// every image, so later items match earlier ones.
func TestCheckerSeenPolicy(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c := newTestChecker(t, reg)
	lake, mirror := fileURL(t, "cv_lake.jpg"), mirroredCopy(t, "cv_lake.jpg")
	ctx := context.Background()

	type want struct {
		matches []moderation.ImageMatch
		signals []moderation.Signal
	}
	steps := []struct {
		name string
		it   *moderation.Item
		want want
	}{
		{"first upload", item("n1", "u1", lake), want{}},
		{"own repost passes", item("n2", "u1", lake), want{
			matches: []moderation.ImageMatch{{Bank: "seen", ContentID: "n1", AuthorID: "u1", Kind: "seen"}},
		}},
		{"mirror by another author is a duplicate", item("n3", "u2", mirror), want{
			matches: []moderation.ImageMatch{
				{Bank: "seen", ContentID: "n1", AuthorID: "u1", Variant: "mirror", Kind: "seen"},
				{Bank: "seen", ContentID: "n2", AuthorID: "u1", Variant: "mirror", Kind: "seen"},
			},
			signals: []moderation.Signal{{Label: moderation.LabelDuplicateImage, Decision: moderation.Review,
				Reason: "image 0: same image as 2 item(s) of other authors"}},
		}},
		{"third author is a spam ring", item("n4", "u3", lake), want{
			signals: []moderation.Signal{
				{Label: moderation.LabelDuplicateImage, Decision: moderation.Review, Reason: "image 0: same image as 3 item(s) of other authors"},
				{Label: moderation.LabelSpam, Decision: moderation.Block, Reason: "image 0: used by 3 distinct authors (spam ring threshold 3)"},
			},
		}},
	}
	for _, s := range steps {
		res, sig := c.CheckImages(ctx, s.it)
		if len(res) != 1 || res[0].Status != moderation.ImageOK || res[0].PHash == "" {
			t.Fatalf("%s: results %+v", s.name, res)
		}
		if s.want.matches != nil {
			got := res[0].Matches
			for i := range got {
				got[i].Distance = 0 // distances are checked by the eval, not here
			}
			if diff := cmp.Diff(s.want.matches, got); diff != "" {
				t.Errorf("%s: matches (-want +got):\n%s", s.name, diff)
			}
		}
		if diff := cmp.Diff(s.want.signals, sig); diff != "" {
			t.Errorf("%s: signals (-want +got):\n%s", s.name, diff)
		}
	}
	if got := c.Banks().Bank(SeenBank).Len(); got != 4 {
		t.Errorf("seen bank holds %d images, want 4", got)
	}
	if got := testutil.ToFloat64(c.checks.WithLabelValues(ResultMatched)); got != 3 {
		t.Errorf("matched checks = %v, want 3", got)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("metrics lint: %v %v", problems, err)
	}
	const wantIndex = `
# HELP trustd_image_index_hashes Hashes in the in-memory image index, per bank (two per image: whole and centre crop).
# TYPE trustd_image_index_hashes gauge
trustd_image_index_hashes{bank="seen"} 8
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(wantIndex), "trustd_image_index_hashes"); err != nil {
		t.Error(err)
	}
}

func TestCheckerBanks(t *testing.T) {
	t.Parallel()
	c := newTestChecker(t, nil,
		BankDef{Name: "fake_product", Kind: KindDeny},
		BankDef{Name: "official", Kind: KindAllow, Authorised: []string{"brand"}})
	ctx := context.Background()
	for _, add := range []struct{ bank, file string }{{"fake_product", "cv_tree.jpg"}, {"official", "cv_box.jpg"}} {
		fp, err := FingerprintBytes(readTestdata(t, add.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Banks().Add(ctx, add.bank, EntryOf(fp, add.file, "", c.cfg.Now())); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		it   *moderation.Item
		want []moderation.Signal
	}{
		{"deny bank, very close: block", item("a", "seller", fileURL(t, "cv_tree.jpg")), []moderation.Signal{
			{Label: moderation.LabelFakeProduct, Decision: moderation.Block, Reason: "image 0: matches deny bank fake_product at distance 0"}}},
		{"allow bank, authorised author: pass", item("b", "brand", fileURL(t, "cv_box.jpg")), nil},
		{"allow bank, someone else: review", item("c", "reseller", fileURL(t, "cv_box.jpg")), []moderation.Signal{
			{Label: moderation.LabelFakeProduct, Decision: moderation.Review, Reason: "image 0: official photo of allow bank official used by an unauthorised author"},
			{Label: moderation.LabelDuplicateImage, Decision: moderation.Review, Reason: "image 0: same image as 1 item(s) of other authors"}}},
		{"unrelated image: nothing", item("d", "x", fileURL(t, "cv_lake.jpg")), nil},
	} {
		_, sig := c.CheckImages(ctx, tc.it)
		if diff := cmp.Diff(tc.want, sig); diff != "" {
			t.Errorf("%s: signals (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestCheckerDenyNear(t *testing.T) {
	t.Parallel()
	c := newTestChecker(t, nil, BankDef{Name: "fake_product", Kind: KindDeny})
	m := map[string][]Match{"fake_product": {{Entry: Entry{ContentID: "f1"}, Distance: 8}}}
	_, sig := c.policy(item("x", "u"), 0, m)
	want := []moderation.Signal{{Label: moderation.LabelFakeProduct, Decision: moderation.Review,
		Reason: "image 0: matches deny bank fake_product at distance 8"}}
	if diff := cmp.Diff(want, sig); diff != "" {
		t.Errorf("signals (-want +got):\n%s", diff)
	}
}

func TestCheckerBadImages(t *testing.T) {
	t.Parallel()
	c := newTestChecker(t, nil)
	it := item("bad", "u1", fileURL(t, "not_image.txt"), fileURL(t, "bomb_30000.png"), fileURL(t, "truncated.jpg"),
		"http://169.254.169.254/latest/meta-data/", fileURL(t, "flat.png"), fileURL(t, "video-001.lossy.webp"))
	res, sig := c.CheckImages(context.Background(), it)
	if len(sig) != 0 {
		t.Errorf("signals %+v, want none (the pipeline labels image errors)", sig)
	}
	wantStatus := []string{"error", "error", "error", "error", "ok", "ok"}
	for i, r := range res {
		if r.Index != i || r.Status != wantStatus[i] {
			t.Errorf("image %d: %+v, want status %s", i, r, wantStatus[i])
		}
		if r.Status == "error" && (r.Error == "" || bytes.Contains([]byte(r.Error), []byte("169.254"))) {
			t.Errorf("image %d: error text %q", i, r.Error)
		}
	}
	// The flat image is not registered: it would match every other flat image.
	if got := c.Banks().Bank(SeenBank).Len(); got != 1 {
		t.Errorf("seen bank holds %d images, want 1 (only the webp)", got)
	}
	for _, r := range []string{ResultNotImage, ResultTooLarge, ResultDecodeError, ResultBlocked, ResultLowQuality, ResultOK} {
		if got := testutil.ToFloat64(c.checks.WithLabelValues(r)); got != 1 {
			t.Errorf("checks{result=%s} = %v, want 1", r, got)
		}
	}
}

func TestFingerprintLargeImageCheap(t *testing.T) {
	t.Parallel()
	img := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for y := range 3000 {
		for x := range 4000 {
			img.Y[y*img.YStride+x] = uint8((x/500 + y/500) * 20) // a coarse checker-like pattern
		}
	}
	fp, err := FingerprintImage(img, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fp.LowQuality {
		t.Errorf("textured image flagged low quality (%.1f)", fp.Quality)
	}
}

func TestCheckerAddToBank(t *testing.T) {
	t.Parallel()
	c := newTestChecker(t, nil, BankDef{Name: "fake_product", Kind: KindDeny})
	ctx := context.Background()
	first := item("n1", "seller", fileURL(t, "cv_tree.jpg"))
	c.CheckImages(ctx, first)
	// From the seen bank (no fetch):
	if err := c.AddToBank(ctx, "fake_product", first, nil, "moderator:m1"); err != nil {
		t.Fatal(err)
	}
	// An item this process never saw is fetched again:
	if err := c.AddToBank(ctx, "fake_product", item("n9", "other", fileURL(t, "cv_box.jpg")), nil, "moderator:m1"); err != nil {
		t.Fatal(err)
	}
	if n := c.Banks().Bank("fake_product").Len(); n != 2 {
		t.Fatalf("deny bank holds %d images, want 2", n)
	}
	_, sig := c.CheckImages(ctx, item("n2", "seller2", fileURL(t, "cv_tree.jpg")))
	if len(sig) == 0 || sig[0].Label != moderation.LabelFakeProduct || sig[0].Decision != moderation.Block {
		t.Fatalf("signals %+v, want fake_product block first", sig)
	}
	if err := c.AddToBank(ctx, "nope", first, nil, ""); !errors.Is(err, ErrNoBank) {
		t.Fatalf("unknown bank: %v", err)
	}
}
