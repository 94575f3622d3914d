package imagehash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trustd/trustd/moderation/netguard"
)

// Errors of the fetcher. All are permanent for the URL concerned except ErrFetch with a 5xx
// status and timeouts, and the checker never retries: a failed image is an error result.
var (
	// ErrBlockedURL means the URL's scheme or host is not allowed.
	ErrBlockedURL = errors.New("imagehash: url not allowed")
	// ErrBlockedAddress means the host resolved to a loopback, private, link-local,
	// metadata or otherwise non-public address.
	ErrBlockedAddress = errors.New("imagehash: address not allowed")
	// ErrTooManyRedirects means the server redirected more than FetchConfig.MaxRedirects times.
	ErrTooManyRedirects = errors.New("imagehash: too many redirects")
	// ErrFetch means the server answered with a status other than 200.
	ErrFetch = errors.New("imagehash: fetch error")
)

// FetchConfig configures how images are downloaded.
type FetchConfig struct {
	// AllowHosts lists the hosts images may come from: "cdn.example.com" matches that host,
	// ".example.com" matches its subdomains. Empty means any host (the address rules still
	// apply).
	AllowHosts []string
	// AllowPrivate allows loopback, private and link-local addresses. Only for tests and
	// single-host setups; false (the zero value) refuses them, checked on the address
	// actually dialled so DNS rebinding cannot bypass it.
	AllowPrivate bool
	// AllowPrefixes lists non-public address ranges allowed anyway (a test server on
	// 127.0.0.1/32, an internal CDN). Empty means none.
	AllowPrefixes []netip.Prefix
	// AllowFileURLs allows file:///abs/path URLs (trustd check --allow-file-urls). Never set
	// in the worker.
	AllowFileURLs bool
	// ConnectTimeout bounds each TCP connect. Zero means 3s.
	ConnectTimeout time.Duration
	// Timeout bounds a whole fetch, redirects and body included. Zero means 10s.
	Timeout time.Duration
	// MaxBytes caps the body size. Zero means DefaultMaxBytes.
	MaxBytes int64
	// MaxRedirects is the number of redirects followed, each re-checked. Zero means 3;
	// negative means none.
	MaxRedirects int
}

func (c FetchConfig) withDefaults() FetchConfig {
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 3 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = 3
	}
	if c.MaxRedirects < 0 {
		c.MaxRedirects = 0
	}
	return c
}

// Fetcher downloads images safely. It is safe for concurrent use.
type Fetcher struct {
	cfg    FetchConfig
	client *http.Client
}

// NewFetcher returns a Fetcher for cfg.
func NewFetcher(cfg FetchConfig) *Fetcher {
	cfg = cfg.withDefaults()
	f := &Fetcher{cfg: cfg}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, Control: f.control}
	tr := &http.Transport{
		Proxy:                 nil, // never an environment proxy: the address check must see the real peer
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       60 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	f.client = &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return ErrTooManyRedirects
			}
			return f.checkURL(req.URL)
		},
	}
	return f
}

// CloseIdle closes idle connections.
func (f *Fetcher) CloseIdle() { f.client.CloseIdleConnections() }

// control runs after DNS resolution, on the address about to be dialled.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	if f.cfg.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBlockedAddress, err)
	}
	for _, p := range f.cfg.AllowPrefixes {
		if p.Contains(ap.Addr().Unmap()) {
			return nil
		}
	}
	if !PublicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrBlockedAddress, ap.Addr())
	}
	return nil
}

// PublicAddr reports whether a is a public unicast address: not loopback, private, CGNAT,
// link-local (which includes the 169.254.169.254 cloud metadata address), multicast,
// documentation, benchmarking or reserved.
func PublicAddr(a netip.Addr) bool {
	return netguard.Public(a)
}

