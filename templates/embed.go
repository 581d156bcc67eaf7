package templates

import "embed"

// Go holds the templates of the Go target, under go/.
//
//go:embed go/*.tmpl
var Go embed.FS
