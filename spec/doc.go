// Package spec reads AsyncAPI 3 documents: it loads a file or URL (YAML or
// JSON, told apart by content), resolves $refs across files and URLs,
// validates the document against the official AsyncAPI 3.0.0 and 3.1.0 JSON
// Schemas and reports every problem as a Diagnostic at the file:line:col of
// the node it is about, in the file a $ref led to when the node lives there.
//
// It is the first stage of the pipeline spec → ir → codegen → templates.
// Package spec/analyze takes a loaded Document, runs the checks the JSON
// Schema cannot express and builds the language-neutral ir.API.
//
// The entry points are Load (or Parse for bytes in memory), Validate and
// BundleJSON; Document.Resolve, Document.Deref, Lookup, MapGet, RefOf and
// Value are the tools analysis uses to walk the nodes.
//
// Reference policy, decided here once:
//   - Local $refs ("#/components/...") may pass through other $refs.
//   - Relative file $refs resolve against the file they are written in and
//     may leave the root document's folder (real layouts such as the
//     social-media example need ../common/...); Options.FileRoot confines
//     them to one folder for documents you do not trust.
//   - A document read from a URL resolves relative $refs against its URL
//     and never reads local files.
//   - Remote fetches have a timeout (default 5 s) and a size limit (default
//     32 MiB) and can be forbidden (Options.NoRemote); each file is read at
//     most once per Document, failures included.
//   - $refs inside the bindings of protocols other than ws/wss, and inside
//     payloads whose schemaFormat chanx cannot read (ReadableSchemaFormat),
//     are never followed, so nothing is fetched for them.
//   - A $ref chain that comes back to itself is an error naming the cycle;
//     recursive schemas (a schema reaching itself through properties, items…)
//     are legal.
package spec
