// Package chanxtest is the test kit for chanx servers, in the spirit of
// Chanx's WebsocketCommunicator: start a server on a loopback port, dial a
// path, send frames, collect replies until a stop action, assert close codes,
// and spy on what goes through the channel layer.
//
// It sits beside the runtime, not under it: tests of generated servers and
// of the runtime itself import it; production code never does. Everything
// runs over real loopback sockets, so what a test sees is what a client
// would.
//
//	func TestChat(t *testing.T) {
//		spy := chanxtest.NewSpyLayer(t, nil)
//		srv := server.New(server.Options{Layer: spy, Completions: true})
//		// ... mount the channels (generated code does) ...
//		ts := chanxtest.NewServer(t, srv)
//		alice := ts.Dial(t, "/ws/chat/lobby", nil)
//		alice.SendAction("ping", nil)
//		frames := alice.ReceiveAll("complete", time.Second) // [pong]
//		spy.WaitForAction(t, "chat_lobby", "new_chat_message")
//	}
//
// With the server's completions on, ReceiveAll("complete", d) collects
// exactly what one client frame caused, group members wait for
// "group_complete" and event receivers for "event_complete", so tests
// need no sleeps. Dial returns once the server reads the connection, which
// a chanx server does only after OnConnect has returned, so a test may
// publish to the groups OnConnect joined right away. The Communicator
// needs only a URL: Dial works against
// any WebSocket server, chanx or not.
package chanxtest
