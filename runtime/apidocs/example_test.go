package apidocs_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/chanxgo/chanx/runtime/apidocs"
)

// Serving a document on a plain http.ServeMux; generated server packages
// call Mount on the chanx server instead (MountDocs).
func ExampleHandler() {
	doc := apidocs.Document{
		JSON: []byte(`{"asyncapi":"3.0.0","info":{"title":"demo","version":"1"},"channels":{}}`),
		YAML: []byte("asyncapi: 3.0.0\ninfo:\n  title: demo\n  version: \"1\"\nchannels: {}\n"),
	}
	mux := http.NewServeMux()
	h := apidocs.Handler(doc)
	mux.Handle(apidocs.PathJSON, h)
	mux.Handle(apidocs.PathYAML, h)
	mux.Handle(apidocs.PathDocs, h)

	for _, path := range []string{"/asyncapi.json", "/asyncapi.yaml", "/asyncapi/docs"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, rec.Code, rec.Header().Get("Content-Type"))
	}
	// Output:
	// /asyncapi.json 200 application/json
	// /asyncapi.yaml 200 application/yaml
	// /asyncapi/docs 200 text/html; charset=utf-8
}
