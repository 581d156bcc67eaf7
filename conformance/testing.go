package conformance

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/ir"
)

// Run tests the server at url against api from a go test: one subtest per
// check, channel and operation, skipped or failed with the reason, a
// failure showing its transcript and seed. It returns the report for
// further assertions.
func Run(t *testing.T, api *ir.API, url string, opts ...Option) *Report {
	t.Helper()
	ctx := t.Context()
	rep, err := Check(ctx, api, url, opts...)
	if err != nil {
		t.Fatalf("conformance: %v", err)
		return nil
	}
	for _, res := range rep.Results {
		res := res
		t.Run(res.Check+"/"+res.Where(), func(t *testing.T) {
			switch res.Status {
			case Skip:
				t.Skip(res.Reason)
			case Fail:
				var b strings.Builder
				b.WriteString(res.Reason)
				if f := res.Failure; f != nil {
					b.WriteString("\n" + f.Message)
					if len(f.Case.Frame) > 0 {
						b.WriteString("\nframe: " + string(f.Case.Frame))
					}
					b.WriteString("\ntranscript:")
					for _, e := range f.Transcript {
						b.WriteString("\n  " + e.String())
					}
					b.WriteString("\nreproduce with conformance.WithSeed(" + strconv.FormatUint(f.Seed, 10) + ")")
				}
				t.Error(b.String())
			}
		})
	}
	return rep
}
