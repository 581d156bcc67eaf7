//go:build !linux

package testredis

import "syscall"

// sysProcAttr has nothing to add outside Linux; t.Cleanup stops the server.
func sysProcAttr() *syscall.SysProcAttr { return nil }
