package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/imagehash"
	"github.com/trustd/trustd/queue/redistest"
)

// imagesDir is the repository's testdata/images (copied photos and generated test files).
var imagesDir = filepath.Join("..", "..", "testdata", "images")

func TestBankCommand(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	environ := map[string]string{"TRUSTD_REDIS_URL": srv.URL()}
	ctx := context.Background()
	tree := filepath.Join(imagesDir, "cv_tree.jpg")

	steps := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"bank", "define", "--bank", "fake_product", "--kind", "deny", "--near", "10"}, 0, "near 10"},
		{[]string{"bank", "define", "--bank", "official", "--kind", "allow", "--authorised", "brand-1,brand-2"}, 0, "authorised 2"},
		{[]string{"bank", "define", "--bank", "x", "--kind", "weird"}, 2, "kind"},
		{[]string{"bank", "add", "--bank", "fake_product", "--author", "s1", tree}, 0, "added cv_tree"},
		{[]string{"bank", "add", "--bank", "nope", tree}, 1, "no such bank"},
		{[]string{"bank", "add", "--bank", "fake_product", filepath.Join(imagesDir, "flat.png")}, 1, "too uniform"},
		{[]string{"bank", "list"}, 0, "official"},
		{[]string{"bank", "list", "--bank", "fake_product"}, 0, "cv_tree"},
		{[]string{"bank", "remove", "--bank", "fake_product", "cv_tree"}, 0, "removed cv_tree"},
		{[]string{"bank", "list", "--bank", "fake_product"}, 0, "0 images"},
		{[]string{"bank", "frob"}, 2, "unknown bank command"},
		{[]string{"bank", "add", tree}, 2, "--bank is required"},
	}
	for _, s := range steps {
		code, out, errOut := runCmd(t, ctx, "", environ, s.args...)
		if code != s.code || !strings.Contains(out+errOut, s.contains) {
			t.Fatalf("trustd %s: code %d (want %d), output %q %q, want it to contain %q",
				strings.Join(s.args, " "), code, s.code, out, errOut, s.contains)
		}
	}

	// import: one line by file, one by precomputed hashes.
	dir := t.TempDir()
	abs, _ := filepath.Abs(filepath.Join(imagesDir, "cv_box.jpg"))
	lines := `{"file": "` + abs + `", "content_id": "box-official", "author_id": "brand-1"}
{"content_id": "h1", "phash": "00000000000000ff", "dhash": "0000000000000000", "crop_phash": "ff00000000000000", "crop_dhash": "0000000000000000"}
`
	imp := filepath.Join(dir, "import.jsonl")
	if err := os.WriteFile(imp, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, ctx, "", environ, "bank", "import", "--bank", "official", imp); code != 0 || !strings.Contains(out, "imported 2") {
		t.Fatalf("import: code %d %q %q", code, out, errOut)
	}

	// A worker's banks rebuilt from Redis see the imported images and the thresholds.
	banks, err := imagehash.NewBanks(imagehash.BanksConfig{Redis: srv.Client(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := banks.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer banks.Close()
	if n := banks.Bank("official").Len(); n != 2 {
		t.Fatalf("official bank has %d images, want 2", n)
	}
	if n := banks.Bank("fake_product").Def().Near; n != 10 {
		t.Fatalf("fake_product near = %d, want 10", n)
	}
}

func TestEvalImagesCommand(t *testing.T) {
	t.Parallel()
	// A small manifest over the testdata images: three originals, three variants (another
	// format, a palette GIF, a rotated copy with EXIF orientation).
	dir := t.TempDir()
	for _, f := range []string{"cv_lake.jpg", "cv_tree.jpg", "cv_box.jpg", "lake.png", "tree.gif", "lake_exif6.jpg"} {
		b, err := os.ReadFile(filepath.Join(imagesDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifest := `{"file":"cv_lake.jpg","original":"cv_lake.jpg","transform":"original"}
{"file":"cv_tree.jpg","original":"cv_tree.jpg","transform":"original"}
{"file":"cv_box.jpg","original":"cv_box.jpg","transform":"original"}
{"file":"lake.png","original":"cv_lake.jpg","transform":"png"}
{"file":"tree.gif","original":"cv_tree.jpg","transform":"gif"}
{"file":"lake_exif6.jpg","original":"cv_lake.jpg","transform":"exif_rotated"}
`
	mp := filepath.Join(dir, "manifest.jsonl")
	if err := os.WriteFile(mp, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, context.Background(), "", nil, "eval", "images", "--manifest", mp, "--json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var rep imagehash.EvalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Originals != 3 || rep.TotalFalse != 0 || len(rep.Transforms) != 4 {
		t.Fatalf("report %+v", rep)
	}
	for _, s := range rep.Transforms {
		if s.Recall != 1 {
			t.Errorf("transform %s: recall %v, missed %v", s.Transform, s.Recall, s.Missed)
		}
	}
	code, out, _ = runCmd(t, context.Background(), "", nil, "eval", "images", "--manifest", mp)
	if code != 0 || !strings.Contains(out, "false matches between different originals: 0") {
		t.Fatalf("table output: code %d %q", code, out)
	}
	if code, _, _ := runCmd(t, context.Background(), "", nil, "eval", "images"); code != 2 {
		t.Fatalf("missing --manifest: code %d, want 2", code)
	}
}

func TestOpenImagesInMemory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "fake_product"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(imagesDir, "cv_tree.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fake_product", "tree.jpg"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	chk, banks, closeFn, err := openImages(context.Background(), stackOptions{banksDir: dir, allowFileURLs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if banks.Bank("fake_product").Len() != 1 {
		t.Fatal("bank dir not loaded")
	}
	abs, _ := filepath.Abs(filepath.Join(imagesDir, "cv_tree.jpg"))
	it := &moderation.Item{ID: "n1", Scene: moderation.SceneNote, AuthorID: "u1", Images: []moderation.Image{{URL: "file://" + abs}}}
	_, sig := chk.CheckImages(context.Background(), it)
	if len(sig) != 1 || sig[0].Label != moderation.LabelFakeProduct || sig[0].Decision != moderation.Block {
		t.Fatalf("signals %+v", sig)
	}
}
