package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cpuWindow measures the CPU time the load generator (this process) and a
// server process use between the start and the end of a measured window,
// so the report can show whether the generator, not the server, was the
// limit: on two cores a generator that saturates its own core compresses
// every ratio toward 1.
type cpuWindow struct {
	mu         sync.Mutex
	started    bool
	ended      bool
	t0, t1     time.Time
	gen0, gen1 time.Duration // this process
	srv0, srv1 time.Duration // the server process
	err        error
}

// cpuUse is what a window measured, in cores (CPU seconds per second).
type cpuUse struct {
	gen, srv float64
}

func (w *cpuWindow) start(pid int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started {
		return
	}
	w.started = true
	w.t0 = time.Now()
	w.gen0 = selfCPU()
	w.srv0, w.err = procCPU(pid)
}

func (w *cpuWindow) end(pid int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started || w.ended {
		return
	}
	w.ended = true
	w.t1 = time.Now()
	w.gen1 = selfCPU()
	var err error
	if w.srv1, err = procCPU(pid); w.err == nil {
		w.err = err
	}
}

// use returns the window's CPU use; ok is false when it was not measured.
func (w *cpuWindow) use() (u cpuUse, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	wall := w.t1.Sub(w.t0).Seconds()
	if !w.ended || w.err != nil || wall <= 0 {
		return u, false
	}
	return cpuUse{gen: (w.gen1 - w.gen0).Seconds() / wall, srv: (w.srv1 - w.srv0).Seconds() / wall}, true
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go supports.
const clockTick = 100

// procCPU is process pid's user+system CPU time so far, from
// /proc/PID/stat (all its threads).
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing one. utime and stime are fields 14
	// and 15.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTick, nil
}
