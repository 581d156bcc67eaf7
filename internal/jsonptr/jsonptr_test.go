package jsonptr

import "testing"

func TestEscapeUnescape(t *testing.T) {
	for _, tc := range []struct{ key, tok string }{
		{"plain", "plain"},
		{"a/b", "a~1b"},
		{"m~n", "m~0n"},
		{"~1", "~01"}, // escapes "~" first, so "~1" is not read back as "/"
		{"/~", "~1~0"},
		{"", ""},
	} {
		if got := Escape(tc.key); got != tc.tok {
			t.Errorf("Escape(%q) = %q, want %q", tc.key, got, tc.tok)
		}
		if got := Unescape(tc.tok); got != tc.key {
			t.Errorf("Unescape(%q) = %q, want %q", tc.tok, got, tc.key)
		}
	}
	if got, want := Format([]string{"channels", "a/b", "m~n"}), "/channels/a~1b/m~0n"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if got := Format(nil); got != "" {
		t.Errorf("Format(nil) = %q, want empty", got)
	}
}
