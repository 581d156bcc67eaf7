// Package spec reads AsyncAPI 3 documents: it loads a file or URL (YAML or
// JSON), resolves $refs across files and URLs, validates the document
// against the official AsyncAPI JSON Schemas and reports every problem as a
// Diagnostic at file:line:col.
//
// It is the first stage of the pipeline spec → ir → codegen → templates.
// Package spec/analyze takes a loaded Document, runs the checks the JSON
// Schema cannot express and builds the language-neutral ir.API.
package spec
