package templates

import "embed"

// Go holds the templates of the Go target, under go/.
//
//go:embed go/*.tmpl
var Go embed.FS

// TypeScriptBase holds the TypeScript client runtime, under typescript/base/:
// plain .ts files the TypeScript target copies as they are into base/ of
// its output (the generated client imports ./base/index.js), so the
// runtime is written and tested once, here.
//
//go:embed typescript/base/*.ts
var TypeScriptBase embed.FS

// PythonBase is the Python client runtime, under python/base/: the files
// the Python target writes, as they are, into the generated package's
// base/ folder.
//
//go:embed python/base/*.py
var PythonBase embed.FS

// Python holds the templates of the Python target, under python/.
//
//go:embed python/*.tmpl
var Python embed.FS

// TypeScript holds the templates of the TypeScript target, under
// typescript/ (the runtime it copies is TypeScriptBase).
//
//go:embed typescript/*.tmpl
var TypeScript embed.FS
