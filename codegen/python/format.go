package python

import (
	"strconv"
	"strings"
)

// lineLength is the longest line the output has where it can be broken,
// as black and ruff format it by default; the output is what they would
// write, so formatting it changes nothing.
const lineLength = 88

func itoa(i int) string { return strconv.Itoa(i) }

// wrapCall lays out head + args joined by ", " + tail the way black does:
// on one line when it fits; else the arguments on one indented line
// between head and tail; else one argument a line, each with a comma.
func wrapCall(indent, head string, args []string, tail string) []string {
	one := indent + head + strings.Join(args, ", ") + tail
	if len(one) <= lineLength || len(args) == 0 {
		return []string{one}
	}
	body := indent + "    " + strings.Join(args, ", ")
	if len(body) <= lineLength || len(args) == 1 {
		return []string{indent + head, body, indent + tail}
	}
	lines := []string{indent + head}
	for _, a := range args {
		lines = append(lines, indent+"    "+a+",")
	}
	return append(lines, indent+tail)
}

// wrapUnion lays out "lhs = A | B | C" as black does: one line, else the
// value in parentheses on one line, else one member a line after "|".
func wrapUnion(indent, lhs string, members []string) []string {
	value := strings.Join(members, " | ")
	one := indent + lhs + value
	if len(one) <= lineLength || len(members) < 2 {
		return []string{one}
	}
	if body := indent + "    " + value; len(body) <= lineLength {
		return []string{indent + lhs + "(", body, indent + ")"}
	}
	lines := []string{indent + lhs + "("}
	for i, m := range members {
		if i == 0 {
			lines = append(lines, indent+"    "+m)
		} else {
			lines = append(lines, indent+"    | "+m)
		}
	}
	return append(lines, indent+")")
}

