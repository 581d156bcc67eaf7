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
	// It stands alone: its one script is the console, served beside it.
	if n := strings.Count(string(page), "<script"); n != 1 || !strings.Contains(string(page), `<script type="module" src="../asyncapi/console.js"></script>`) || strings.Contains(string(page), "https://") {
		t.Errorf("the page loads something besides ../asyncapi/console.js (%d scripts): it must stand alone", n)
	}
	for _, want := range []string{`<label for="console-channel">Channel</label>`, `<label for="console-frame" style="width:100%">Frame (JSON)</label>`, `<ol id="console-log"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks the console's %s", want)
		}
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
		{"GET", "/asyncapi/docs", 200, "text/html; charset=utf-8", `<a href="../asyncapi.json">`},
		{"GET", "/asyncapi/docs/", 200, "text/html; charset=utf-8", `<a href="../../asyncapi.json">`},
		{"GET", "/asyncapi/", 200, "text/html; charset=utf-8", `<a href="../asyncapi.json">`},
		{"GET", "/asyncapi/console.js", 200, "text/javascript; charset=utf-8", "DO NOT EDIT"},
		{"GET", "/asyncapi/docs/x", 404, "", ""},
		{"GET", "/asyncapi/x", 404, "", ""},
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
	// The page may run its console script and connect back, nothing else.
	resp, err := http.Get(ts.URL + "/asyncapi/docs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.Header.Get("Content-Security-Policy"), "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self' ws: wss:"; got != want {
		t.Errorf("Content-Security-Policy %q, want %q", got, want)
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
	f.Add([]byte(`{"info":{"description":"**a** <b>x</b> [l](javascript:x)\n\n| a |\n|---|\n| b |"},"servers":{"s":{"security":[{"$ref":"#/components/securitySchemes/k"},{"type":"oauth2","flows":{"implicit":{"availableScopes":{"a":"b"}}}}]}},"components":{"securitySchemes":{"k":{"type":"httpApiKey","name":"k","in":"query"}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		_, _ = HTML(doc)
	})
}

// TestPageRendersMarkdown: descriptions are CommonMark, rendered safely:
// raw HTML is dropped and script URLs lose their link.
func TestPageRendersMarkdown(t *testing.T) {
	doc := `{"asyncapi":"3.0.0","info":{"title":"t","version":"1","description":"Chat **rooms**, see [the guide](https://example.com/guide).\n\n- one\n- two\n\n` + "`code`" + ` <b onclick=x>bold</b> [click](javascript:alert(1))"},
	"channels":{"c":{"address":"/c","description":"A _room_.","parameters":{"room":{"description":"The **room** name."}},"messages":{"m":{"payload":{"type":"object","properties":{"a":{"type":"string","description":"An *a*."}}}}}}}}`
	page, err := HTML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<p>Chat <strong>rooms</strong>, see <a href="https://example.com/guide">the guide</a>.</p>`,
		"<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
		"<code>code</code>",
		"<!-- raw HTML omitted -->bold<!-- raw HTML omitted -->",
		`<a href="">click</a>`,
		"<p>A <em>room</em>.</p>",
		"<code>{room}</code> The <strong>room</strong> name.",
		"— An <em>a</em>.",
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, bad := range []string{"<b onclick", "javascript:", "**"} {
		if strings.Contains(string(page), bad) {
			t.Errorf("the page has %q", bad)
		}
	}
}

// TestPageShowsSecuritySchemes: components.securitySchemes are listed with
// their settings, and servers and operations link the ones they require,
// inline ones included.
func TestPageShowsSecuritySchemes(t *testing.T) {
	doc := `{"asyncapi":"3.0.0","info":{"title":"t","version":"1"},
	"servers":{"prod":{"host":"chat.example.com","protocol":"wss","security":[{"$ref":"#/components/securitySchemes/token"}]}},
	"channels":{"c":{"address":"/c"}},
	"operations":{"send":{"action":"send","channel":{"$ref":"#/channels/c"},"security":[{"$ref":"#/components/securitySchemes/oauth"},{"type":"httpApiKey","name":"X-Key","in":"header"}]}},
	"components":{"securitySchemes":{
		"token":{"type":"http","scheme":"bearer","bearerFormat":"JWT","description":"A **JWT** from the login API."},
		"oauth":{"type":"oauth2","flows":{"clientCredentials":{"tokenUrl":"https://auth.example.com/token","availableScopes":{"chat:write":"send messages"}}},"scopes":["chat:write"]}}}}`
	page, err := HTML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<a href="#security">Security</a>`,
		`<section id="/components/securitySchemes/token"><h3>token <span class="tag">http</span></h3>`,
		"<p>A <strong>JWT</strong> from the login API.</p>",
		"<li>HTTP scheme: bearer</li><li>bearer format: JWT</li>",
		`<section id="/components/securitySchemes/oauth"><h3>oauth <span class="tag">oauth2</span></h3>`,
		"<li>flow clientCredentials: tokenUrl https://auth.example.com/token; scopes chat:write</li><li>scopes: chat:write</li>",
		`<section id="security-1"><h3>httpApiKey (inline) <span class="tag">httpApiKey</span></h3>`,
		"<li>key &#34;X-Key&#34; in the header</li>",
		`<span class="tag">prod</span> security: <a href="#/components/securitySchemes/token">token</a>`,
		`; security: <a href="#/components/securitySchemes/oauth">oauth</a>, <a href="#security-1">httpApiKey (inline)</a></p>`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// TestPageShowsBindings: servers', channels', operations' and messages'
// bindings are shown as the document writes them.
func TestPageShowsBindings(t *testing.T) {
	page, err := HTML([]byte(`{"asyncapi":"3.0.0","info":{"title":"t","version":"1"},
	"servers":{"s":{"host":"h","protocol":"ws","bindings":{"ws":{"bindingVersion":"0.1.0"}}}},
	"channels":{"c":{"address":"/c","bindings":{"ws":{"query":{"type":"object","properties":{"token":{"type":"string"}}}}},"messages":{"m":{"$ref":"#/components/messages/m"}}}},
	"operations":{"o":{"action":"receive","channel":{"$ref":"#/channels/c"},"bindings":{"$ref":"#/components/operationBindings/ob"}}},
	"components":{"messages":{"m":{"payload":{"type":"object"},"bindings":{"ws":{"bindingVersion":"0.1.0"}}}},"operationBindings":{"ob":{"ws":{"method":"GET"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"&#34;token&#34;", "&#34;method&#34;: &#34;GET&#34;"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks the binding %s", want)
		}
	}
	if n := strings.Count(string(page), "<summary>Bindings</summary>"); n != 4 {
		t.Errorf("%d bindings shown, want 4 (server, channel, operation, message)", n)
	}
}
