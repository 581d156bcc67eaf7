package templates

import "embed"

// Go holds the templates of the Go target, under go/.
//
//go:embed go/*.tmpl
var Go embed.FS

// PythonBase is the Python client runtime, under python/base/: the files
// the Python target writes, as they are, into the generated package's
// base/ folder.
//
//go:embed python/base/*.py
var PythonBase embed.FS
