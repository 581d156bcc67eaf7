package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Status is a check's verdict.
type Status string

const (
	// Pass: the check was judged at least once and never failed.
	Pass Status = "pass"
	// Fail: some case broke the check; Result.Failure holds the evidence.
	Fail Status = "fail"
	// Skip: the check does not apply (Result.Reason says why) or was not
	// selected.
	Skip Status = "skip"
)

// Report is the outcome of a run: one Result per check and channel (or
// operation), in check order, so that CI can diff and archive it.
type Report struct {
	Document    string `json:"document,omitempty"`
	URL         string `json:"url"`
	Seed        uint64 `json:"seed"`
	MaxExamples int    `json:"max_examples"`
	// Unsupported says why the server or the document is not one chanx
	// tests (it speaks Socket.IO, its messages are msgpack…); every check
	// is skipped then, and the command exits 3.
	Unsupported string `json:"unsupported,omitempty"`
	// ServerDown names the root cause when the server stopped accepting
	// connections mid-run: the last frame it was sent. The handshake
	// check fails with it once; checks left are skipped as not run.
	ServerDown string        `json:"server_down,omitempty"`
	Results    []*Result     `json:"results"`
	Duration   time.Duration `json:"duration_ns"`
}

// Result is one check on one channel (and operation, for the checks that
// are about operations).
type Result struct {
	Check     string `json:"check"`
	Channel   string `json:"channel"`
	Operation string `json:"operation,omitempty"`
	Status    Status `json:"status"`
	// Reason says why a check was skipped, or what failed.
	Reason string `json:"reason,omitempty"`
	// Cases is how many times the check was judged.
	Cases int `json:"cases"`
	// Note qualifies a pass: "rejected, reason unverified" when the
	// server's rejections could not be tied to the rule each frame broke.
	Note    string   `json:"note,omitempty"`
	Failure *Failure `json:"failure,omitempty"`
	// Convention: the check holds the server to the chanx protocol's
	// convention, not to something the document says.
	Convention bool `json:"convention,omitempty"`

	unverified    int
	unverifiedWhy string
}

// Failure is the evidence of a failed check: the minimal case that still
// fails it and everything sent and received while it ran. Replay re-runs
// it.
type Failure struct {
	Check     string `json:"check"`
	Channel   string `json:"channel"`
	Operation string `json:"operation,omitempty"`
	Message   string `json:"message"`
	Seed      uint64 `json:"seed"`
	Case      Case   `json:"case"`
	// Original is the frame as first found failing, before shrinking;
	// empty when it did not shrink.
	Original json.RawMessage `json:"original,omitempty"`
	// OrderDependent: the case passed when run again alone, so the
	// failure depends on the cases before it (a stateful server).
	OrderDependent bool    `json:"order_dependent,omitempty"`
	Transcript     []Event `json:"transcript"`
}

// Case is one thing the tester does to a server, enough to do it again.
type Case struct {
	// Kind is valid, invalid, malformed, isolation, handshake, probe or
	// connect (what the server sent unprompted while the tester learnt it).
	Kind string `json:"kind"`
	// Frame is the JSON frame sent (valid and invalid cases, and the
	// JSON malformed ones).
	Frame json.RawMessage `json:"frame,omitempty"`
	// Malformed names the malformed input: not-json, empty, binary,
	// oversize, not-object, unknown-discriminator.
	Malformed string `json:"malformed,omitempty"`
	// Raw is the text sent for a malformed frame that is not JSON.
	Raw string `json:"raw,omitempty"`
	// Size is the oversize frame's length in bytes.
	Size int `json:"size,omitempty"`
	// Origin says how the frame was made (example, boundary, mutation…).
	Origin string `json:"origin,omitempty"`
	// Path is the channel path the case connected to.
	Path string `json:"path"`
}

// Event is one line of a transcript.
type Event struct {
	// Conn names the connection: A is the tester's main one, B an observer
	// on the same channel, C a fresh one opened to check recovery.
	Conn string `json:"conn"`
	// Kind is dial, send, recv, closed or timeout.
	Kind   string `json:"kind"`
	Binary bool   `json:"binary,omitempty"`
	Data   string `json:"data,omitempty"`
	// Size is set instead of Data for frames too long to keep.
	Size int    `json:"size,omitempty"`
	Code int    `json:"code,omitempty"`
	Note string `json:"note,omitempty"`
}

