package shape

import "github.com/chanxgo/chanx/ir"

// API holds the shapes of an API's messages and named schemas.
type API struct {
	// Set decided them; ask it for the shape of any other schema of the
	// API.
	Set *Set
	// Payloads and Headers hold, per message with one, its payload's and
	// its headers' shape.
	Payloads map[*ir.Message]*Shape
	Headers  map[*ir.Message]*Shape
	// Schemas are the shapes of api.Schemas (components.schemas), in
	// their order.
	Schemas []*Shape
}

// OfAPI decides the shapes of api in one fixed order — every message's
// payload, then its headers, in document order, then components.schemas
// — the order codegen's Go target names its types in. A target that
// starts from OfAPI sees the same recursion cuts as every other target.
func OfAPI(api *ir.API) *API {
	a := &API{Set: NewSet(), Payloads: map[*ir.Message]*Shape{}, Headers: map[*ir.Message]*Shape{}}
	for _, m := range api.Messages {
		if m.Payload != nil {
			a.Payloads[m] = a.Set.Of(m.Payload)
		}
		if m.Headers != nil {
			a.Headers[m] = a.Set.Of(m.Headers)
		}
	}
	for _, s := range api.Schemas {
		a.Schemas = append(a.Schemas, a.Set.Of(s))
	}
	return a
}
