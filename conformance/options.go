package conformance

import (
	"net/http"
	"time"
)

// Option configures a run.
type Option func(*options)

type options struct {
	seed         uint64
	maxExamples  int
	timeout      time.Duration
	quiet        time.Duration
	params       map[string]string
	header       http.Header
	only         map[string]bool
	progress     func(string)
	shrinkBudget int
	noBuiltins   bool
	oversize     int
	noConvention bool
	// urlHasPath: --url names a path of its own, so servers[].pathname
	// is not put before channel addresses. Set by Check and Replay.
	urlHasPath bool
}

func newOptions(opts []Option) *options {
	o := &options{
		seed:         1,
		maxExamples:  10,
		timeout:      2 * time.Second,
		quiet:        250 * time.Millisecond,
		params:       map[string]string{},
		header:       http.Header{},
		shrinkBudget: 24,
		oversize:     1 << 20,
	}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// WithSeed fixes the random source; the same seed, document and server
// give the same frames in the same order. Default: 1.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// WithMaxExamples bounds how many valid and how many invalid frames are
// sent per operation. Default: 10.
func WithMaxExamples(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxExamples = n
		}
	}
}

// WithTimeout is how long to wait for an answer the document promises (a
// reply, an error frame). Default: 2s.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithQuiet is how long to listen for frames that must not come (a reply
// leaking to another connection, a late error). Default: 250ms.
func WithQuiet(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.quiet = d
		}
	}
}

// WithParam sets a channel address parameter for every channel that has
// it; without it the parameter's enum, examples or default is used.
func WithParam(name, value string) Option { return func(o *options) { o.params[name] = value } }

// WithHeader adds an HTTP header to every handshake (authentication, for
// instance). Headers are never written to reports.
func WithHeader(name, value string) Option { return func(o *options) { o.header.Add(name, value) } }

// WithChecks runs only the named checks (ids from Checks); the others are
// reported as skipped.
func WithChecks(ids ...string) Option {
	return func(o *options) {
		if o.only == nil {
			o.only = map[string]bool{}
		}
		for _, id := range ids {
			o.only[id] = true
		}
	}
}

// WithProgress receives a short line each time the run moves on, for a
// terminal status line.
func WithProgress(f func(string)) Option { return func(o *options) { o.progress = f } }

// WithShrinkBudget bounds how many frames are sent to shrink one failure.
// Default: 24; 0 keeps failures as found.
func WithShrinkBudget(n int) Option {
	return func(o *options) {
		if n >= 0 {
			o.shrinkBudget = n
		}
	}
}

// WithoutBuiltins treats the chanx wire protocol's built-in frames (pong,
// error, authentication, complete…) like any other: only what the
// document declares is allowed. Use it for servers that do not speak the
// chanx protocol.
func WithoutBuiltins() Option { return func(o *options) { o.noBuiltins = true } }

// WithOversize sets the size in bytes of the oversize malformed frame.
// Default: 1 MiB.
func WithOversize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.oversize = n
		}
	}
}

// WithoutConventions turns off what the chanx protocol expects but the
// document does not say (Checks marks them Convention): invalid-rejected
// then fails only an invalid frame answered as a success, not one left
// without an error frame, and malformed-survived is skipped.
func WithoutConventions() Option { return func(o *options) { o.noConvention = true } }
