package apidocs

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/http"
	"sync"
	"time"
)

var zeroTime time.Time

// The paths Mount and Handler serve.
const (
	PathJSON = "/asyncapi.json"
	PathYAML = "/asyncapi.yaml"
	PathDocs = "/asyncapi/docs"
	// PathConsole is the page's console script (web/console.ts bundled).
	PathConsole = "/asyncapi/console.js"
)

// consoleJS is web/console.js, the bundle TestConsoleBundle keeps current.
//
//go:embed web/console.js
var consoleJS []byte

// The page is also served at these paths, the first being where Python
// Chanx serves its docs.
var docsAliases = []string{PathDocs + "/", "/asyncapi/"}

// Document is an AsyncAPI document in the forms served.
type Document struct {
	// JSON is the document as one JSON value (required).
	JSON []byte
	// YAML is the same document as YAML; nil leaves /asyncapi.yaml out.
	YAML []byte
}

// Mux is where Mount registers its handlers: a *server.Server. A plain
// http.ServeMux takes Handler instead.
type Mux interface {
	HandleHTTP(pattern string, h http.Handler) error
}

// Mount serves doc on m at PathJSON, PathYAML and PathDocs, and the page
// also at /asyncapi/docs/ (where Python Chanx serves it) and /asyncapi/,
// with its console script at PathConsole.
// The page is rendered once, on its first request.
func Mount(m Mux, doc Document) error {
	h := Handler(doc)
	for _, p := range []string{PathJSON, PathYAML, PathDocs, PathDocs + "/{$}", "/asyncapi/{$}", PathConsole} {
		if p == PathYAML && doc.YAML == nil {
			continue
		}
		if err := m.HandleHTTP(p, h); err != nil {
			return fmt.Errorf("apidocs: %w", err)
		}
	}
	return nil
}

// Handler serves doc at PathJSON, PathYAML and PathDocs (and the page at
// /asyncapi/docs/ and /asyncapi/ too), whatever the prefix it is mounted
// under is stripped to; any other path is 404.
func Handler(doc Document) http.Handler {
	return &handler{doc: doc}
}

type handler struct {
	doc  Document
	once sync.Once
	// page is the page for /asyncapi/docs and /asyncapi/, deeper the one
	// for /asyncapi/docs/, whose links to the document climb one folder
	// more.
	page, deeper []byte
	err          error
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case PathJSON:
		serve(w, r, "application/json", h.doc.JSON)
	case PathConsole:
		serve(w, r, "text/javascript; charset=utf-8", consoleJS)
	case PathYAML:
		if h.doc.YAML == nil {
			http.NotFound(w, r)
			return
		}
		serve(w, r, "application/yaml", h.doc.YAML)
	case PathDocs, docsAliases[0], docsAliases[1]:
		h.once.Do(func() {
			if h.page, h.err = render(h.doc.JSON, "../"); h.err == nil {
				h.deeper, h.err = render(h.doc.JSON, "../../")
			}
		})
		if h.err != nil {
			http.Error(w, "apidocs: "+h.err.Error(), http.StatusInternalServerError)
			return
		}
		page := h.page
		if r.URL.Path == docsAliases[0] {
			page = h.deeper
		}
		// The page stands alone: nothing loads but its console script,
		// the document it reads and the WebSocket connections it opens to
		// this host — not even an image a description links.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self' ws: wss:")
		serve(w, r, "text/html; charset=utf-8", page)
	default:
		http.NotFound(w, r)
	}
}

func serve(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", zeroTime, bytes.NewReader(body))
}