// docstring renders text as a docstring at indent: on one line when it is
// one line that fits, else the text's lines with the closing quotes on a
// line of their own. Lines too long are broken at spaces; backslashes and
// quotes that would end the string are escaped.
func docstring(indent, text string) []string {
	text = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\t", "    "))
	if text == "" {
		return nil
	}
	text = strings.ReplaceAll(text, `\`, `\\`)
	text = strings.ReplaceAll(text, `"""`, `\"\"\"`)
	if strings.HasSuffix(text, `"`) {
		text = strings.TrimSuffix(text, `"`) + `\"`
	}
	raw := strings.Split(text, "\n")
	// The common indentation of the lines after the first goes, as black
	// (and inspect.cleandoc) strips it.
	common := -1
	for _, l := range raw[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if common < 0 || n < common {
			common = n
		}
	}
	var lines []string
	for i, l := range raw {
		l = strings.TrimRight(l, " ")
		if i > 0 && common > 0 && len(l) >= common {
			l = l[common:]
		}
		if i == 0 {
			l = strings.TrimLeft(l, " ")
		}
		lines = append(lines, wrapText(l, lineLength-len(indent)-6)...)
	}
	if len(lines) == 1 && len(indent)+6+len(lines[0]) <= lineLength {
		return []string{indent + `"""` + lines[0] + `"""`}
	}
	out := []string{indent + `"""` + lines[0]}
	for _, l := range lines[1:] {
		if l == "" {
			out = append(out, "")
		} else {
			out = append(out, indent+l)
		}
	}
	return append(out, indent+`"""`)
}

// wrapText breaks a line longer than width at spaces, keeping its
// leading spaces on each piece.
func wrapText(line string, width int) []string {
	if len(line) <= width {
		return []string{line}
	}
	lead := line[:len(line)-len(strings.TrimLeft(line, " "))]
	var out []string
	cur := lead
	for _, w := range strings.Fields(line) {
		switch {
		case cur == lead:
			cur += w
		case len(cur)+1+len(w) > width:
			out = append(out, cur)
			cur = lead + w
		default:
			cur += " " + w
		}
	}
	return append(out, cur)
}

// comment renders text as "# " lines at indent, broken to fit.
func comment(indent, text string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			out = append(out, indent+"#")
			continue
		}
		for _, w := range wrapText(l, lineLength-len(indent)-2) {
			out = append(out, indent+"# "+w)
		}
	}
	return out
}

// sentence joins a prefix and an optional text: "prefix: text." when the
// text is one short line, else the prefix alone as a sentence, then the
// text as a paragraph.
func sentence(prefix, text string, room int) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return prefix + "."
	}
	if !strings.Contains(text, "\n") && len(prefix)+2+len(text)+1 <= room {
		return prefix + ": " + withPeriod(text)
	}
	return prefix + ".\n\n" + text
}

func withPeriod(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// blackLine lays out one statement (indent + code) the way black splits a
// line that is too long: at its last bracket pair, the contents on one
// line between the opening and the closing line; contents still too long
// one element a line (a comma after each) or one operand a line (after
// "|"). A list or dict display, once split, always has one element a
// line. Code that cannot be split stays as it is.
func blackLine(indent, code string) []string {
	if len(indent)+len(code) <= lineLength {
		return []string{indent + code}
	}
	pairs := bracketPairs(code)
	if len(pairs) == 0 {
		return []string{indent + code}
	}
	// The last pair whose opening and closing lines fit, as black omits
	// trailing brackets to find one; else the last pair.
	open, close := pairs[len(pairs)-1][0], pairs[len(pairs)-1][1]
	for i := len(pairs) - 1; i >= 0; i-- {
		o, c := pairs[i][0], pairs[i][1]
		if len(indent)+o+1 <= lineLength && len(indent)+len(code)-c <= lineLength {
			open, close = o, c
			break
		}
	}
	if close == open+1 {
		return []string{indent + code}
	}
	head, body, tail := code[:open+1], code[open+1:close], code[close:]
	display := isDisplay(code, open)
	parts, sep := splitTop(body)
	if !display || len(parts) < 2 {
		if len(indent)+4+len(body) <= lineLength || len(parts) < 2 {
			lines := []string{indent + head}
			lines = append(lines, blackLine(indent+"    ", body)...)
			return append(lines, indent+tail)
		}
	}
	lines := []string{indent + head}
	for i, p := range parts {
		switch {
		case sep == ",":
			lines = append(lines, blackLine(indent+"    ", p+",")...)
		case i == 0:
			lines = append(lines, blackLine(indent+"    ", p)...)
		default:
			lines = append(lines, blackLine(indent+"    ", sep+" "+p)...)
		}
	}
	return append(lines, indent+tail)
}

// bracketPairs finds the top-level bracket pairs of code outside string
// literals, in order; none when the brackets do not balance.
func bracketPairs(code string) [][2]int {
	var stack []int
	var pairs [][2]int
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"', '\'':
			i = skipString(code, i)
		case '(', '[', '{':
			stack = append(stack, i)
		case ')', ']', '}':
			if len(stack) == 0 {
				return nil
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				pairs = append(pairs, [2]int{top, i})
			}
		}
	}
	return pairs
}

// skipString returns the index of the quote closing the string literal
// that starts at code[i].
func skipString(code string, i int) int {
	q := code[i]
	for j := i + 1; j < len(code); j++ {
		switch code[j] {
		case '\\':
			j++
		case q:
			return j
		}
	}
	return len(code) - 1
}

// isDisplay reports whether the bracket at code[open] starts a list, set
// or dict display rather than a call or a subscript.
func isDisplay(code string, open int) bool {
	if code[open] == '(' {
		return false
	}
	before := strings.TrimRight(code[:open], " ")
	if before == "" {
		return true
	}
	last := before[len(before)-1]
	return strings.IndexByte("=([{,:", last) >= 0
}

// splitTop splits s at its top-level commas, else at its top-level " | ",
// returning the parts and the separator ("" when s has neither).
func splitTop(s string) ([]string, string) {
	for _, sep := range []string{",", "|"} {
		var parts []string
		depth, start := 0, 0
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case '"', '\'':
				i = skipString(s, i)
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			default:
				if depth == 0 && c == sep[0] {
					parts = append(parts, strings.TrimSpace(s[start:i]))
					start = i + 1
				}
			}
		}
		if len(parts) > 0 {
			if last := strings.TrimSpace(s[start:]); last != "" {
				parts = append(parts, last)
			}
			return parts, sep
		}
	}
	return []string{s}, ""
}
