//go:build !unix

package server

import "syscall"

// rawReads says awaitFrame can read the socket itself: not here, where
// the connection waits inside coder/websocket's Reader.
const rawReads = false

func rawRead(uintptr, []byte) (int, error) { return 0, syscall.EINVAL }
