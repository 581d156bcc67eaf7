package client

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// BuildURL joins a server base URL and an AsyncAPI channel address with
// {param} placeholders, escaping each parameter value as one path segment,
// so generated clients can take typed parameters without building URLs by
// hand. base may use ws, wss, http or https (the last two become ws and
// wss) and may carry a path prefix and a query, both kept. Every
// placeholder needs a value and every value a placeholder; a mismatch is an
// error naming it, since it is a bug in the caller.
//
//	BuildURL("ws://127.0.0.1:8000", "/ws/chat/{room}", map[string]string{"room": "a b"})
//	// ws://127.0.0.1:8000/ws/chat/a%20b
func BuildURL(base, address string, params map[string]string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("client: build url: base %q: %w", base, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("client: build url: base %q: scheme must be ws, wss, http or https", base)
	}
	if u.Host == "" {
		return "", fmt.Errorf("client: build url: base %q has no host", base)
	}

	var path strings.Builder
	used := make(map[string]bool, len(params))
	rest := address
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			path.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("client: build url: address %q: unclosed {", address)
		}
		name := rest[open+1 : open+end]
		v, ok := params[name]
		if !ok {
			return "", fmt.Errorf("client: build url: address %q: no value for parameter %q", address, name)
		}
		if v == "" {
			return "", fmt.Errorf("client: build url: address %q: parameter %q is empty", address, name)
		}
		used[name] = true
		path.WriteString(rest[:open])
		path.WriteString(url.PathEscape(v))
		rest = rest[open+end+1:]
	}
	if len(used) != len(params) {
		var extra []string
		for k := range params {
			if !used[k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		return "", fmt.Errorf("client: build url: address %q has no parameter %s", address, strings.Join(extra, ", "))
	}

	p := path.String()
	if p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p // Chanx documents write addresses with or without the slash
	}
	// Opaque-free join: keep the base's escaped prefix as written.
	prefix := strings.TrimSuffix(u.EscapedPath(), "/")
	u.RawPath = ""
	joined := prefix + p
	unescaped, err := url.PathUnescape(joined)
	if err != nil {
		return "", fmt.Errorf("client: build url: %w", err)
	}
	u.Path = unescaped
	u.RawPath = joined
	return u.String(), nil
}
