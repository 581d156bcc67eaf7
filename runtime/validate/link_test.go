package validate

import (
	"os/exec"
	"strings"
	"testing"
)

// TestChatClientLinksNoOracle: the JSON Schema oracle lives in
// runtime/validate/oracle, so a program that imports only a generated
// client whose schemas have no format (examples/chat/chatclient) links
// neither santhosh-tekuri/jsonschema nor golang.org/x/text.
//
// Measured with `go build` of a main package importing only chatclient
// and `go tool nm | grep -c`: before the split 334 jsonschema and 555
// x/text symbols (78 of those the standard library's own vendored
// golang.org/x/text, which net/http links anyway), 7.19 MB; after it 0
// jsonschema and only the 78 vendored x/text symbols, 5.23 MB.
func TestChatClientLinksNoOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/chanxgo/chanx/examples/chat/chatclient").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages: %s", len(deps), out)
	}
	for _, dep := range deps {
		for _, banned := range []string{"github.com/santhosh-tekuri/jsonschema", "golang.org/x/text", "github.com/chanxgo/chanx/runtime/validate/oracle"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("chatclient depends on %s", dep)
			}
		}
	}
}
