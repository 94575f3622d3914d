package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of real redis-server processes, each a primary holding an equal
// range of the 16384 hash slots, with no replicas.
type Cluster struct {
	Addrs []string
}

// Client returns a go-redis cluster client for c, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { _ = rc.Close() })
	return rc
}

// StartCluster starts a Redis Cluster of n primaries (n ≥ 1) for t and stops it when the test
// ends. It needs redis-server on PATH (TRUSTD_TEST_REDIS_ADDR cannot serve a cluster); like
// Start it skips without one, except in CI where it fails.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redistest: redis-server not found; CI must install it: %v", err)
		}
		t.Skip("redistest: a cluster needs redis-server installed")
	}
	ctx := context.Background()
	c := &Cluster{}
	nodes := make([]*redis.Client, n)
	for i := range n {
		dir := filepath.Join(t.TempDir(), strconv.Itoa(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s, stop, err := StartProcess(bin, dir, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000")
		if err != nil {
			t.Fatalf("redistest: cluster node %d: %v", i, err)
		}
		t.Cleanup(stop)
		c.Addrs = append(c.Addrs, s.Addr)
		nodes[i] = redis.NewClient(&redis.Options{Addr: s.Addr})
		t.Cleanup(func() { _ = nodes[i].Close() })
	}
	const slots = 16384
	for i, node := range nodes {
		lo, hi := i*slots/n, (i+1)*slots/n-1
		if err := node.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			t.Fatalf("redistest: cluster node %d: ADDSLOTSRANGE %d %d: %v", i, lo, hi, err)
		}
		if i > 0 {
			host, port, _ := strings.Cut(c.Addrs[0], ":")
			if err := node.ClusterMeet(ctx, host, port).Err(); err != nil {
				t.Fatalf("redistest: cluster node %d: MEET: %v", i, err)
			}
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, node := range nodes {
		for {
			info, err := node.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", n)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster did not converge: %v %s", err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}
