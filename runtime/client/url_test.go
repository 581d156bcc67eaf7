package client_test

import (
	"testing"

	"github.com/chanxgo/chanx/runtime/client"
)

func TestBuildURL(t *testing.T) {
	for _, tc := range []struct {
		base, address string
		params        map[string]string
		want          string
	}{
		{"ws://127.0.0.1:8000", "/ws/chat/{room}", map[string]string{"room": "lobby"}, "ws://127.0.0.1:8000/ws/chat/lobby"},
		{"http://h", "ws/chat/{room}", map[string]string{"room": "a b/c?d#e"}, "ws://h/ws/chat/a%20b%2Fc%3Fd%23e"},
		{"https://h/prefix/", "/ws/{org}/{room}/", map[string]string{"org": "é", "room": "r"}, "wss://h/prefix/ws/%C3%A9/r/"},
		{"wss://h:9/p%20q?token=x", "/ws", nil, "wss://h:9/p%20q/ws?token=x"},
		{"ws://h", "", nil, "ws://h"},
	} {
		got, err := client.BuildURL(tc.base, tc.address, tc.params)
		if err != nil {
			t.Errorf("BuildURL(%q, %q): %v", tc.base, tc.address, err)
			continue
		}
		if got != tc.want {
			t.Errorf("BuildURL(%q, %q) = %q, want %q", tc.base, tc.address, got, tc.want)
		}
	}
}

func TestBuildURLErrors(t *testing.T) {
	for _, tc := range []struct {
		base, address string
		params        map[string]string
		want          string
	}{
		{"ws://h", "/ws/{room}", nil, `client: build url: address "/ws/{room}": no value for parameter "room"`},
		{"ws://h", "/ws/{room}", map[string]string{"room": ""}, `client: build url: address "/ws/{room}": parameter "room" is empty`},
		{"ws://h", "/ws/{room}", map[string]string{"room": "r", "user": "u", "a": "b"}, `client: build url: address "/ws/{room}" has no parameter a, user`},
		{"ws://h", "/ws/{room", map[string]string{"room": "r"}, `client: build url: address "/ws/{room": unclosed {`},
		{"ftp://h", "/ws", nil, `client: build url: base "ftp://h": scheme must be ws, wss, http or https`},
		{"ws://", "/ws", nil, `client: build url: base "ws://" has no host`},
		{"ws://h\x7f", "/ws", nil, `client: build url: base "ws://h\x7f": parse "ws://h\x7f": net/url: invalid control character in URL`},
	} {
		_, err := client.BuildURL(tc.base, tc.address, tc.params)
		if err == nil || err.Error() != tc.want {
			t.Errorf("BuildURL(%q, %q) = %v, want %q", tc.base, tc.address, err, tc.want)
		}
	}
}
