package imagetext

import (
	"context"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/imagehash"
	"github.com/trustd/trustd/rules"
)

// TestPipelineQRContact moderates notes with an innocent caption and a photo carrying a QR
// code, through the real image checker, QR reader, default rules and policy: the code's
// payload is the evidence on images[1], the labels are those the policy gives its kind, and
// the top-level hits and contacts stay those of the caption (none).
func TestPipelineQRContact(t *testing.T) {
	t.Parallel()
	set, err := rules.CompileDefault()
	if err != nil {
		t.Fatal(err)
	}
	chk, err := imagehash.New(imagehash.Config{Fetch: imagehash.FetchConfig{AllowFileURLs: true},
		Codes: NewQRReader(QRConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = chk.Close() })
	p, err := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: set}, Images: chk})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plain := writeUpload(t, dir, "plain.jpg", "", 0)

	for _, c := range []struct {
		kind, payload string
		decision      moderation.Decision
		labels        []moderation.Label
		contactType   string // of the contact on the image; "" for none
	}{
		{moderation.CodeWeChat, "https://u.wechat.com/EF3kJ9Wb5tq0V1n2Xc8yZ4g", moderation.Block,
			[]moderation.Label{moderation.LabelAd, moderation.LabelContact}, moderation.ContactWeChat},
		{moderation.CodeWeChatGroup, "https://weixin.qq.com/g/AQYAAJxyz0123456789abcdefghij", moderation.Block,
			[]moderation.Label{moderation.LabelAd, moderation.LabelContact}, moderation.ContactWeChat},
		{moderation.CodeQQ, "https://qm.qq.com/cgi-bin/qm/qr?k=abcdefghijklmnop&noverify=0", moderation.Block,
			[]moderation.Label{moderation.LabelAd, moderation.LabelContact}, moderation.ContactQQ},
		{moderation.CodeAlipay, "https://qr.alipay.com/fkx19876abcdef", moderation.Block,
			[]moderation.Label{moderation.LabelAd, moderation.LabelContact}, moderation.ContactAlipay},
		{moderation.CodeTaobao, "https://m.tb.cn/h.UxYz123?tk=abcdefg", moderation.Review,
			[]moderation.Label{moderation.LabelAd}, moderation.ContactTaoToken},
		// Other URLs go through the text URL checks: a url contact, spam.
		{moderation.CodeURL, "https://shop-abcdef.xyz/promo?id=42", moderation.Review,
			[]moderation.Label{moderation.LabelSpam}, moderation.ContactURL},
		// Plain text goes through the whole text stage: a WeChat id written in the code.
		{moderation.CodeText, "加微信 vx_abc12345 领取优惠券", moderation.Block,
			[]moderation.Label{moderation.LabelAd, moderation.LabelContact}, moderation.ContactWeChat},
	} {
		t.Run(c.kind, func(t *testing.T) {
			t.Parallel()
			it := &moderation.Item{ID: "n-" + c.kind, Revision: 1, Scene: moderation.SceneNote, AuthorID: "a1", // one author: reposts of the lake raise nothing
				Title: "周末的湖边", Body: "天气很好，拍了几张照片。",
				Images: []moderation.Image{{URL: plain}, {URL: writeUpload(t, dir, c.kind+".jpg", c.payload, 0.08)}}}
			v, err := p.Moderate(context.Background(), it)
			if err != nil {
				t.Fatal(err)
			}
			if v.Decision != c.decision || !slices.Equal(v.Labels, c.labels) {
				t.Errorf("decision %s labels %v, want %s %v; reasons %q", v.Decision, v.Labels, c.decision, c.labels, v.Reasons)
			}
			if len(v.Hits) != 0 || len(v.Contacts) != 0 {
				t.Errorf("top-level hits %+v contacts %+v, want the caption's (none)", v.Hits, v.Contacts)
			}
			if len(v.Images) != 2 || len(v.Images[0].Codes) != 0 {
				t.Fatalf("images %+v", v.Images)
			}
			img := v.Images[1]
			if diff := cmp.Diff([]moderation.ImageCode{{Format: FormatQR, Kind: c.kind, Payload: c.payload}}, img.Codes); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if len(img.Contacts) != 1 {
				t.Fatalf("image contacts %+v, want one", img.Contacts)
			}
			got := img.Contacts[0]
			if got.Type != c.contactType || got.Field != moderation.ImageCodeField(1, 0) ||
				c.payload[got.Start:got.End] != got.Text || got.Text == "" {
				t.Errorf("image contact %+v, want type %s in %s", got, c.contactType, moderation.ImageCodeField(1, 0))
			}
		})
	}
}

// writeUpload writes a 1080×1440 JPEG upload of the lake photo to dir, with a QR code of
// payload covering the given fraction of its area (none when payload is empty), and returns
// its file URL.
func writeUpload(t *testing.T, dir, name, payload string, area float64) string {
	t.Helper()
	img := cover(loadPhoto(t, "cv_lake.jpg"), 1080, 1440)
	if payload != "" {
		side := int(math.Sqrt(area * 1080 * 1440))
		paste(img, encodeQR(t, payload), 700-side/2, 900-side/2, side, false)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return "file://" + path
}
