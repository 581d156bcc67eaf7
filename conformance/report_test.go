package conformance_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/conformance/chattest"
	goldenfile "github.com/chanxgo/chanx/internal/golden"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

// sampleReport is a fixed report with a pass, a skip and a failure.
func sampleReport() *conformance.Report {
	return &conformance.Report{
		Document: "examples/chat/asyncapi.yaml", URL: "ws://127.0.0.1:8000", Seed: 7, MaxExamples: 10, Duration: 1500000000,
		Results: []*conformance.Result{
			{Check: conformance.CheckHandshake, Channel: "chat", Status: conformance.Pass, Cases: 1},
			{Check: conformance.CheckReply, Channel: "chat", Operation: "handle_new_chat_message", Status: conformance.Skip, Reason: "the operation declares no reply"},
			{Check: conformance.CheckReply, Channel: "chat", Operation: "handle_ping", Status: conformance.Fail, Cases: 1,
				Reason: `no reply (pong) to {"action":"ping"} within 2s`,
				Failure: &conformance.Failure{
					Check: conformance.CheckReply, Channel: "chat", Operation: "handle_ping", Seed: 7,
					Message:  `no reply (pong) to {"action":"ping"} within 2s`,
					Case:     conformance.Case{Kind: "valid", Frame: json.RawMessage(`{"action":"ping"}`), Origin: "baseline", Path: "/ws/chat/lobby"},
					Original: json.RawMessage(`{"action":"ping","payload":null}`),
					Transcript: []conformance.Event{
						{Conn: "A", Kind: "dial", Data: "ws://127.0.0.1:8000/ws/chat/lobby"},
						{Conn: "A", Kind: "send", Data: `{"action":"ping"}`},
						{Conn: "A", Kind: "timeout", Note: "nothing more arrived in time"},
					},
				}},
		},
	}
}

func TestReportFormats(t *testing.T) {
	rep := sampleReport()
	var text, junit, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.txt", text.Bytes())
	golden(t, "report.junit.xml", junit.Bytes())
	golden(t, "report.json", js.Bytes())

	// --replay reads the failures back from the JSON report.
	fs, err := conformance.ReadFailures(js.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*conformance.Failure{rep.Results[2].Failure}, fs); diff != "" {
		t.Errorf("failures read back (-want +got):\n%s", diff)
	}
}

func TestReadFailuresRejectsOtherJSON(t *testing.T) {
	_, err := conformance.ReadFailures([]byte(`{"hello": 1}`))
	if err == nil || err.Error() != "read failures: neither a conformance report nor a failure" {
		t.Errorf("got %v", err)
	}
}

// TestSeedReproducesTheRun runs twice with one seed against one broken
// server: the same minimal frame, message and transcript come out.
func TestSeedReproducesTheRun(t *testing.T) {
	api := chatAPI(t)
	url := chattest.Start(t, chattest.ErrorOnValid)
	var runs [2]*conformance.Failure
	for i := range runs {
		rep, err := conformance.Check(t.Context(), api, url, fast...)
		if err != nil {
			t.Fatal(err)
		}
		res := rep.Result(conformance.CheckValidAccepted, "chat", "handle_new_chat_message")
		if res == nil || res.Failure == nil {
			t.Fatalf("run %d: valid-accepted did not fail", i)
		}
		runs[i] = res.Failure
	}
	if diff := cmp.Diff(runs[0], runs[1]); diff != "" {
		t.Errorf("two runs with one seed differ (-first +second):\n%s", diff)
	}
	// The failure shrank from the document's example to a minimal frame.
	if got, want := string(runs[0].Case.Frame), `{"action":"new_chat_message","payload":{"message":"a","name":"a"}}`; got != want {
		t.Errorf("shrunk frame %s, want %s", got, want)
	}
	if got, want := string(runs[0].Original), `{"action":"new_chat_message","payload":{"message":"Hello, room!","name":"Ada"}}`; got != want {
		t.Errorf("original frame %s, want %s", got, want)
	}
}

// TestReplay re-runs a recorded failure: it fails again against the broken
// server and passes against a fixed one.
func TestReplay(t *testing.T) {
	api := chatAPI(t)
	broken := chattest.Start(t, chattest.ErrorOnValid)
	rep, err := conformance.Check(t.Context(), api, broken, fast...)
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	fs, err := conformance.ReadFailures(js.Bytes())
	if err != nil || len(fs) != 1 {
		t.Fatalf("failures %v, %v", fs, err)
	}
	again, tr, err := conformance.Replay(t.Context(), api, broken, fs[0], fast...)
	if err != nil {
		t.Fatal(err)
	}
	if again == nil || !strings.Contains(again.Message, "was answered with an error") {
		t.Errorf("replay against the broken server: %v", again)
	}
	if len(tr) == 0 || tr[0].Kind != "dial" {
		t.Errorf("replay transcript %v", tr)
	}
	fixed := chattest.Start(t, chattest.NoBug)
	again, _, err = conformance.Replay(t.Context(), api, fixed, fs[0], fast...)
	if err != nil {
		t.Fatal(err)
	}
	if again != nil {
		t.Errorf("replay against the fixed server still fails: %s", again.Message)
	}
}

func TestUnusableInput(t *testing.T) {
	api := chatAPI(t)
	for _, tc := range []struct{ url, want string }{
		{"http//nohost", `conformance: url "http//nohost": want ws:// or wss://`},
		{"ws://", `conformance: url "ws://": no host`},
	} {
		if _, err := conformance.Check(t.Context(), api, tc.url); err == nil || err.Error() != tc.want {
			t.Errorf("Check(%q) = %v, want %s", tc.url, err, tc.want)
		}
	}
	empty := *api
	empty.Channels = nil
	if _, err := conformance.Check(t.Context(), &empty, "ws://127.0.0.1:1"); err == nil || err.Error() != "conformance: the document declares no channels" {
		t.Errorf("no channels: %v", err)
	}
}

func TestOnlySelectedChecksRun(t *testing.T) {
	url := chattest.Start(t, chattest.MissingReply)
	rep, err := conformance.Check(t.Context(), chatAPI(t), url, append(fast, conformance.WithChecks(conformance.CheckHandshake, conformance.CheckMalformed))...)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range rep.Results {
		want := conformance.Skip
		if res.Check == conformance.CheckHandshake || res.Check == conformance.CheckMalformed {
			want = conformance.Pass
		}
		if res.Status != want {
			t.Errorf("%s %s: %s (%s), want %s", res.Check, res.Where(), res.Status, res.Reason, want)
		}
	}
}
