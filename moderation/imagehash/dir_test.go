package imagehash

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(rel string, b []byte) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("fake_product/tree.jpg", readTestdata(t, "cv_tree.jpg"))
	write("fake_product/notes.txt", []byte("ignored"))
	write("official/bank.json", []byte(`{"kind":"allow","near":10,"authorised":["brand"],"authors":{"box.jpg":"brand"}}`))
	write("official/box.jpg", readTestdata(t, "cv_box.jpg"))

	b, err := NewBanks(BanksConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.LoadDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if d := b.Bank("fake_product").Def(); d.Kind != KindDeny || d.Near != DefaultNear {
		t.Errorf("fake_product def %+v", d)
	}
	off := b.Bank("official")
	if d := off.Def(); d.Kind != KindAllow || d.Near != 10 || len(d.Authorised) != 1 {
		t.Errorf("official def %+v", d)
	}
	es, _ := b.List("official", 0, 10)
	if len(es) != 1 || es[0].ContentID != "box" || es[0].AuthorID != "brand" {
		t.Errorf("official entries %+v", es)
	}

	write("broken/flat.png", readTestdata(t, "flat.png"))
	if err := b.LoadDir(context.Background(), dir); !errors.Is(err, ErrLowQuality) {
		t.Errorf("flat image in a bank: error %v, want ErrLowQuality", err)
	}
}
