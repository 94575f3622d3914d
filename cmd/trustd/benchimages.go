package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/image/draw"

	"github.com/trustd/trustd/moderation/imagehash"
)

// benchImages are the photos notes carry in `trustd bench --images`: real photos scaled to the
// size the platform's clients upload (1080×1440 by default) and encoded as JPEG once, before
// the run, so that every phase decodes exactly the same bytes.
type benchImages struct {
	jpegs [][]byte
	base  string // URL prefix of the loopback server: base + "/<item index>.jpg"
	stop  func()
}

// loadBenchImages reads the JPEG and PNG photos of dir ("demo": the photos embedded for the
// demo), scales each to size ("WxH"; empty keeps the original size) and serves them on a
// loopback port.
func loadBenchImages(dir, size string) (*benchImages, error) {
	var fsys fs.FS = os.DirFS(dir)
	if dir == "demo" {
		sub, err := fs.Sub(demoFS, "testdata/demo")
		if err != nil {
			return nil, err
		}
		fsys = sub
	}
	w, h, err := parseSize(size)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("--images %s: %w", dir, err)
	}
	bi := &benchImages{}
	for _, e := range entries {
		ext := strings.ToLower(path.Ext(e.Name()))
		if e.IsDir() || (ext != ".jpg" && ext != ".jpeg" && ext != ".png") {
			continue
		}
		raw, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		img, _, err := image.Decode(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("--images %s: %s: %w", dir, e.Name(), err)
		}
		if w > 0 {
			dst := image.NewRGBA(image.Rect(0, 0, w, h))
			draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
			img = dst
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			return nil, err
		}
		bi.jpegs = append(bi.jpegs, buf.Bytes())
	}
	if len(bi.jpegs) == 0 {
		return nil, fmt.Errorf("%w: --images %s holds no .jpg, .jpeg or .png photo", errUsage, dir)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimSuffix(path.Base(r.URL.Path), ".jpg"))
		if err != nil || i < 0 {
			http.NotFound(rw, r)
			return
		}
		b := bi.jpegs[i%len(bi.jpegs)]
		rw.Header().Set("Content-Type", "image/jpeg")
		rw.Header().Set("Content-Length", strconv.Itoa(len(b))) // as an image CDN does: no chunked encoding
		_, _ = rw.Write(b)
	})}
	go func() { _ = srv.Serve(ln) }()
	bi.base, bi.stop = "http://"+ln.Addr().String()+"/img", func() { _ = srv.Close() }
	return bi, nil
}

func parseSize(s string) (w, h int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	ws, hs, ok := strings.Cut(s, "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 || w*h > 40_000_000 {
		return 0, 0, fmt.Errorf("%w: --image-size %q: want WIDTHxHEIGHT, e.g. 1080x1440", errUsage, s)
	}
	return w, h, nil
}

// url is the image URL of item i.
func (bi *benchImages) url(i int) string { return bi.base + "/" + strconv.Itoa(i) + ".jpg" }

// benchDecode measures the decode-only rate: n images decoded (with the same guard the
// workers use, nothing else) on one goroutine per CPU. It is the ceiling of a notes-with-images
// workload on this machine, as the no-op phase is for comments.
func benchDecode(ctx context.Context, bi *benchImages, n int) (benchResult, error) {
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	cpu0, start := processCPU(), time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if _, err := imagehash.DecodeGuarded(bi.jpegs[i%len(bi.jpegs)], 0, 0); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return benchResult{}, fmt.Errorf("decode phase: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return benchResult{}, err
	}
	el, cpu := time.Since(start).Seconds(), processCPU()-cpu0
	return benchResult{Phase: "decode", Submitted: n, Verdicts: n, Seconds: el, PerSecond: float64(n) / el,
		ProcessCPU: cpu / el, PayloadBytes: len(bi.jpegs[0]), CPUPerItem: cpu / float64(n) * 1e6}, nil
}
