//go:build unix

package detect

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used. Benchmarks report MB per CPU-second as
// well as the usual wall-clock MB/s, because the build machine is shared and busy.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
