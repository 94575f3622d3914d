package imagehash_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/imagehash"
)

// A checker with in-memory banks, as trustd check uses it: the second author posting a
// copy (stored rotated, with an EXIF orientation) of the first author's photo gets a duplicate_image signal.
func Example() {
	banks, err := imagehash.NewBanks(imagehash.BanksConfig{})
	if err != nil {
		panic(err)
	}
	checker, err := imagehash.New(imagehash.Config{Banks: banks, Fetch: imagehash.FetchConfig{AllowFileURLs: true}})
	if err != nil {
		panic(err)
	}
	defer checker.Close()
	abs, _ := filepath.Abs("../../testdata/images/cv_lake.jpg")
	rotated, _ := filepath.Abs("../../testdata/images/lake_exif6.jpg") // the same photo, stored rotated
	ctx := context.Background()
	for _, it := range []*moderation.Item{
		{ID: "note-1", Scene: moderation.SceneNote, AuthorID: "u-1", Images: []moderation.Image{{URL: "file://" + abs}}},
		{ID: "note-2", Scene: moderation.SceneNote, AuthorID: "u-2", Images: []moderation.Image{{URL: "file://" + rotated}}},
	} {
		res, signals := checker.CheckImages(ctx, it)
		fmt.Printf("%s: status %s, %d match(es)\n", it.ID, res[0].Status, len(res[0].Matches))
		for _, s := range signals {
			fmt.Printf("  %s → %s\n", s.Label, s.Decision)
		}
	}
	fmt.Println("seen bank:", banks.Bank(imagehash.SeenBank).Len(), "images")
	_ = os.Stdout.Sync()
	// Output:
	// note-1: status ok, 0 match(es)
	// note-2: status ok, 1 match(es)
	//   duplicate_image → review
	// seen bank: 2 images
}

// DecodeGuarded rejects a 65-byte PNG that claims 30000×30000 pixels before allocating them.
func ExampleDecodeGuarded() {
	b, err := os.ReadFile("../../testdata/images/bomb_30000.png")
	if err != nil {
		panic(err)
	}
	_, err = imagehash.DecodeGuarded(b, 0, 0)
	fmt.Println(err)
	// Output: imagehash: image has too many pixels: 30000x30000, limit 40000000 pixels
}
