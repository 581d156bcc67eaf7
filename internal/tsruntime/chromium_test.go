package tsruntime_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/nodetest"
)

// TestChromium loads a page using the bundled chat client in two headless
// Chromium pages against the real chat server (testdata/node/browser.test.ts
// says what it checks) and keeps their screenshots in the test's temporary
// folder. The page is served from its own origin, with /ws/ proxied to the
// chat server, as a site would put the two behind one host.
func TestChromium(t *testing.T) {
	chromium := nodetest.Chromium(t)
	tools, dir := workspace(t)
	chat, err := url.Parse(strings.Replace(startChat(t), "ws://", "http://", 1))
	if err != nil {
		t.Fatal(err)
	}
	bundle(t, tools, dir, "browser/page.ts", "site/app.js", "--platform=browser", "--target=es2022", "--minify")
	page, err := os.ReadFile(filepath.Join("testdata", "browser", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws/", httputil.NewSingleHostReverseProxy(chat))
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(dir, "site", "app.js"))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)

	shots := t.TempDir()
	if keep := os.Getenv("CHANX_TEST_SHOTS"); keep != "" {
		shots = keep // to look at them: CHANX_TEST_SHOTS=/tmp/shots go test -run TestChromium
	}
	flags, _ := json.Marshal(nodetest.ChromiumFlags)
	bundle(t, tools, dir, "tests/browser.test.ts", "out/browser.test.mjs", "--platform=node", "--target=node20", "--packages=external")
	runNode(t, tools, dir, 3*time.Minute, []string{
		"CHROMIUM=" + chromium,
		"CHROMIUM_FLAGS=" + string(flags),
		"PAGE_URL=" + site.URL,
		"SHOT_DIR=" + shots,
	}, "--test", "--test-reporter=spec", "out/browser.test.mjs")
	for _, name := range []string{"ada.png", "bob.png"} {
		fi, err := os.Stat(filepath.Join(shots, name))
		if err != nil || fi.Size() == 0 {
			t.Errorf("no screenshot %s: %v", name, err)
			continue
		}
		t.Logf("screenshot %s: %d bytes", filepath.Join(shots, name), fi.Size())
	}
}
