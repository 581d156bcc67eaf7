// Package apidocs serves a chanx API's AsyncAPI document next to its
// channels: the document as /asyncapi.json and /asyncapi.yaml, and a page
// people can read at /asyncapi/docs (also /asyncapi/docs/, where Python
// Chanx serves it, and /asyncapi/) — servers and the security schemes they
// and the operations require, channels with their parameters, operations
// with their replies, messages with their schemas and examples, every
// description rendered from Markdown with raw HTML dropped —
// rendered on the server from the document itself, with no CDN and no
// script, so it works offline and behind strict content security policies.
//
// Generated server packages embed their document and call Mount from their
// MountDocs function; it works for any document given as JSON.
package apidocs

// SupportPackageIsVersion1 is referenced by generated server packages, so
// that code generated for a newer apidocs (and runtime/server) fails to
// compile against an older one instead of misbehaving.
const SupportPackageIsVersion1 = true
