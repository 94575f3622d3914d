package imagehash

import (
	"context"
	"errors"
	"image"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/trustd/trustd/moderation"
)

// TestCheckerReadsCodes checks the wiring of Config.Codes with a fake reader: it gets the
// image the checker decoded (once) with its index, its codes and contacts land on that image's
// result, a reader error is logged and not an image error, an image that does not decode is
// not read, and the codes are counted by kind.
func TestCheckerReadsCodes(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	var mu sync.Mutex
	seen := map[int]image.Point{}
	reader := CodeReaderFunc(func(i int, img image.Image) ([]moderation.ImageCode, []moderation.Contact, error) {
		mu.Lock()
		seen[i] = img.Bounds().Size()
		mu.Unlock()
		if i == 2 {
			return nil, nil, errors.New("reader failed")
		}
		code := moderation.ImageCode{Format: "qr_code", Kind: moderation.CodeWeChat, Payload: "https://u.wechat.com/x"}
		contact := moderation.Contact{Field: moderation.ImageCodeField(i, 0), End: len(code.Payload), Text: code.Payload,
			Type: moderation.ContactWeChat, Value: code.Payload}
		return []moderation.ImageCode{code}, []moderation.Contact{contact}, nil
	})
	banks, err := NewBanks(BanksConfig{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Banks: banks, Fetch: FetchConfig{AllowFileURLs: true}, Registerer: reg, Codes: reader})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })

	it := item("c1", "a1", fileURL(t, "cv_lake.jpg"), fileURL(t, "truncated.jpg"), fileURL(t, "cv_tree.jpg"), fileURL(t, "flat.png"))
	res, _ := c.CheckImages(context.Background(), it)
	if len(res) != 4 {
		t.Fatalf("got %d results", len(res))
	}
	wantSeen := map[int]image.Point{0: {380, 254}, 2: {380, 254}, 3: seenSize(t, "flat.png")}
	if diff := cmp.Diff(wantSeen, seen); diff != "" {
		t.Errorf("images read (-want +got):\n%s", diff)
	}
	for i, r := range res {
		wantCodes := i == 0 || i == 3 // 1 does not decode, the reader fails on 2
		if got := len(r.Codes) == 1 && len(r.Contacts) == 1; got != wantCodes {
			t.Errorf("image %d: codes %+v contacts %+v", i, r.Codes, r.Contacts)
		}
		if wantCodes && r.Contacts[0].Field != moderation.ImageCodeField(i, 0) {
			t.Errorf("image %d: contact field %s", i, r.Contacts[0].Field)
		}
		if wantStatus := map[bool]string{true: moderation.ImageError, false: moderation.ImageOK}[i == 1]; r.Status != wantStatus {
			t.Errorf("image %d: status %s (%s), want %s", i, r.Status, r.Error, wantStatus)
		}
	}
	const want = `
# HELP trustd_image_codes_total QR codes read in images, by payload kind.
# TYPE trustd_image_codes_total counter
trustd_image_codes_total{kind="alipay"} 0
trustd_image_codes_total{kind="qq"} 0
trustd_image_codes_total{kind="taobao"} 0
trustd_image_codes_total{kind="text"} 0
trustd_image_codes_total{kind="url"} 0
trustd_image_codes_total{kind="wechat"} 2
trustd_image_codes_total{kind="wechat_group"} 0
trustd_image_codes_total{kind="wechat_official"} 0
trustd_image_codes_total{kind="wechat_pay"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "trustd_image_codes_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(c.stages, "trustd_image_stage_duration_seconds"); n != len(imageStages) {
		t.Errorf("%d stage series, want %d", n, len(imageStages))
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("metrics lint: %v %v", problems, err)
	}
}

// TestCheckerWithoutCodes checks that a checker without a reader reports no codes.
func TestCheckerWithoutCodes(t *testing.T) {
	t.Parallel()
	c := newTestChecker(t, nil)
	res, _ := c.CheckImages(context.Background(), item("c1", "a1", fileURL(t, "cv_lake.jpg")))
	if len(res) != 1 || res[0].Codes != nil || res[0].Contacts != nil || res[0].Status != moderation.ImageOK {
		t.Errorf("results %+v", res)
	}
}

func seenSize(t *testing.T, name string) image.Point {
	t.Helper()
	d, err := DecodeGuarded(readTestdata(t, name), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return d.Image.Bounds().Size()
}
