//go:build ignore

// qrscan reads QR codes in the images of an evaluation manifest (lines of JSON with a "file"
// relative to the manifest) the way the image checker does (decode guard, then
// imagetext.QRReader), and prints every code found and a summary. On a set of photos without
// codes, every code it prints is a false detection.
//
//	go run ./moderation/imagetext/testdata/qrscan.go -manifest ../shared/eval/images/manifest.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/trustd/trustd/moderation/imagehash"
	"github.com/trustd/trustd/moderation/imagetext"
)

func main() {
	manifest := flag.String("manifest", "", "manifest.jsonl of an image set")
	flag.Parse()
	f, err := os.Open(*manifest)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	rd := imagetext.NewQRReader(imagetext.QRConfig{})
	var images, decoded, found int
	var times []time.Duration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct{ File string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.File == "" {
			log.Fatalf("bad manifest line %q: %v", sc.Text(), err)
		}
		images++
		b, err := os.ReadFile(filepath.Join(filepath.Dir(*manifest), line.File))
		if err != nil {
			log.Fatal(err)
		}
		d, err := imagehash.DecodeGuarded(b, 0, 0)
		if err != nil {
			fmt.Printf("%s: not decoded: %v\n", line.File, err)
			continue
		}
		decoded++
		t := time.Now()
		codes, err := rd.Read(d.Image)
		times = append(times, time.Since(t))
		if err != nil {
			fmt.Printf("%s: %v\n", line.File, err)
		}
		for _, c := range codes {
			found++
			fmt.Printf("%s: %s %s %q\n", line.File, c.Format, c.Kind, c.Payload)
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	slices.Sort(times)
	q := func(p float64) time.Duration {
		if len(times) == 0 {
			return 0
		}
		return times[int(p*float64(len(times)-1))]
	}
	fmt.Printf("images %d, decoded %d, codes found %d; read time p50 %v, p90 %v, max %v\n",
		images, decoded, found, q(0.5), q(0.9), q(1))
}
