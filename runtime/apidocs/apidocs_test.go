package apidocs

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chatJSON is the chat example's document as its generated package embeds
// it.
func chatJSON(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "chat", "chatapi", "asyncapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPageShowsTheDocument(t *testing.T) {
	page, err := HTML(chatJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<title>chanx chat 1.0.0</title>",
		`<section id="/channels/chat"><h3>chat <code>/ws/chat/{room}</code></h3>`,
		"<code>{room}</code> Name of the room to join.",
		`<a href="#/components/messages/ping">ping</a>`,
		`<h3><span class="tag">receive</span> handle_ping</h3>`,
		`reply: <a href="#/components/messages/pong">pong</a>`,
		`<section id="/components/messages/new_chat_message"><h3>new_chat_message</h3>`,
		`<a href="#/components/schemas/NewChatMessage">NewChatMessage</a>`,
		`<code>message</code> <strong>required</strong>: <code>string</code> <span class="tag">minLength: 1</span> <span class="tag">maxLength: 2000</span>`,
		"Example <em>hello</em>",
		"&#34;message&#34;: &#34;Hello, room!&#34;",
		`<section id="/components/schemas/ChatPayload"><h3>ChatPayload</h3>`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(string(page), "<script") || strings.Contains(string(page), "https://") {
		t.Error("the page loads something: it must stand alone")
	}
}

// TestPageEscapes: text from the document cannot inject markup.
func TestPageEscapes(t *testing.T) {
	page, err := HTML([]byte(`{"asyncapi":"3.0.0","info":{"title":"<script>alert(1)</script>","version":"1"},"channels":{"x":{"address":"/x","description":"<img src=x onerror=alert(1)>"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), "<script>alert") || strings.Contains(string(page), "<img") {
		t.Errorf("unescaped document text:\n%s", page)
	}
}

func TestPageRejectsBadDocuments(t *testing.T) {
	for doc, want := range map[string]string{
		`[1]`:                     "apidocs: read document: not an object",
		`{"a":`:                   "apidocs: read document: unexpected EOF",
		`{} {}`:                   "apidocs: read document: data after the document",
		strings.Repeat(`[`, 2000): "apidocs: read document: document nested too deeply",
		`{"channels":{"c":{"$ref":"#/channels/c"}}}`: "",
	} {
		_, err := HTML([]byte(doc))
		if (want == "" && err != nil) || (want != "" && (err == nil || err.Error() != want)) {
			t.Errorf("%.30s: got %v, want %q", doc, err, want)
		}
	}
}

type mux struct{ *http.ServeMux }

func (m mux) HandleHTTP(pattern string, h http.Handler) error {
	m.Handle(pattern, h)
	return nil
}

func TestMountServesThePaths(t *testing.T) {
	m := mux{http.NewServeMux()}
	doc := Document{JSON: chatJSON(t), YAML: []byte("asyncapi: 3.0.0\n")}
	if err := Mount(m, doc); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(m)
	defer ts.Close()
	for _, tc := range []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/asyncapi.json", 200, "application/json", `"asyncapi": "3.0.0"`},
		{"GET", "/asyncapi.yaml", 200, "application/yaml", "asyncapi: 3.0.0\n"},
		{"GET", "/asyncapi/docs", 200, "text/html; charset=utf-8", "<h1>chanx chat</h1>"},
		{"HEAD", "/asyncapi.json", 200, "application/json", ""},
		{"POST", "/asyncapi.json", 405, "", ""},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.ctype != "" && resp.Header.Get("Content-Type") != tc.ctype) || !strings.Contains(string(body), tc.body) {
			t.Errorf("%s %s: %d %s\n%.200s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if rec := httptest.NewRecorder(); true {
		Handler(Document{JSON: []byte(`{}`)}).ServeHTTP(rec, httptest.NewRequest("GET", "/asyncapi.yaml", nil))
		if rec.Code != 404 {
			t.Errorf("no YAML: %d", rec.Code)
		}
	}
}

// FuzzHTML: any bytes give a page or an error, never a panic or a hang.
func FuzzHTML(f *testing.F) {
	f.Add(chatJSON(f))
	f.Add([]byte(`{"channels":{"a":{"messages":{"m":{"$ref":"#/channels/a/messages/m"}}}}}`))
	f.Add([]byte(`{"components":{"schemas":{"A":{"properties":{"b":{"$ref":"#/components/schemas/A"}}}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		_, _ = HTML(doc)
	})
}