func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-7s", e.Conn, e.Kind)
	if e.Binary {
		b.WriteString(" [binary]")
	}
	if e.Data != "" {
		b.WriteString(" " + e.Data)
	}
	if e.Size > 0 {
		fmt.Fprintf(&b, " [%d bytes]", e.Size)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " code %d", e.Code)
	}
	if e.Note != "" {
		b.WriteString(" (" + e.Note + ")")
	}
	return b.String()
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	for _, res := range r.Results {
		if res.Status == Fail {
			return true
		}
	}
	return false
}

// Counts returns how many results passed, failed and were skipped.
func (r *Report) Counts() (pass, fail, skip int) {
	for _, res := range r.Results {
		switch res.Status {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			skip++
		}
	}
	return
}

// Result returns the result of check on channel and operation, or nil.
func (r *Report) Result(check, channel, operation string) *Result {
	for _, res := range r.Results {
		if res.Check == check && res.Channel == channel && res.Operation == operation {
			return res
		}
	}
	return nil
}

// FailedChecks returns the ids of the failed checks, each once, in check
// order.
func (r *Report) FailedChecks() []string {
	seen := map[string]bool{}
	var out []string
	for _, res := range r.Results {
		if res.Status == Fail && !seen[res.Check] {
			seen[res.Check] = true
			out = append(out, res.Check)
		}
	}
	return out
}

func (r *Report) sort() {
	sort.SliceStable(r.Results, func(i, j int) bool {
		a, b := r.Results[i], r.Results[j]
		if ai, bi := checkIndex(a.Check), checkIndex(b.Check); ai != bi {
			return ai < bi
		}
		if a.Channel != b.Channel {
			return a.Channel < b.Channel
		}
		return a.Operation < b.Operation
	})
}

// Where names the result's channel and operation: chat or chat/handle_ping.
func (res *Result) Where() string {
	if res.Operation == "" {
		return res.Channel
	}
	return res.Channel + "/" + res.Operation
}

// WriteText writes the report for a person: a line per result, then each
// failure with its transcript.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Unsupported != "" {
		fmt.Fprintf(&b, "UNSUPPORTED: %s\n", r.Unsupported)
	}
	if r.ServerDown != "" {
		fmt.Fprintf(&b, "SERVER DOWN: %s\n", r.ServerDown)
	}
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%-4s %-26s %s", strings.ToUpper(string(res.Status)), res.Check, res.Where())
		if res.Reason != "" {
			fmt.Fprintf(&b, ": %s", res.Reason)
		}
		if res.Note != "" {
			fmt.Fprintf(&b, " (%s)", res.Note)
		}
		b.WriteByte('\n')
	}
	for _, res := range r.Results {
		f := res.Failure
		if f == nil {
			continue
		}
		fmt.Fprintf(&b, "\n--- FAIL %s %s (seed %d)\n%s\n", f.Check, res.Where(), f.Seed, f.Message)
		if len(f.Case.Frame) > 0 {
			fmt.Fprintf(&b, "frame: %s\n", f.Case.Frame)
		}
		if len(f.Original) > 0 {
			fmt.Fprintf(&b, "shrunk from: %s\n", f.Original)
		}
		b.WriteString("transcript:\n")
		for _, e := range f.Transcript {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	pass, fail, skip := r.Counts()
	fmt.Fprintf(&b, "\n%d passed, %d failed, %d skipped (seed %d, %s)\n", pass, fail, skip, r.Seed, r.Duration.Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON; --replay reads it back.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the report as JUnit XML: a test suite per check, a
// test case per channel or operation.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{Name: "chanx conformance", Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
	index := map[string]int{}
	for _, res := range r.Results {
		i, ok := index[res.Check]
		if !ok {
			i = len(out.Suites)
			index[res.Check] = i
			out.Suites = append(out.Suites, junitSuite{Name: res.Check})
		}
		s := &out.Suites[i]
		c := junitCase{Name: res.Where(), Classname: "conformance." + res.Check}
		if res.Convention {
			// Convention checks are told apart in CI: their class ends in
			// ".convention" and their failures say so.
			c.Classname += ".convention"
		}
		switch res.Status {
		case Fail:
			body := ""
			if f := res.Failure; f != nil {
				var b strings.Builder
				fmt.Fprintf(&b, "seed %d\n", f.Seed)
				if len(f.Case.Frame) > 0 {
					fmt.Fprintf(&b, "frame: %s\n", f.Case.Frame)
				}
				for _, e := range f.Transcript {
					fmt.Fprintf(&b, "%s\n", e)
				}
				body = b.String()
			}
			msg := res.Reason
			if res.Convention {
				msg = "[convention] " + msg
			}
			c.Failure = &junitFailure{Message: msg, Body: body}
			s.Failures++
			out.Failures++
		case Skip:
			c.Skipped = &junitSkipped{Message: res.Reason}
			s.Skipped++
			out.Skipped++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
