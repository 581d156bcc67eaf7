package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// The Kraken document of the AsyncAPI examples is nothing like a Chanx
// one: several channels share the address "/", messages are told apart by
// "event", replies go to channels of their own and carry the request's
// reqid as correlation id, and there is no chanx error frame. These tests
// check the tester copes with such a document.

var krakenDoc = filepath.Join("..", "..", "shared", "corpus", "asyncapi-3.0.0-examples", "kraken-websocket-request-reply-multiple-channels-asyncapi.yml")

// krakenServer implements the Kraken document by hand, validating client
// frames with the document's own schemas compiled straight from the YAML
// (not through the ir the tester uses). Invalid input closes the
// connection with 1008, which the document's WebSocket world allows.
type krakenServer struct {
	schemas map[string]*jsonschema.Schema
	// dropReqid plants a bug: pong does not echo the request's reqid.
	dropReqid bool
}

func startKraken(t *testing.T, dropReqid bool) string {
	t.Helper()
	doc, err := spec.Load(context.Background(), krakenDoc, spec.Options{NoRemote: true})
	if err != nil {
		t.Skipf("the Kraken example is not at %s (it lives in the shared workspace corpus): %v", krakenDoc, err)
	}
	v, err := spec.Value(doc.Root.Node)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("urn:kraken.json", v); err != nil {
		t.Fatal(err)
	}
	s := &krakenServer{schemas: map[string]*jsonschema.Schema{}, dropReqid: dropReqid}
	for _, name := range []string{"ping", "subscribe", "unsubscribe"} {
		if s.schemas[name], err = c.Compile("urn:kraken.json#/components/schemas/" + name); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func (s *krakenServer) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	write := func(v any) error {
		b, _ := json.Marshal(v)
		return c.Write(ctx, websocket.MessageText, b)
	}
	if write(map[string]any{"event": "systemStatus", "connectionID": 1, "status": "online", "version": "1.8.0"}) != nil {
		return
	}
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var frame map[string]any
		if typ != websocket.MessageText || d.Decode(&frame) != nil || frame == nil {
			c.Close(websocket.StatusInvalidFramePayloadData, "want a JSON object")
			return
		}
		event, _ := frame["event"].(string)
		sch := s.schemas[event]
		if sch == nil {
			c.Close(websocket.StatusPolicyViolation, "unknown event")
			return
		}
		if err := sch.Validate(any(frame)); err != nil {
			c.Close(websocket.StatusPolicyViolation, "invalid "+event)
			return
		}
		reply := map[string]any{}
		if id, ok := frame["reqid"]; ok {
			reply["reqid"] = id
		}
		switch event {
		case "ping":
			reply["event"] = "pong"
			if s.dropReqid {
				delete(reply, "reqid")
			}
		default:
			name := "ticker"
			if sub, ok := frame["subscription"].(map[string]any); ok {
				name, _ = sub["name"].(string)
			}
			reply["event"] = "subscriptionStatus"
			reply["channelID"] = 10001
			reply["channelName"] = name
			reply["status"] = "online"
			reply["subscription"] = map[string]any{"name": name}
		}
		if write(reply) != nil {
			return
		}
	}
}

func krakenAPI(t *testing.T) *ir.API {
	t.Helper()
	doc, err := spec.Load(context.Background(), krakenDoc, spec.Options{NoRemote: true})
	if err != nil {
		t.Skipf("the Kraken example is not at %s: %v", krakenDoc, err)
	}
	api, diags := analyze.Build(context.Background(), doc)
	if diags.HasErrors() || api == nil {
		t.Fatalf("kraken document: %v", diags)
	}
	return api
}

func TestKrakenStyleDocument(t *testing.T) {
	url := startKraken(t, false)
	api := krakenAPI(t)
	rep, err := conformance.Check(t.Context(), api, url, conformance.WithSeed(5), conformance.WithTimeout(10*time.Second), conformance.WithQuiet(80*time.Millisecond), conformance.WithMaxExamples(6))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatalf("a correct Kraken server failed:\n%s", b.String())
	}
	// The requests with replies were judged, not skipped.
	for _, want := range []struct{ channel, op string }{{"ping", "receivePing"}, {"subscribe", "subscribe"}, {"unsubscribe", "unsubscribe"}} {
		if res := rep.Result(conformance.CheckReply, want.channel, want.op); res == nil || res.Status != conformance.Pass {
			t.Errorf("reply-received %s/%s: %+v", want.channel, want.op, res)
		}
	}
}

func TestKrakenCorrelationIDNotEchoed(t *testing.T) {
	url := startKraken(t, true)
	api := krakenAPI(t)
	rep, err := conformance.Check(t.Context(), api, url, conformance.WithSeed(5), conformance.WithTimeout(time.Second), conformance.WithQuiet(80*time.Millisecond), conformance.WithMaxExamples(6))
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.FailedChecks(); !slices.Equal(got, []string{conformance.CheckReply}) {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatalf("failed %v, want [reply-received]\n%s", got, b.String())
	}
	res := rep.Result(conformance.CheckReply, "ping", "receivePing")
	want := "the reply pong carries no correlation id at $message.payload#/reqid (the request had "
	if res == nil || res.Failure == nil || !strings.HasPrefix(res.Failure.Message, want) {
		t.Errorf("reply-received ping/receivePing: %+v, want a message starting %q", res, want)
	}
}
