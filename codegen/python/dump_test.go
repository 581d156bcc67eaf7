package python

import (
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	dir := os.Getenv("DUMP")
	if dir == "" {
		t.Skip()
	}
	os.RemoveAll(dir)
	corpusPackages(t, dir)
}
