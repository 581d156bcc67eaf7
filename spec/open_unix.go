//go:build unix

package spec

import (
	"os"
	"syscall"
)

// openFile opens a file for reading without waiting: a FIFO swapped in
// after the checks opens at once instead of blocking until a writer comes,
// and the Stat that follows refuses it.
func openFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
