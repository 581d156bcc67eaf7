package goapi

import (
	"path/filepath"
	"testing"
)

// addStreamLoopback adds to files the server and client packages of
// testdata/assistant.yaml and a test (streamLoopbackTest) that drives
// one with the other: a reply streamed token by token through the
// generated sender and read through the generated client's iterator, and
// the cancel operation stopping it mid-stream.
func addStreamLoopback(t *testing.T, files map[string][]byte) {
	t.Helper()
	api := load(t, filepath.Join("testdata", "assistant.yaml"))
	addSides(t, files, api, "assistant.yaml", "loop", "assistantapi", "assistantclient")
	files["loop/stream_test.go"] = []byte(streamLoopbackTest)
}

const streamLoopbackTest = `package loop

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"

	"chanxgen.test/loop/assistantapi"
	"chanxgen.test/loop/assistantclient"
)

// assistant answers "short" with five tokens and streams "long" until it
// is stopped.
type assistant struct {
	assistantapi.UnimplementedAssistantHandler
}

func (assistant) Ask(ctx context.Context, c assistantapi.AssistantConn, msg *assistantapi.Ask, out assistantapi.AssistantAskStream) (*assistantapi.Answer, error) {
	id := msg.Payload.RequestID
	var text strings.Builder
	for i := 0; msg.Payload.Question == "long" || i < 5; i++ {
		tok := fmt.Sprintf("t%d ", i)
		if err := out.Send(ctx, &assistantapi.Token{Payload: assistantapi.TokenPayload{RequestID: id, Text: tok}}); err != nil {
			if errors.Is(context.Cause(ctx), server.ErrCanceled) {
				break // stopped: the answer says so
			}
			return nil, err
		}
		text.WriteString(tok)
		if msg.Payload.Question == "long" {
			time.Sleep(time.Millisecond) // a model producing tokens
		}
	}
	stopped := errors.Is(context.Cause(ctx), server.ErrCanceled)
	return &assistantapi.Answer{Payload: assistantapi.AnswerPayload{RequestID: id, Text: text.String(), Stopped: stopped}}, nil
}

func assistantClient(t *testing.T) *assistantclient.AssistantClient {
	t.Helper()
	srv := server.New(server.Options{})
	if _, err := assistantapi.MountAssistant(srv, assistant{}, server.ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	c, err := assistantclient.NewAssistantClient("ws"+strings.TrimPrefix(hs.URL, "http"), assistantclient.AssistantParams{}, assistantclient.AssistantHandlers{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func ask(id, question string) *assistantclient.Ask {
	return &assistantclient.Ask{Payload: assistantclient.AskPayload{RequestID: id, Question: question}}
}

// TestStreamedAnswer: every token arrives, in order, through Partials,
// then the final answer through Final.
func TestStreamedAnswer(t *testing.T) {
	c := assistantClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.StreamAsk(ctx, ask("r1", "short"))
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for tok, err := range s.Partials() {
		if err != nil {
			t.Fatal(err)
		}
		if tok.Payload.RequestID != "r1" {
			t.Errorf("token for %q", tok.Payload.RequestID)
		}
		got.WriteString(tok.Payload.Text)
	}
	answer, err := s.Final()
	if err != nil {
		t.Fatal(err)
	}
	if want := "t0 t1 t2 t3 t4 "; got.String() != want || answer.Payload.Text != want || answer.Payload.Stopped {
		t.Errorf("tokens %q, answer %+v; want %q, not stopped", got.String(), answer.Payload, want)
	}
	// Final alone, the partials skipped, on the same connection.
	s, err = c.StreamAsk(ctx, ask("r2", "short"))
	if err != nil {
		t.Fatal(err)
	}
	if answer, err := s.Final(); err != nil || answer.Payload.RequestID != "r2" {
		t.Errorf("Final alone: %+v, %v", answer, err)
	}
}

// TestStopGenerating: the cancel operation's message stops the running
// stream; the handler's context says why, and its answer ends the stream.
func TestStopGenerating(t *testing.T) {
	c := assistantClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.StreamAsk(ctx, ask("r1", "long"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range s.Partials() {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			stop := &assistantclient.StopGenerating{Payload: assistantclient.StopGeneratingPayload{RequestID: "r1"}}
			if err := c.SendStopGenerating(ctx, stop); err != nil {
				t.Fatal(err)
			}
		}
	}
	answer, err := s.Final()
	if err != nil {
		t.Fatal(err)
	}
	if !answer.Payload.Stopped || n < 3 {
		t.Errorf("after %d tokens: answer %+v, want stopped", n, answer.Payload)
	}
	// The connection goes on.
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping after the stop: %v", err)
	}
}

// TestStreamError: an invalid request ends the stream with the server's
// error frame.
func TestStreamError(t *testing.T) {
	c := assistantClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.StreamAsk(ctx, ask("r1", ""))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Final()
	var se *client.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("Final: %v, want a *client.ServerError", err)
	}
}
`
