//go:build !unix

package redislayer_test

import "time"

// processCPU is not measured outside Unix; the CPU metrics read 0.
func processCPU() time.Duration { return 0 }
