package conformance_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind: every
// connection the tester opens must be closed and its reader stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
