package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// Pos is a source position; see ir.Pos.
type Pos = ir.Pos

// Severity says whether a diagnostic stops the document from being used.
type Severity int

const (
	// Error: the document cannot be used as it is.
	Error Severity = iota
	// Warning: the document is usable; something in it is ignored or
	// doubtful.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in a document, at the position of the
// node it is about.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	// Pointer is the JSON pointer of the node within its file ("" for the
	// whole file).
	Pointer string
	Message string
}

// String renders the diagnostic as `file:line:col: message (at /pointer)`,
// with "warning: " before the message for warnings.
func (d Diagnostic) String() string {
	var b strings.Builder
	if p := d.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	if d.Pointer != "" {
		b.WriteString(" (at ")
		b.WriteString(d.Pointer)
		b.WriteString(")")
	}
	return b.String()
}

// Diagnostics is a list of problems; Sort orders them by file, line, column.
type Diagnostics []Diagnostic

// Sort orders the diagnostics by position, then message, and drops exact
// duplicates.
func (ds *Diagnostics) Sort() {
	s := *ds
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Message < b.Message
	})
	out := s[:0]
	for i, d := range s {
		if i > 0 && d == s[i-1] {
			continue
		}
		out = append(out, d)
	}
	*ds = out
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns the error diagnostics only.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Err returns the diagnostics as an error when any is an error, else nil.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return &DiagnosticsError{Diagnostics: ds}
}

// DiagnosticsError carries every diagnostic of a failed load or validation.
type DiagnosticsError struct {
	Diagnostics Diagnostics
}

func (e *DiagnosticsError) Error() string {
	lines := make([]string, 0, len(e.Diagnostics))
	for _, d := range e.Diagnostics {
		lines = append(lines, d.String())
	}
	return strings.Join(lines, "\n")
}

// errorAt is a shorthand for an error diagnostic.
func errorAt(pos Pos, pointer, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: pos, Pointer: pointer, Severity: Error, Message: fmt.Sprintf(format, args...)}
}
