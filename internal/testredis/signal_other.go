//go:build !unix

package testredis

import "os"

// Pause and Resume skip: there is no SIGSTOP here.
var sigStop, sigCont os.Signal
