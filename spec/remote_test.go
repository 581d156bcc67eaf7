package spec

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// manyRefsDoc is a document with n messages, message i a $ref to
// base/i.yaml#/m.
func manyRefsDoc(base string, n int) []byte {
	var b strings.Builder
	b.WriteString("asyncapi: 3.0.0\ninfo: {title: Remote, version: 1.0.0}\nchannels:\n  room:\n    address: /room\n    messages:\n")
	for i := range n {
		fmt.Fprintf(&b, "      m%d:\n        $ref: '%s/%d.yaml#/m'\n", i, base, i)
	}
	return []byte(b.String())
}

// hangingServer answers nothing until the client gives up.
func hangingServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRemoteBudget is issue 19's case of 20 $refs to a server that never
// answers (100 s before, 5 s each): the whole run is bounded by the
// budget, and every $ref past it fails at once, saying so.
func TestRemoteBudget(t *testing.T) {
	srv := hangingServer(t)
	const budget = time.Second
	doc, err := Parse("doc.yaml", manyRefsDoc(srv.URL, 20), Options{AllowPrivate: true, RemoteBudget: budget, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	diags := Validate(context.Background(), doc)
	took := time.Since(start)
	if took > budget+2*time.Second {
		t.Errorf("20 hanging $refs took %v, want about the budget of %v", took, budget)
	}
	if len(diags) != 20 {
		t.Fatalf("want 20 diagnostics, got %d: %v", len(diags), diags)
	}
	timedOut, spent := 0, 0
	for _, d := range diags {
		switch {
		case strings.HasSuffix(d.Message, ": no complete answer within 300ms, the time each remote $ref may take"):
			timedOut++
		case strings.HasSuffix(d.Message, ": the 1s all remote $refs may take together is spent (--remote-budget raises it)"):
			spent++
		default:
			t.Errorf("unexpected: %s", d)
		}
	}
	if timedOut < 1 || timedOut > 4 || spent < 16 {
		t.Errorf("%d timed out, %d past the budget; want the first few to time out and the rest to fail at once", timedOut, spent)
	}
	if want := "doc.yaml:8:15: $ref \"" + srv.URL + "/0.yaml#/m\": fetch " + srv.URL + "/0.yaml: "; !strings.HasPrefix(diags[0].String(), want) {
		t.Errorf("first diagnostic %s\nwant it to start %s", diags[0], want)
	}
}

func TestRemoteByteBudget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("m:\n  description: '" + strings.Repeat("x", 600) + "'\n"))
	}))
	defer srv.Close()
	doc, err := Parse("doc.yaml", manyRefsDoc(srv.URL, 3), Options{AllowPrivate: true, RemoteMaxBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	diags := Validate(context.Background(), doc)
	if len(diags) != 2 {
		t.Fatalf("want the 2nd and 3rd fetch refused, got %v", diags)
	}
	for i, want := range []string{
		"with this response the remote $refs would fetch more than 1000 bytes together, the most they may (--remote-max-bytes raises it)",
		"the remote $refs have fetched 1000 bytes together, the most they may (--remote-max-bytes raises it)",
	} {
		if !strings.HasSuffix(diags[i].Message, want) {
			t.Errorf("diagnostic %d: %s\nwant it to end %s", i, diags[i], want)
		}
	}
}

// TestPrivateAddressesRefused: a remote $ref to loopback is refused by
// default, by IP and by a name that resolves to it (the check runs on the
// address dialled, so DNS cannot dodge it), without a request reaching the
// server.
func TestPrivateAddressesRefused(t *testing.T) {
	var reached atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Write([]byte("m:\n  payload: {type: object}\n"))
	}))
	defer srv.Close()
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, base := range []string{srv.URL, byName} {
		doc, err := Parse("doc.yaml", manyRefsDoc(base, 1), Options{})
		if err != nil {
			t.Fatal(err)
		}
		diags := Validate(context.Background(), doc)
		want := "doc.yaml:8:15: $ref \"" + base + "/0.yaml#/m\": fetch " + base + "/0.yaml: "
		if len(diags) != 1 || !strings.HasPrefix(diags[0].String(), want) ||
			!strings.Contains(diags[0].Message, " is a loopback address; remote $refs may not reach loopback, link-local or private addresses (--allow-private-refs allows it)") {
			t.Errorf("%s: got %v\nwant %s... is a loopback address...", base, diags, want)
		}
	}
	if n := reached.Load(); n > 0 {
		t.Errorf("the server was reached %d times", n)
	}
	// Allowed on purpose.
	doc, err := Parse("doc.yaml", manyRefsDoc(byName, 1), Options{AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if diags := Validate(context.Background(), doc); len(diags) > 0 || reached.Load() != 1 {
		t.Errorf("with AllowPrivate: %v (reached %d)", diags, reached.Load())
	}
}

func TestAddressKind(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1":         "a loopback address",
		"127.1.2.3":         "a loopback address",
		"::1":               "a loopback address",
		"::ffff:127.0.0.1":  "a loopback address",
		"10.1.2.3":          "a private address",
		"172.16.0.1":        "a private address",
		"192.168.1.1":       "a private address",
		"fd00::1":           "a private address",
		"169.254.169.254":   "a link-local address",
		"fe80::1":           "a link-local address",
		"0.0.0.0":           "the unspecified address",
		"::":                "the unspecified address",
		"100.100.100.200":   "a reserved address",
		"64:ff9b::a00:1":    "a private address",
		"239.1.2.3":         "a multicast address",
		"224.0.0.251":       "a link-local address",
		"93.184.216.34":     "",
		"2606:4700:4700::1": "",
		"8.8.8.8":           "",
	} {
		if got := addressKind(netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s: %q, want %q", addr, got, want)
		}
	}
}

// TestPrivateRedirectRefused: the host of a document Load was given as a
// URL may be private (the caller named it), but a redirect from it to
// another private address is dialled, and refused, like any other.
func TestPrivateRedirectRefused(t *testing.T) {
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("m:\n  payload: {type: object}\n"))
	}))
	defer inner.Close()
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/asyncapi.yaml":
			w.Write(manyRefsDoc(".", 2))
		case "/0.yaml":
			w.Write([]byte("m:\n  payload: {type: object}\n"))
		default:
			http.Redirect(w, r, inner.URL+r.URL.Path, http.StatusFound)
		}
	}))
	defer outer.Close()
	doc, err := Load(context.Background(), outer.URL+"/asyncapi.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	diags := Validate(context.Background(), doc)
	want := `$ref "./1.yaml#/m": fetch ` + outer.URL + "/1.yaml: 127.0.0.1 is a loopback address; remote $refs may not reach loopback, link-local or private addresses (--allow-private-refs allows it)"
	if len(diags) != 1 || diags[0].Message != want {
		t.Errorf("got %v\nwant one diagnostic: %s", diags, want)
	}
}
