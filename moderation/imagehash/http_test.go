package imagehash

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBanksHTTP(t *testing.T) {
	t.Parallel()
	banks, err := NewBanks(BanksConfig{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	banks.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	do := func(method, path, body string, wantStatus int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Fatalf("%s %s: status %d (%s), want %d", method, path, resp.StatusCode, b, wantStatus)
		}
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out
	}
	do("PUT", "/v1/banks/fake_product", `{"kind":"deny","near":10}`, http.StatusOK)
	do("PUT", "/v1/banks/Bad", `{"kind":"deny"}`, http.StatusBadRequest)
	img := base64.StdEncoding.EncodeToString(readTestdata(t, "cv_tree.jpg"))
	do("POST", "/v1/banks/fake_product/images", `{"content_id":"fake-1","author_id":"s1","image_base64":"`+img+`"}`, http.StatusCreated)
	do("POST", "/v1/banks/fake_product/images", `{"content_id":"fake-2","phash":"00000000000000ff","dhash":"0000000000000000","crop_phash":"ff00000000000000","crop_dhash":"0000000000000000"}`, http.StatusCreated)
	do("POST", "/v1/banks/fake_product/images", `{"content_id":"x","phash":"zz"}`, http.StatusBadRequest)
	do("POST", "/v1/banks/nope/images", `{"content_id":"x","phash":"00000000000000ff","dhash":"0000000000000000","crop_phash":"ff00000000000000","crop_dhash":"0000000000000000"}`, http.StatusNotFound)
	flat := base64.StdEncoding.EncodeToString(readTestdata(t, "flat.png"))
	do("POST", "/v1/banks/fake_product/images", `{"content_id":"flat","image_base64":"`+flat+`"}`, http.StatusBadRequest)
	list := do("GET", "/v1/banks/fake_product/images", "", http.StatusOK)
	if n := len(list["images"].([]any)); n != 2 {
		t.Fatalf("listed %d images, want 2", n)
	}
	fp, _ := FingerprintBytes(readTestdata(t, "cv_tree.jpg"))
	if m := banks.Bank("fake_product").Match(fp); len(m) != 1 || m[0].ContentID != "fake-1" {
		t.Fatalf("matches %+v", m)
	}
	if out := do("DELETE", "/v1/banks/fake_product/images/fake-1", "", http.StatusOK); out["removed"] != 1.0 {
		t.Fatalf("removed %v", out["removed"])
	}
	if m := banks.Bank("fake_product").Match(fp); len(m) != 0 {
		t.Fatalf("matches after remove %+v", m)
	}
	all := do("GET", "/v1/banks", "", http.StatusOK)
	if n := len(all["banks"].([]any)); n != 2 {
		t.Fatalf("%d banks, want 2 (seen, fake_product)", n)
	}
}
