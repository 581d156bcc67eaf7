package analyze

import (
	"context"
	"net/url"

	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// Build checks what the AsyncAPI JSON Schema cannot express and builds the
// ir.API of a loaded document. It returns every diagnostic found; the API
// is nil only when the document is too broken to model.
func Build(ctx context.Context, doc *spec.Document) (*ir.API, spec.Diagnostics) {
	var diags spec.Diagnostics
	api := &ir.API{Source: doc.Root.Data}
	if v := spec.MapGet(doc.Root.Node, "asyncapi"); v != nil {
		api.AsyncAPI = v.Value
	}
	_ = newSchemaBuilder(ctx, doc, &diags)
	diags.Sort()
	return api, diags
}

func pathUnescape(s string) (string, error) { return url.PathUnescape(s) }
