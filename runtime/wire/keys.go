package wire

// CamelizeKeys rewrites every object key of a JSON frame from snake_case to
// camelCase (new_chat_message → newChatMessage), at every depth, leaving
// values alone; servers with camelCase keys on the wire apply it to each
// outgoing frame. A frame whose keys need no change is returned as is, so
// the common case allocates nothing. Invalid JSON is returned unchanged.
func CamelizeKeys(frame []byte) []byte { return rewriteKeys(frame, camelize, needsCamel) }

// SnakeizeKeys is the inverse of CamelizeKeys (newChatMessage →
// new_chat_message, HTTPStatus → http_status), applied to incoming frames.
func SnakeizeKeys(frame []byte) []byte { return rewriteKeys(frame, snakeize, needsSnake) }

// rewriteKeys copies frame, passing each object key without escapes
// through conv when need reports it would change.
func rewriteKeys(frame []byte, conv func(dst, key []byte) []byte, need func([]byte) bool) []byte {
	var out []byte // nil until the first key changes
	copied := 0    // frame[:copied] is already in out
	var stack [DefaultMaxDepth]bool
	depth := 0 // stack[depth-1] is true inside an object
	expectKey := false
	for i := 0; i < len(frame); i++ {
		switch c := frame[i]; c {
		case '{':
			if depth == len(stack) {
				return frame
			}
			stack[depth] = true
			depth++
			expectKey = true
		case '[':
			if depth == len(stack) {
				return frame
			}
			stack[depth] = false
			depth++
			expectKey = false
		case '}', ']':
			if depth == 0 {
				return frame
			}
			depth--
			expectKey = false
		case ',':
			expectKey = depth > 0 && stack[depth-1]
		case '"':
			end, esc, ok := scanString(frame, i)
			if !ok {
				return frame
			}
			if expectKey && !esc && need(frame[i+1:end]) {
				if out == nil {
					out = make([]byte, 0, len(frame)+len(frame)/8)
				}
				out = append(out, frame[copied:i+1]...)
				out = conv(out, frame[i+1:end])
				copied = end
			}
			expectKey = false
			i = end
		}
	}
	if out == nil {
		return frame
	}
	return append(out, frame[copied:]...)
}

func isSep(c byte) bool { return c == '_' || c == '-' }

func needsCamel(k []byte) bool {
	for i := 1; i < len(k); i++ {
		if isSep(k[i]) && !isSep(k[i-1]) {
			return true
		}
	}
	return false
}

// camelize drops each run of separators that follows a word and upper-cases
// the letter after it; leading and trailing separators stay.
func camelize(dst, k []byte) []byte {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if isSep(c) && i > 0 && !isSep(k[i-1]) {
			j := i
			for j < len(k) && isSep(k[j]) {
				j++
			}
			if j < len(k) {
				n := k[j]
				if 'a' <= n && n <= 'z' {
					n -= 'a' - 'A'
				}
				dst = append(dst, n)
				i = j
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func needsSnake(k []byte) bool {
	for _, c := range k {
		if isUpper(c) {
			return true
		}
	}
	return false
}

// snakeize puts an underscore where a lower-case letter or digit meets an
// upper-case one, and before the last capital of an acronym that starts a
// word (HTTPStatus → http_status), then lower-cases everything.
func snakeize(dst, k []byte) []byte {
	for i, c := range k {
		if isUpper(c) {
			if i > 0 && (isLower(k[i-1]) || isUpper(k[i-1]) && i+1 < len(k) && 'a' <= k[i+1] && k[i+1] <= 'z') {
				dst = append(dst, '_')
			}
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
