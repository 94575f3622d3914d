//go:build !unix

package texttest

import "time"

// CPUTime returns 0 where the process CPU time is not available; ReportCPU then reports nothing.
func CPUTime() time.Duration { return 0 }
