package gen

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Shrink reduces v while fails keeps reporting true, trying simpler
// variants in a fixed order (drop a property or item, shorten a string,
// move a number towards zero) and keeping the first that still fails,
// until no variant does or budget calls to fails are spent. Top-level
// properties named in keep are never dropped. It returns the smallest
// failing value found and the number of calls made.
func Shrink(v any, keep []string, budget int, fails func(any) bool) (any, int) {
	calls := 0
	for calls < budget {
		progressed := false
		for _, c := range candidates(v, keep, true) {
			if calls >= budget {
				break
			}
			calls++
			if fails(c) {
				v = c
				progressed = true
				break
			}
		}
		if !progressed {
			break
		}
	}
	return v, calls
}

// candidates lists simpler variants of v, the most drastic first.
func candidates(v any, keep []string, top bool) []any {
	var out []any
	switch tv := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(tv))
		for k := range tv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if top && contains(keep, k) {
				continue
			}
			c := clone(tv)
			delete(c, k)
			out = append(out, c)
		}
		for _, k := range keys {
			if top && contains(keep, k) {
				continue
			}
			for _, sub := range candidates(tv[k], keep, false) {
				c := clone(tv)
				c[k] = sub
				out = append(out, c)
			}
		}
	case []any:
		if len(tv) > 1 {
			out = append(out, append([]any{}, tv[:len(tv)/2]...))
		}
		for i := len(tv) - 1; i >= 0; i-- {
			out = append(out, append(append([]any{}, tv[:i]...), tv[i+1:]...))
		}
		for i := range tv {
			for _, sub := range candidates(tv[i], keep, false) {
				c := append([]any{}, tv...)
				c[i] = sub
				out = append(out, c)
			}
		}
	case string:
		r := []rune(tv)
		if len(r) > 0 {
			out = append(out, "")
		}
		if len(r) > 1 {
			out = append(out, string(r[:len(r)/2]), string(r[:len(r)-1]))
		}
		if len(r) > 0 && strings.Trim(tv, "a") != "" {
			out = append(out, strings.Repeat("a", len(r)))
		}
	case json.Number:
		f, err := strconv.ParseFloat(string(tv), 64)
		if err == nil && f != 0 {
			out = append(out, json.Number("0"))
			if t := float64(int64(f / 2)); t != f {
				out = append(out, format(t, true))
			}
		}
	case bool:
		if tv {
			out = append(out, false)
		}
	}
	return out
}
