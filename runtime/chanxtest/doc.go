// Package chanxtest is the test kit for chanx servers, in the spirit of
// Chanx's WebsocketCommunicator: start a server on a loopback port, dial a
// path, send frames, collect replies until a stop action, assert close codes,
// and spy on what goes through the channel layer.
package chanxtest
