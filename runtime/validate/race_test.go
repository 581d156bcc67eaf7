//go:build race

package validate

// The race detector makes sync.Pool drop items at random, so allocation
// counts that rely on a pool are not checked under it.
func init() { raceEnabled = true }
