// Package redistest starts real Redis servers for tests, in the manner of net/http/httptest.
//
// Start runs a private redis-server on a free loopback port for the calling test (or test
// binary) and stops it when the test ends. When TRUSTD_TEST_REDIS_ADDR is set, that server is
// used instead and every Start call gets its own database number, so tests never share state.
//
// When neither is possible (no redis-server on PATH and no address given) the test is skipped,
// except when the environment variable CI is set: then it fails, because Redis-backed tests must
// run in CI.
//
//	func TestSomething(t *testing.T) {
//		srv := redistest.Start(t)
//		rdb := redis.NewClient(srv.Options())
//		...
//	}
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a Redis server (or one database of a shared one) reserved for one test.
type Server struct {
	Addr string // host:port
	DB   int
}

// Options returns go-redis client options for the server.
func (s *Server) Options() *redis.Options {
	return &redis.Options{Addr: s.Addr, DB: s.DB}
}

// URL returns the server as a redis:// URL (the form of TRUSTD_REDIS_URL).
func (s *Server) URL() string { return fmt.Sprintf("redis://%s/%d", s.Addr, s.DB) }

// Client returns a go-redis client for the server, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(s.Options())
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var sharedDB atomic.Int32

// Start returns a fresh, empty Redis for t.
func Start(t testing.TB) *Server {
	t.Helper()
	if addr := os.Getenv("TRUSTD_TEST_REDIS_ADDR"); addr != "" {
		// 16 databases by default; db 0 is left to whoever else uses that server.
		db := int(sharedDB.Add(1)%15) + 1
		s := &Server{Addr: addr, DB: db}
		flush(t, s)
		return s
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redistest: redis-server not found and TRUSTD_TEST_REDIS_ADDR unset; CI must install it: %v", err)
		}
		t.Skip("redistest: redis-server not installed (set TRUSTD_TEST_REDIS_ADDR or install redis-server)")
	}
	s, stop, err := StartProcess(bin, t.TempDir())
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(stop)
	return s
}

// StartProcess starts redis-server (the binary bin) on a free loopback port with its files in
// dir and waits until it answers PING. It returns the server and a function that stops it.
// Extra redis-server arguments may be given (e.g. "--appendonly", "yes").
func StartProcess(bin, dir string, extra ...string) (*Server, func(), error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, nil, err
		}
		s, stop, err := startOn(bin, dir, port, extra)
		if err == nil {
			return s, stop, nil
		}
		lastErr = err // most likely lost a race for the port; try another
	}
	return nil, nil, lastErr
}

// startOn starts redis-server on port with its files in dir and waits until it answers PING.
// The returned stop function stops it gracefully (SIGINT, so Redis flushes its AOF) and is
// safe to call more than once.
func startOn(bin, dir string, port int, extra []string) (*Server, func(), error) {
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log")}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start redis-server: %w", err)
	}
	var once sync.Once
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		})
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	if err := waitReady(s.Addr, done); err != nil {
		stop()
		return nil, nil, fmt.Errorf("%w (log: %s)", err, tail(filepath.Join(dir, "redis.log")))
	}
	return s, stop, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(addr string, exited <-chan struct{}) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited at start", addr)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s not ready after 10s", addr)
}

func flush(t testing.TB, s *Server) {
	t.Helper()
	c := redis.NewClient(s.Options())
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("redistest: flush %s db %d: %v", s.Addr, s.DB, err)
	}
}

func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 5 {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, " | ")
}

// Restartable is a redis-server process that can be stopped and started again on the same
// port and directory, for fault tests (start it with "--appendonly", "yes" to keep data).
type Restartable struct {
	Server
	bin, dir string
	port     int
	extra    []string
	stop     func()
}

// StartRestartable starts a redis-server for t that Restart can stop and start again.
func StartRestartable(t testing.TB, extra ...string) *Restartable {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redistest: restartable server needs redis-server on PATH: %v", err)
	}
	r := &Restartable{bin: bin, dir: t.TempDir(), extra: extra}
	s, stop, err := StartProcess(bin, r.dir, extra...)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	r.Server, r.stop = *s, stop
	_, portStr, _ := net.SplitHostPort(s.Addr)
	r.port, _ = strconv.Atoi(portStr)
	t.Cleanup(func() { r.stop() })
	return r
}

// Restart stops the server gracefully (SIGINT: Redis flushes its AOF) and starts it again on
// the same port with the same data directory, waiting until it answers PING.
func (r *Restartable) Restart() error {
	r.stop()
	_, stop, err := startOn(r.bin, r.dir, r.port, r.extra)
	if err != nil {
		return fmt.Errorf("restart redis-server: %w", err)
	}
	r.stop = stop
	return nil
}
