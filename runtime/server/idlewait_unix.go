//go:build unix

package server

import "syscall"

// rawReads says awaitFrame can read the socket itself.
const rawReads = true

func rawRead(fd uintptr, p []byte) (int, error) { return syscall.Read(int(fd), p) }
