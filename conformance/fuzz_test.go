package conformance_test

import (
	"testing"

	"github.com/chanxgo/chanx/conformance"
)

// FuzzReadFailures reads arbitrary --replay files: an error or failures,
// never a panic.
func FuzzReadFailures(f *testing.F) {
	f.Add([]byte(`{"results": [{"check": "reply-received", "failure": {"check": "reply-received", "case": {"kind": "valid", "frame": {"action": "ping"}}}}]}`))
	f.Add([]byte(`{"check": "handshake", "case": {"kind": "handshake", "path": "/"}}`))
	f.Add([]byte(`{"results": null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := conformance.ReadFailures(data)
		if err == nil {
			for _, x := range fs {
				if x == nil {
					t.Fatal("nil failure without an error")
				}
			}
		}
	})
}