// checkURL applies the scheme and host rules to a URL (also on every redirect).
func (f *Fetcher) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: scheme %q", ErrBlockedURL, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in url", ErrBlockedURL)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return fmt.Errorf("%w: no host", ErrBlockedURL)
	}
	if len(f.cfg.AllowHosts) == 0 {
		return nil
	}
	for _, h := range f.cfg.AllowHosts {
		h = strings.ToLower(h)
		if host == h || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)) {
			return nil
		}
	}
	return fmt.Errorf("%w: host not in the allowlist", ErrBlockedURL)
}

// Fetch downloads the image at rawURL and returns its bytes (at most MaxBytes).
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	return f.fetch(ctx, rawURL, new(bytes.Buffer))
}

// fetch is Fetch reading the body into buf (empty), whose bytes it returns.
func (f *Fetcher) fetch(ctx context.Context, rawURL string, buf *bytes.Buffer) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBlockedURL, err)
	}
	if u.Scheme == "file" {
		return f.readFile(u, buf)
	}
	if err := f.checkURL(u); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBlockedURL, err)
	}
	req.Header.Set("Accept", "image/jpeg, image/png, image/gif, image/webp")
	resp, err := f.client.Do(req)
	if err != nil {
		for _, s := range []error{ErrBlockedAddress, ErrBlockedURL, ErrTooManyRedirects} {
			if errors.Is(err, s) {
				return nil, fmt.Errorf("fetch: %w", s)
			}
		}
		return nil, fmt.Errorf("%w: %v", ErrFetch, redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %d", ErrFetch, resp.StatusCode)
	}
	if resp.ContentLength > f.cfg.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, resp.ContentLength, f.cfg.MaxBytes)
	}
	b, err := readBody(buf, resp.Body, resp.ContentLength, f.cfg.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrFetch, redactURL(err))
	}
	if int64(len(b)) > f.cfg.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, f.cfg.MaxBytes)
	}
	return b, nil
}

// readBody reads at most limit+1 bytes of r (more than limit is the caller's error) into buf
// (empty), grown once to the announced length when there is one (size ≥ 0), so that a photo
// is not copied through the doubling buffers of io.ReadAll. The announced length is only a
// hint: a longer or shorter body is read as it is.
func readBody(buf *bytes.Buffer, r io.Reader, size, limit int64) ([]byte, error) {
	if size < 0 || size > limit {
		size = 0
	}
	// bytes.Buffer reads into at least MinRead free bytes: with them reserved, the read that
	// returns EOF after the announced bytes does not grow the buffer.
	buf.Grow(int(size) + bytes.MinRead)
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	return buf.Bytes(), err
}

// Pooled body buffers (*bytes.Buffer) of the checker, which needs an image's bytes only until
// it is decoded: reusing them saves a photo's size of garbage per image. Buffers that grew
// past maxPooledBody are left to the GC rather than kept for rare huge uploads.
var bodyPool sync.Pool

const maxPooledBody = 4 << 20

func getBody() *bytes.Buffer {
	if b, ok := bodyPool.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

func putBody(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBody {
		b.Reset()
		bodyPool.Put(b)
	}
}

func (f *Fetcher) readFile(u *url.URL, buf *bytes.Buffer) ([]byte, error) {
	if !f.cfg.AllowFileURLs {
		return nil, fmt.Errorf("%w: file urls are disabled", ErrBlockedURL)
	}
	if u.Host != "" && u.Host != "localhost" || !filepath.IsAbs(u.Path) {
		return nil, fmt.Errorf("%w: want file:///absolute/path", ErrBlockedURL)
	}
	fh, err := os.Open(filepath.Clean(u.Path))
	if err != nil {
		return nil, fmt.Errorf("%w: open file: %v", ErrFetch, errors.Unwrap(err))
	}
	defer fh.Close()
	size := int64(-1)
	if st, err := fh.Stat(); err == nil {
		size = st.Size()
	}
	b, err := readBody(buf, fh, size, f.cfg.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: read file: %v", ErrFetch, err)
	}
	if int64(len(b)) > f.cfg.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, f.cfg.MaxBytes)
	}
	return b, nil
}

// redactURL drops the URL from net/http errors: URLs are user content and are never logged
// nor echoed in verdicts.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
