package imagehash

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func imageServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchSSRF(t *testing.T) {
	t.Parallel()
	lake := readTestdata(t, "cv_lake.jpg")
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	mux := http.NewServeMux()
	mux.HandleFunc("/a.jpg", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(lake) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(make([]byte, 4096)) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.0.0.1/x.jpg", http.StatusFound)
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		n := strings.Count(r.URL.Path, "/") - 2
		if n >= 3 {
			_, _ = w.Write(lake)
			return
		}
		http.Redirect(w, r, r.URL.Path+"x/", http.StatusFound)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	srv := imageServer(t, mux)
	open := FetchConfig{AllowPrivate: true, Timeout: 2 * time.Second, MaxBytes: 1 << 20}
	onlyLoopback := FetchConfig{AllowPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, ConnectTimeout: time.Second}

	for _, tc := range []struct {
		name string
		cfg  FetchConfig
		url  string
		want error
	}{
		{"loopback refused by default", FetchConfig{}, srv.URL + "/a.jpg", ErrBlockedAddress},
		{"loopback allowed for tests", open, srv.URL + "/a.jpg", nil},
		{"private ip literal refused", FetchConfig{}, "http://10.1.2.3/a.jpg", ErrBlockedAddress},
		{"metadata address refused", FetchConfig{}, "http://169.254.169.254/latest/meta-data/", ErrBlockedAddress},
		{"ipv6 loopback refused", FetchConfig{}, "http://[::1]:1/a.jpg", ErrBlockedAddress},
		{"localhost name refused after resolution", FetchConfig{}, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/a.jpg", ErrBlockedAddress},
		{"loopback allowed by prefix", onlyLoopback, srv.URL + "/a.jpg", nil},
		{"redirect to a private address refused", onlyLoopback, srv.URL + "/to-private", ErrBlockedAddress},
		{"redirect to metadata refused", onlyLoopback, srv.URL + "/to-metadata", ErrBlockedAddress},
		{"redirect off the allowlist refused", withHosts(open, "127.0.0.1"), srv.URL + "/to-metadata", ErrBlockedURL},
		{"redirect to file refused", open, srv.URL + "/to-file", ErrBlockedURL},
		{"redirect loop", open, srv.URL + "/loop", ErrTooManyRedirects},
		{"three redirects followed", open, srv.URL + "/hop/", nil},
		{"one redirect too many", withRedirects(open, 2), srv.URL + "/hop/", ErrTooManyRedirects},
		{"scheme refused", open, "ftp://127.0.0.1/a.jpg", ErrBlockedURL},
		{"file refused by default", open, "file:///etc/passwd", ErrBlockedURL},
		{"host not in allowlist", withHosts(open, "cdn.example.com"), srv.URL + "/a.jpg", ErrBlockedURL},
		{"host in allowlist", withHosts(open, "127.0.0.1"), srv.URL + "/a.jpg", nil},
		{"credentials refused", open, strings.Replace(srv.URL, "http://", "http://u:p@", 1) + "/a.jpg", ErrBlockedURL},
		{"http error", open, srv.URL + "/missing", ErrFetch},
		{"byte cap", withMaxBytes(open, 1000), srv.URL + "/big", ErrTooLarge},
		{"slow server times out", withTimeout(open, 200*time.Millisecond), srv.URL + "/slow", ErrFetch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := NewFetcher(tc.cfg)
			defer f.CloseIdle()
			_, err := f.Fetch(context.Background(), tc.url)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q contains the URL", err)
			}
		})
	}
}

func withHosts(c FetchConfig, h ...string) FetchConfig       { c.AllowHosts = h; return c }
func withRedirects(c FetchConfig, n int) FetchConfig         { c.MaxRedirects = n; return c }
func withMaxBytes(c FetchConfig, n int64) FetchConfig        { c.MaxBytes = n; return c }
func withTimeout(c FetchConfig, d time.Duration) FetchConfig { c.Timeout = d; return c }

func TestFetchFileURL(t *testing.T) {
	t.Parallel()
	abs, err := absTestdata("cv_lake.jpg")
	if err != nil {
		t.Fatal(err)
	}
	f := NewFetcher(FetchConfig{AllowFileURLs: true})
	if _, err := f.Fetch(context.Background(), "file://"+abs); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Fetch(context.Background(), "file://relative/x.jpg"); !errors.Is(err, ErrBlockedURL) {
		t.Fatalf("relative file url: error = %v", err)
	}
}

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true, "127.0.0.1": false, "10.0.0.1": false,
		"172.16.5.4": false, "192.168.1.1": false, "169.254.169.254": false, "100.64.0.1": false,
		"0.0.0.0": false, "::1": false, "fe80::1": false, "fd00:ec2::254": false, "::ffff:127.0.0.1": false,
		"224.0.0.1": false,
	} {
		if got := PublicAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", s, got, want)
		}
	}
}
