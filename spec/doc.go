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
//   - Relative file $refs resolve against the file they are written in, and
//     only inside Options.FileRoot: by default the root document's folder
//     and below, so a document cannot make chanx read ../../.ssh/id_rsa,
//     /etc/passwd or /proc/self/environ and embed it in what it generates.
//     Layouts that share files (the social-media example's ../common) set
//     FileRoot (--ref-root) to their common folder. Only regular files are
//     read: no FIFOs, devices, sockets or directories, nothing under /proc,
//     /sys or /dev, no symbolic link out of the root; each is bounded in
//     size (Options.MaxBytes, default 32 MiB).
//   - A document read from a URL resolves relative $refs against its URL
//     and never reads local files.
//   - Remote fetches have a timeout each (default 5 s) and, together, a
//     time budget (default 20 s from the first) and a byte budget (default
//     64 MiB) per Document; they may not reach loopback, link-local or
//     private addresses, checked on the address each connection dials,
//     unless Options.AllowPrivate (the host of a root document given as a
//     URL excepted); they can be forbidden (Options.NoRemote). Each file
//     is read at most once per Document, failures included.
//   - YAML aliases may add at most 100,000 nodes and 1 MiB of text to a
//     file once expanded.
//   - $refs inside the bindings of protocols other than ws/wss, and inside
//     payloads whose schemaFormat chanx cannot read (ReadableSchemaFormat),
//     are never followed, so nothing is fetched for them.
//   - A $ref chain that comes back to itself is an error naming the cycle;
//     recursive schemas (a schema reaching itself through properties, items…)
//     are legal.
package spec
