package trust_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
)

// The trust signals' benchmarks run against a private redis-server and report, besides ns/op,
// what an item costs the deployment: Redis commands (cmds/op), Redis CPU (redis-µs/op) and the
// benchmark process's CPU (cpu-µs/op), so that a change can be judged on a shared machine:
//
//	go test ./moderation/trust/ -run '^$' -bench . -benchtime 5000x -count 3

// benchWorkloads are the item streams the flood benchmark posts, one author per item unless
// said otherwise.
var benchWorkloads = []struct {
	name string
	body func(r *rand.Rand, i int) string
}{
	// Every comment a different text: ordinary traffic.
	{"distinct", func(_ *rand.Rand, i int) string { return distinctText(i) }},
	// One text from every author: the celebrity burst.
	{"identical", func(_ *rand.Rand, _ int) string { return floodSpellings[0] }},
	// One text with a changing number in it, as flood tools vary it.
	{"near", func(_ *rand.Rand, i int) string { return floodSpellings[0] + "第" + strconv.Itoa(i%97) + "楼" }},
	// Comments built from a few stock sentences (like `trustd bench`): many texts share
	// most of their shingles without being the same text.
	{"stock", func(r *rand.Rand, _ int) string {
		var b strings.Builder
		for b.Len() < 200 {
			b.WriteString(stockSentences[r.IntN(len(stockSentences))])
		}
		return b.String()
	}},
}

var stockSentences = []string{"周末和朋友去爬山，山顶的风景特别美。", "新买的台灯很好用，晚上看书不累眼睛。",
	"这家面馆的汤头很浓，面条也很劲道。", "最近在学做烘焙，第一次烤的蛋糕有点塌。", "分享一个收纳小技巧，衣柜立刻整齐了。",
	"下雨天就适合在家看电影喝热茶。", "给猫咪买的新玩具，它玩了一下午。", "这本小说的结局太意外了，推荐大家看看。",
	"Morning run by the river, the light was lovely today.", "Finally fixed the leaking tap myself, feeling proud.",
	"Anyone tried the new bakery on the corner? Worth it?", "Packed lunch for the week, saves so much money."}

func BenchmarkFloods(b *testing.B) {
	for _, w := range benchWorkloads {
		b.Run(w.name, func(b *testing.B) {
			rdb := privateRedis(b)
			c := newClock()
			f, err := trust.NewFloods(trust.FloodConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
			if err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			items := make([]*moderation.Item, b.N)
			for i := range items {
				items[i] = comment("c-"+strconv.Itoa(i), "u-"+strconv.Itoa(r.IntN(5000)), w.body(r, i))
				if w.name != "stock" {
					items[i].AuthorID = "u-" + strconv.Itoa(i)
				}
			}
			benchItems(b, rdb, c, items, func(ctx context.Context, ev *moderation.Evidence) error {
				_, err := f.Signals(ctx, ev)
				return err
			})
		})
	}
}

func BenchmarkSplitContacts(b *testing.B) {
	rdb := privateRedis(b)
	c := newClock()
	s, err := trust.NewSplitContacts(trust.SplitConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	items := make([]*moderation.Item, b.N)
	for i := range items {
		items[i] = comment("c-"+strconv.Itoa(i), "u-"+strconv.Itoa(r.IntN(5000)), benchWorkloads[3].body(r, i))
	}
	benchItems(b, rdb, c, items, func(ctx context.Context, ev *moderation.Evidence) error {
		_, err := s.Signals(ctx, ev)
		return err
	})
}

// BenchmarkStrikes reads the strikes of every item's author, one in eight of whom has some.
func BenchmarkStrikes(b *testing.B) {
	rdb := privateRedis(b)
	c := newClock()
	s, err := trust.NewStrikes(trust.StrikesConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := range 5000 / 8 {
		if err := s.Record(ctx, "u-"+strconv.Itoa(i*8), moderation.Key{Scene: moderation.SceneComment, ID: "x", Revision: 1}); err != nil {
			b.Fatal(err)
		}
	}
	items := make([]*moderation.Item, b.N)
	for i := range items {
		items[i] = comment("c-"+strconv.Itoa(i), "u-"+strconv.Itoa(i%5000), "好看")
	}
	benchItems(b, rdb, c, items, func(ctx context.Context, ev *moderation.Evidence) error {
		_, err := s.Signals(ctx, ev)
		return err
	})
}

// BenchmarkCombined runs strikes, floods and split contacts on stock comments, one after
// another (three round trips, as moderation.Pipeline runs Signalers) and combined (one).
func BenchmarkCombined(b *testing.B) {
	for _, together := range []bool{false, true} {
		b.Run(map[bool]string{false: "separate", true: "combined"}[together], func(b *testing.B) {
			rdb := privateRedis(b)
			c := newClock()
			strikes, floods, split := mechanisms(b, rdb, c)
			sigs := []moderation.Signaler{strikes, floods, split}
			if together {
				combined, err := trust.Combine(strikes, floods, split)
				if err != nil {
					b.Fatal(err)
				}
				sigs = []moderation.Signaler{combined}
			}
			r := rand.New(rand.NewPCG(1, 2))
			items := make([]*moderation.Item, b.N)
			for i := range items {
				items[i] = comment("c-"+strconv.Itoa(i), "u-"+strconv.Itoa(r.IntN(5000)), benchWorkloads[3].body(r, i))
			}
			benchItems(b, rdb, c, items, func(ctx context.Context, ev *moderation.Evidence) error {
				for _, s := range sigs {
					if _, err := s.Signals(ctx, ev); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

// benchItems runs do on every item (the clock advancing 10 ms each) and reports the costs per
// item.
func benchItems(b *testing.B, rdb *redis.Client, c *clock, items []*moderation.Item, do func(context.Context, *moderation.Evidence) error) {
	b.Helper()
	ctx := context.Background()
	for _, it := range items {
		if err := it.Normalize(); err != nil {
			b.Fatal(err)
		}
	}
	before := measure(b, rdb)
	b.ResetTimer()
	for i := range b.N {
		if err := do(ctx, &moderation.Evidence{Item: items[i]}); err != nil {
			b.Fatal(err)
		}
		c.Advance(10 * time.Millisecond)
	}
	b.StopTimer()
	after := measure(b, rdb)
	n := float64(b.N)
	b.ReportMetric((after.cmds-before.cmds-1)/n, "cmds/op") // less the INFO of the first measure
	b.ReportMetric((after.redisCPU-before.redisCPU)/n*1e6, "redis-µs/op")
	b.ReportMetric((after.procCPU-before.procCPU)/n*1e6, "cpu-µs/op")
}

type costs struct{ cmds, redisCPU, procCPU float64 }

// measure reads the commands processed and CPU seconds used so far by Redis and by this process.
func measure(b *testing.B, rdb *redis.Client) costs {
	b.Helper()
	info, err := rdb.Info(context.Background(), "stats", "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var c costs
	for _, l := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(l, ":")
		x, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "total_commands_processed":
			c.cmds = x
		case "used_cpu_user", "used_cpu_sys":
			c.redisCPU += x
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	c.procCPU = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	return c
}

// BenchmarkFingerprint canonicalises and fingerprints a 200-byte comment of stock sentences.
func BenchmarkFingerprint(b *testing.B) {
	body := benchWorkloads[3].body(rand.New(rand.NewPCG(1, 2)), 0)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		trust.FingerprintOf(trust.Canonical(body))
	}
}
