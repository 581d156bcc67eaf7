// Package apidocs serves a chanx API's AsyncAPI document next to its
// channels: the document as /asyncapi.json and /asyncapi.yaml, and a page
// people can read at /asyncapi/docs (also /asyncapi/docs/, where Python
// Chanx serves it, and /asyncapi/) — servers and the security schemes they
// and the operations require, channels with their parameters, operations
// with their replies, messages with their schemas and examples, every
// description rendered from Markdown with raw HTML dropped, bindings as
// written — rendered on the server from the document itself, with no CDN,
// so it works offline and behind strict content security policies.
//
// The page's one script is its console (/asyncapi/console.js, web/*.ts
// bundled with the TypeScript client runtime's problem rules and embedded
// as web/console.js): it reads /asyncapi.json, connects to a channel of
// the page's host (path parameters filled in), starts a message from its
// example or a value generated from its schema, validates the edited
// frame as the generated Go server would (web/schema.ts, held to the Go
// target by TestConsoleAgreesWithGo) so that an invalid one is refused
// with the server's problems and never sent, and logs every frame in and
// out, incoming ones validated against the channel's messages.
//
// Generated server packages embed their document and call Mount from their
// MountDocs function; it works for any document given as JSON.
package apidocs

// SupportPackageIsVersion1 is referenced by generated server packages, so
// that code generated for a newer apidocs (and runtime/server) fails to
// compile against an older one instead of misbehaving.
const SupportPackageIsVersion1 = true
