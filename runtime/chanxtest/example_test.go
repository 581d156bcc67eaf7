package chanxtest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/chanxtest"
	"github.com/chanxgo/chanx/runtime/server"
)

// exampleT stands in for the *testing.T a real test passes; examples have
// none.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (t *exampleT) finish() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// newChat builds the chat room server of Chanx's tutorial; in a real test
// it is the generated server with the application's handlers.
func newChat(spy *chanxtest.SpyLayer) *server.Server {
	srv := server.New(server.Options{Layer: spy, Completions: true})
	ch, _ := srv.Channel("/ws/chat/{room}", server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			return c.Join(ctx, "chat_"+c.Param("room"))
		},
	})
	server.HandleNoReply(ch, "new_chat_message", func(ctx context.Context, c *server.Conn, m *chatMessage) error {
		return c.Broadcast(ctx, "chat_"+c.Param("room"), m, server.ExcludeSelf)
	})
	return srv
}

func ExampleServer_Dial() {
	t := &exampleT{} // in a test: the *testing.T
	defer t.finish()

	ts := chanxtest.NewServer(t, newChat(chanxtest.NewSpyLayer(t, nil)))
	alice := ts.Dial(t, "/ws/chat/lobby", nil)
	bob := ts.Dial(t, "/ws/chat/lobby", nil)

	// A pong means the server has run OnConnect, where it joins the room.
	alice.SendAction("ping", nil)
	fmt.Println(alice.ReceiveAll("complete", time.Second))
	bob.SendAction("ping", nil)
	bob.ReceiveAll("complete", time.Second)

	alice.SendAction("new_chat_message", map[string]string{"message": "hello", "name": "alice"})
	alice.ReceiveAll("complete", time.Second) // nothing comes back to the sender
	fmt.Println(bob.ReceiveAll("group_complete", time.Second))

	alice.SendAction("new_chat_message", map[string]string{"message": "", "name": "alice"})
	fmt.Println(alice.Expect("error").Problems())
	// Output:
	// [{"action":"pong","payload":null}]
	// [{"action":"new_chat_message","payload":{"message":"hello","name":"alice"}}]
	// [{string_too_short [payload message] String should have at least 1 character}]
}

func ExampleSpyLayer() {
	t := &exampleT{}
	defer t.finish()

	spy := chanxtest.NewSpyLayer(t, nil)
	ts := chanxtest.NewServer(t, newChat(spy))
	alice := ts.Dial(t, "/ws/chat/lobby", nil)
	spy.WaitForSubscriptions(t, "chat_lobby", 1)

	alice.SendAction("new_chat_message", map[string]string{"message": "hi", "name": "alice"})
	p := spy.WaitForAction(t, "chat_lobby", "new_chat_message")
	fmt.Println(p.Group, p.Kind == 0, p.Exclude != "", p.Frame)
	// Output:
	// chat_lobby true true {"action":"new_chat_message","payload":{"message":"hi","name":"alice"}}
}

func ExampleDial() {
	t := &exampleT{}
	defer t.finish()

	// Any WebSocket handler will do; the Communicator needs only a URL.
	ts := chanxtest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		_ = c.Write(r.Context(), websocket.MessageText, []byte(`{"action":"hello","payload":null}`))
		c.Close(4000, "done")
	}))
	c := chanxtest.Dial(t, ts.WebSocketURL("/anything"), nil)
	fmt.Println(c.Expect("hello").Action)
	c.ExpectClosed(4000)
	fmt.Println(c.CloseStatus())
	// Output:
	// hello
	// StatusCode(4000) done true
}
