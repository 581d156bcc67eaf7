package goapi

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
)

// realworld are the documents of spec/analyze/testdata/realworld, each
// reproducing a pattern of published AsyncAPI documents that chanx once
// refused or served wrongly (issue #16), with the package names their
// generated server and client get and the test run against them.
var realworld = []struct {
	doc, server, client, test string
}{
	{"shared-address.yaml", "marketapi", "marketclient", sharedAddressTest},
	{"members.yaml", "lobbyapi", "lobbyclient", membersTest},
	{"enum.yaml", "arenaapi", "arenaclient", enumTest},
	{"schema-order.yaml", "gaugeapi", "gaugeclient", schemaOrderTest},
	{"client-perspective.yaml", "tableapi", "tableclient", perspectiveTest},
}

// TestRealWorldPatterns generates the server and the client of every
// realworld document into one module and drives each pair over loopback.
func TestRealWorldPatterns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	files := map[string][]byte{}
	for _, rw := range realworld {
		api := load(t, filepath.Join("..", "..", "spec", "analyze", "testdata", "realworld", rw.doc))
		dir := "rw/" + strings.TrimSuffix(rw.doc, ".yaml")
		addSides(t, files, api, rw.doc, dir, rw.server, rw.client)
		files[dir+"/rw_test.go"] = []byte(rw.test)
	}
	dir, _ := gentest.BuildModule(t, files, "vet", "./rw/...")
	cmd := exec.Command("go", "test", "-count=1", "./rw/...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("generated servers and clients over loopback: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// sharedAddressTest: ticker, depth and trades share /v1/realtime (written
// as an absolute wss:// URL). One mount function serves the three; each
// channel's client dials the path joined with the test server's URL and
// gets the reply of its own channel's handler; a frame naming no channel
// gets the Chanx error frame, written under the channels' key.
const sharedAddressTest = `package rw

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"

	api "chanxgen.test/rw/shared-address/marketapi"
	cli "chanxgen.test/rw/shared-address/marketclient"
)

type ticker struct{ api.UnimplementedTickerHandler }

func (ticker) SubscribeTicker(ctx context.Context, c api.TickerConn, msg *api.TickerSubscribeRequest) (*api.TickerUpdate, error) {
	return &api.TickerUpdate{Channel: "ticker", Symbol: msg.Symbol, Last: 1.5}, nil
}

type depth struct{ api.UnimplementedDepthHandler }

func (depth) SubscribeDepth(ctx context.Context, c api.DepthConn, msg *api.DepthSubscribeRequest) (*api.DepthUpdate, error) {
	return &api.DepthUpdate{Channel: "depth", Symbol: msg.Symbol, Bids: []float64{1, 2}}, nil
}

type trades struct{ api.UnimplementedTradesHandler }

func (trades) SubscribeTrades(ctx context.Context, c api.TradesConn, msg *api.TradesSubscribeRequest) (*api.TradesUpdate, error) {
	return &api.TradesUpdate{Channel: "trades", Symbol: msg.Symbol, Price: 3}, nil
}

func TestSharedAddress(t *testing.T) {
	if api.TickerAddress != "/v1/realtime" {
		t.Fatalf("address %q, want the path of the absolute URL", api.TickerAddress)
	}
	srv := server.New(server.Options{})
	if _, err := api.MountDepthTickerTrades(srv, depth{}, ticker{}, trades{}, server.ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.MountTicker(srv, ticker{}, server.ChannelOptions{}); err == nil {
		t.Error("mounting one of the channels again on its address succeeded")
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tc, err := cli.NewTickerClient(ts.URL, cli.TickerParams{}, cli.TickerHandlers{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(ts.URL, "http://", "ws://", 1) + "/v1/realtime"; tc.URL() != want {
		t.Errorf("client URL %s, want %s", tc.URL(), want)
	}
	if err := tc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer tc.Close(context.Background())
	tu, err := tc.RequestTickerSubscribeRequest(ctx, &cli.TickerSubscribeRequest{Method: "subscribe", Channel: "ticker", Symbol: "BTC-USD"})
	if err != nil || tu.Last != 1.5 || tu.Symbol != "BTC-USD" {
		t.Errorf("ticker: %+v, %v", tu, err)
	}

	dc, err := cli.NewDepthClient(ts.URL, cli.DepthParams{}, cli.DepthHandlers{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := dc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer dc.Close(context.Background())
	du, err := dc.RequestDepthSubscribeRequest(ctx, &cli.DepthSubscribeRequest{Method: "subscribe", Channel: "depth", Symbol: "ETH-USD"})
	if err != nil || len(du.Bids) != 2 {
		t.Errorf("depth: %+v, %v", du, err)
	}

	errs := make(chan *client.ServerError, 1)
	xc, err := cli.NewTradesClient(ts.URL, cli.TradesParams{}, cli.TradesHandlers{}, &client.Options{Hooks: client.Hooks{
		OnError: func(ctx context.Context, err *client.ServerError) { errs <- err },
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := xc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer xc.Close(context.Background())
	xu, err := xc.RequestTradesSubscribeRequest(ctx, &cli.TradesSubscribeRequest{Method: "subscribe", Channel: "trades", Symbol: "SOL-USD"})
	if err != nil || xu.Price != 3 {
		t.Errorf("trades: %+v, %v", xu, err)
	}
	if err := xc.SendText(ctx, []byte(` + "`" + `{"method":"subscribe","channel":"candles","symbol":"X"}` + "`" + `)); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-errs:
		if !strings.Contains(fmt.Sprint(e.Problems), "candles") {
			t.Errorf("error frame %v does not name the unknown channel", e)
		}
	case <-ctx.Done():
		t.Fatal("no error frame for a frame naming no channel")
	}
}
`

// realworldHelpers is shared by the strategy tests: a served test server,
// waiting for what a handler saw, and a client hook collecting error
// frames.
const realworldHelpers = `
func serve(t *testing.T, mount func(*server.Server) error) string {
	t.Helper()
	srv := server.New(server.Options{})
	if err := mount(srv); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

func next[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
		var zero T
		return zero
	}
}

func errorsHook(errs chan *client.ServerError) *client.Options {
	return &client.Options{Hooks: client.Hooks{
		OnError: func(ctx context.Context, err *client.ServerError) { errs <- err },
	}}
}
`

// membersTest: the lobby's messages are told apart by the members they
// require, both ways. Every message the client sends reaches its own
// server handler (typed sends and a raw frame alike), every message the
// server sends reaches its own client handler, a frame with none of the
// members gets the Chanx error frame naming them, a frame routed by its
// member but invalid gets its validation problem, and the built-in ping
// still answers.
const membersTest = `package rw

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"

	api "chanxgen.test/rw/members/lobbyapi"
	cli "chanxgen.test/rw/members/lobbyclient"
)
` + realworldHelpers + `
type lobby struct{ got chan string }

func (l lobby) CreateRoom(ctx context.Context, c api.LobbyConn, msg *api.CreateRoom) (*api.RoomCreated, error) {
	l.got <- "createRoom " + msg.Name
	return &api.RoomCreated{RoomID: "r-" + msg.Name, Created: 7}, nil
}

func (l lobby) JoinRoom(ctx context.Context, c api.LobbyConn, msg *api.JoinRoom) (*api.Joined, error) {
	l.got <- "joinRoom " + msg.RoomID + " " + msg.Nick
	return &api.Joined{Joined: msg.RoomID}, nil
}

func (l lobby) Chat(ctx context.Context, c api.LobbyConn, msg *api.Chat) error {
	l.got <- "chat " + msg.Text
	return c.SendSaid(ctx, &api.Said{From: "server", Line: msg.Text})
}

func TestMembers(t *testing.T) {
	h := lobby{got: make(chan string, 16)}
	base := serve(t, func(srv *server.Server) error {
		_, err := api.MountLobby(srv, h, server.ChannelOptions{})
		return err
	})
	got := make(chan string, 16)
	errs := make(chan *client.ServerError, 16)
	c, err := cli.NewLobbyClient(base, cli.LobbyParams{}, cli.LobbyHandlers{
		OnRoomCreated: func(ctx context.Context, msg *cli.RoomCreated) error {
			got <- fmt.Sprint("roomCreated ", msg.RoomID, " ", msg.Created)
			return nil
		},
		OnJoined: func(ctx context.Context, msg *cli.Joined) error { got <- "joined " + msg.Joined; return nil },
		OnSaid:   func(ctx context.Context, msg *cli.Said) error { got <- "said " + msg.From + " " + msg.Line; return nil },
	}, errorsHook(errs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())

	for _, step := range []struct {
		send           func() error
		server, client string
	}{
		{func() error { return c.SendCreateRoom(ctx, &cli.CreateRoom{Name: "blue"}) }, "createRoom blue", "roomCreated r-blue 7"},
		{func() error { return c.SendJoinRoom(ctx, &cli.JoinRoom{RoomID: "r-blue", Nick: "ann"}) }, "joinRoom r-blue ann", "joined r-blue"},
		{func() error { return c.SendChat(ctx, &cli.Chat{Text: "hello"}) }, "chat hello", "said server hello"},
		// A chat naming its room: chat declares roomId too, so only nick
		// names joinRoom.
		{func() error { return c.SendText(ctx, []byte(` + "`" + `{"roomId":"r-blue","text":"again"}` + "`" + `)) }, "chat again", "said server again"},
	} {
		if err := step.send(); err != nil {
			t.Fatal(err)
		}
		if s := next(t, h.got, step.server); s != step.server {
			t.Errorf("server handler got %q, want %q", s, step.server)
		}
		if s := next(t, got, step.client); s != step.client {
			t.Errorf("client handler got %q, want %q", s, step.client)
		}
	}

	if err := c.SendText(ctx, []byte(` + "`" + `{"colour":"red"}` + "`" + `)); err != nil {
		t.Fatal(err)
	}
	e := next(t, errs, "error frame for a frame with none of the members")
	if len(e.Problems) != 1 || e.Problems[0].Type != "union_tag_not_found" || !strings.Contains(e.Problems[0].Msg, "'name', 'nick', 'text'") {
		t.Errorf("error frame %+v", e.Problems)
	}
	if err := c.SendText(ctx, []byte(` + "`" + `{"name":""}` + "`" + `)); err != nil {
		t.Fatal(err)
	}
	e = next(t, errs, "error frame for an invalid createRoom")
	if len(e.Problems) != 1 || fmt.Sprint(e.Problems[0].Loc) != "[name]" {
		t.Errorf("error frame %+v", e.Problems)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
}
`

// enumTest: messages told apart by enum values, both ways: each value of
// each enum reaches its own handler, a value no enum holds gets the error
// frame.
const enumTest = `package rw

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"

	api "chanxgen.test/rw/enum/arenaapi"
	cli "chanxgen.test/rw/enum/arenaclient"
)
` + realworldHelpers + `
type arena struct{ got chan string }

func (a arena) Move(ctx context.Context, c api.ArenaConn, msg *api.Move) (*api.Moved, error) {
	a.got <- "move " + string(msg.Type)
	if msg.Type == api.MoveTypeLeft {
		return &api.Moved{Type: api.MovedTypeBlocked}, nil
	}
	return &api.Moved{Type: api.MovedTypeMoved}, nil
}

func (a arena) Say(ctx context.Context, c api.ArenaConn, msg *api.Say) (*api.Heard, error) {
	a.got <- "say " + string(msg.Type) + " " + msg.Text
	return &api.Heard{Type: "heard", Text: msg.Text}, nil
}

func TestEnum(t *testing.T) {
	h := arena{got: make(chan string, 16)}
	base := serve(t, func(srv *server.Server) error {
		_, err := api.MountArena(srv, h, server.ChannelOptions{})
		return err
	})
	got := make(chan string, 16)
	errs := make(chan *client.ServerError, 16)
	c, err := cli.NewArenaClient(base, cli.ArenaParams{Player: "p1"}, cli.ArenaHandlers{
		OnMoved: func(ctx context.Context, msg *cli.Moved) error { got <- "moved " + string(msg.Type); return nil },
		OnHeard: func(ctx context.Context, msg *cli.Heard) error { got <- "heard " + msg.Text; return nil },
	}, errorsHook(errs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())

	for _, step := range []struct{ frame, server, client string }{
		{` + "`" + `{"type":"up"}` + "`" + `, "move up", "moved moved"},
		{` + "`" + `{"type":"down","steps":2}` + "`" + `, "move down", "moved moved"},
		{` + "`" + `{"type":"left"}` + "`" + `, "move left", "moved blocked"},
		{` + "`" + `{"type":"right"}` + "`" + `, "move right", "moved moved"},
		{` + "`" + `{"type":"say","text":"hi"}` + "`" + `, "say say hi", "heard hi"},
		{` + "`" + `{"type":"shout","text":"HI"}` + "`" + `, "say shout HI", "heard HI"},
	} {
		if err := c.SendText(ctx, []byte(step.frame)); err != nil {
			t.Fatal(err)
		}
		if s := next(t, h.got, step.server); s != step.server {
			t.Errorf("%s: server handler got %q, want %q", step.frame, s, step.server)
		}
		if s := next(t, got, step.client); s != step.client {
			t.Errorf("%s: client handler got %q, want %q", step.frame, s, step.client)
		}
	}
	if err := c.SendText(ctx, []byte(` + "`" + `{"type":"jump"}` + "`" + `)); err != nil {
		t.Fatal(err)
	}
	e := next(t, errs, "error frame for a value no enum holds")
	if len(e.Problems) != 1 || e.Problems[0].Type != "union_tag_invalid" || !strings.Contains(e.Problems[0].Msg, "'jump'") {
		t.Errorf("error frame %+v", e.Problems)
	}
}
`

// schemaOrderTest: messages nothing on the wire names, told apart by
// schema in declared order, both ways: a number value is a reading, a
// string one a label (and a number level a level, a string one a status);
// a frame valid as neither gets the error frame with each message's
// problems under its name.
const schemaOrderTest = `package rw

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"

	api "chanxgen.test/rw/schema-order/gaugeapi"
	cli "chanxgen.test/rw/schema-order/gaugeclient"
)
` + realworldHelpers + `
type gauge struct{ got chan string }

func (g gauge) ReportReading(ctx context.Context, c api.GaugeConn, msg *api.Reading) error {
	g.got <- fmt.Sprint("reading ", msg.Value)
	return c.SendLevel(ctx, &api.Level{Level: int64(msg.Value)})
}

func (g gauge) ReportLabel(ctx context.Context, c api.GaugeConn, msg *api.Label) error {
	g.got <- "label " + msg.Value
	return c.SendStatus(ctx, &api.Status{Level: msg.Value})
}

func TestSchemaOrder(t *testing.T) {
	h := gauge{got: make(chan string, 16)}
	base := serve(t, func(srv *server.Server) error {
		_, err := api.MountGauge(srv, h, server.ChannelOptions{})
		return err
	})
	got := make(chan string, 16)
	errs := make(chan *client.ServerError, 16)
	c, err := cli.NewGaugeClient(base, cli.GaugeParams{}, cli.GaugeHandlers{
		OnLevel:  func(ctx context.Context, msg *cli.Level) error { got <- fmt.Sprint("level ", msg.Level); return nil },
		OnStatus: func(ctx context.Context, msg *cli.Status) error { got <- "status " + msg.Level; return nil },
	}, errorsHook(errs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())

	for _, step := range []struct {
		send           func() error
		server, client string
	}{
		{func() error { return c.SendReading(ctx, &cli.Reading{Value: 3.5}) }, "reading 3.5", "level 3"},
		{func() error { return c.SendLabel(ctx, &cli.Label{Value: "high"}) }, "label high", "status high"},
	} {
		if err := step.send(); err != nil {
			t.Fatal(err)
		}
		if s := next(t, h.got, step.server); s != step.server {
			t.Errorf("server handler got %q, want %q", s, step.server)
		}
		if s := next(t, got, step.client); s != step.client {
			t.Errorf("client handler got %q, want %q", s, step.client)
		}
	}
	if err := c.SendText(ctx, []byte(` + "`" + `{"value":true}` + "`" + `)); err != nil {
		t.Fatal(err)
	}
	e := next(t, errs, "error frame for a frame valid as no message")
	var locs []string
	for _, p := range e.Problems {
		locs = append(locs, fmt.Sprint(p.Loc))
	}
	if got := strings.Join(locs, " "); got != "[reading value] [label value]" {
		t.Errorf("error frame problems at %s, want each message's under its name: %+v", got, e.Problems)
	}
}
`

// perspectiveTest: a document written from the client's side
// (x-chanx-perspective: client) gives a server that receives what the
// document's client sends, not the inverse.
const perspectiveTest = `package rw

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/server"

	api "chanxgen.test/rw/client-perspective/tableapi"
	cli "chanxgen.test/rw/client-perspective/tableclient"
)

type table struct{ api.UnimplementedTableHandler }

func (table) Join(ctx context.Context, c api.TableConn, msg *api.Join) (*api.Joined, error) {
	return &api.Joined{Action: "joined"}, nil
}

func TestClientPerspective(t *testing.T) {
	srv := server.New(server.Options{})
	if _, err := api.MountTable(srv, table{}, server.ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := cli.NewTableClient(ts.URL, cli.TableParams{}, cli.TableHandlers{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if r, err := c.RequestJoin(ctx, &cli.Join{Action: "join", Seat: 3}); err != nil || r.Action != "joined" {
		t.Errorf("join: %+v, %v", r, err)
	}
}
`
