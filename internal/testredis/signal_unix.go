//go:build unix

package testredis

import "syscall"

// The signals Pause and Resume send.
var sigStop, sigCont = syscall.SIGSTOP, syscall.SIGCONT
