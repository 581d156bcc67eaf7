//go:build unix

package redislayer_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process used so far (user + system, all
// threads); benchmarks compare it per round trip because, unlike wall
// time, other load on a shared machine does not inflate it much.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
