package codegen

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// Target generates one language's package of one kind (a client, say)
// from an API. Generate is a pure function: it never touches the disk,
// and the same API and options give the same files, keyed by their path
// relative to the output directory. Writing, formatting with a user's
// command and --check belong to the caller (cmd/chanx).
type Target interface {
	Generate(ctx context.Context, api *ir.API, opts Options) (map[string][]byte, error)
}

// TargetFunc makes a function a Target.
type TargetFunc func(ctx context.Context, api *ir.API, opts Options) (map[string][]byte, error)

// Generate calls f.
func (f TargetFunc) Generate(ctx context.Context, api *ir.API, opts Options) (map[string][]byte, error) {
	return f(ctx, api, opts)
}

// GoTypes is the Go target of 'chanx gen types': Generate as a Target.
var GoTypes Target = TargetFunc(Generate)

// Targets are the languages one kind of package can be generated in,
// keyed by the names a user passes (chanx gen client --lang NAME). A
// language may be listed before its target exists, so that asking for it
// says "not available yet" rather than "unknown".
type Targets struct {
	kind  string
	langs []string
	by    map[string]Target
}

// NewTargets starts the list of languages for kind ("client", "server",
// "types"), which errors name.
func NewTargets(kind string) *Targets {
	return &Targets{kind: kind, by: map[string]Target{}}
}

// Add lists lang with its target; a nil t lists a language whose target
// does not exist yet. Adding a language twice panics: two packages would
// claim one name.
func (ts *Targets) Add(lang string, t Target) *Targets {
	if _, ok := ts.by[lang]; ok {
		panic("codegen: language " + lang + " added twice for " + ts.kind)
	}
	ts.langs = append(ts.langs, lang)
	ts.by[lang] = t
	return ts
}

// Languages are the listed names, in the order added.
func (ts *Targets) Languages() []string { return append([]string(nil), ts.langs...) }

// ErrUnknownLanguage and ErrNotAvailable classify Lookup's errors.
var (
	ErrUnknownLanguage = errors.New("unknown language")
	ErrNotAvailable    = errors.New("not available yet")
)

// Lookup returns the target for lang. The error wraps ErrUnknownLanguage
// (naming the languages there are) or ErrNotAvailable.
func (ts *Targets) Lookup(lang string) (Target, error) {
	t, ok := ts.by[lang]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w %q for a %s; want one of %s", ErrUnknownLanguage, lang, ts.kind, strings.Join(ts.langs, ", "))
	case t == nil:
		var have []string
		for _, l := range ts.langs {
			if ts.by[l] != nil {
				have = append(have, l)
			}
		}
		return nil, fmt.Errorf("a %s in %s is %w; available: %s", ts.kind, lang, ErrNotAvailable, strings.Join(have, ", "))
	}
	return t, nil
}
