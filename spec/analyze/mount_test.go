package analyze

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/spec"
)

// TestMountRulesMatchServer is the regression test for addresses that
// passed validate and then failed at srv.Channel ("/rooms/{org}-{room}":
// "bad wildcard name"): for each address, Build reports an error exactly
// when runtime/server refuses to mount it, and the error names the
// channel and the address. The ServeMux-only wildcards {name...} and {$}
// mount, but no AsyncAPI parameter fills them (the parameter would be
// named "name..." and Conn.Param finds no such wildcard), so validate
// refuses them too.
func TestMountRulesMatchServer(t *testing.T) {
	stricter := map[string]bool{"/files/{path...}": true, "/feed/{$}": true}
	for _, addr := range []string{
		"/ws/chat/{room}",
		"ws/chat/{room_name}",
		"/rooms/{org}/{room}",
		"/rooms/{org}-{room}",
		"/rooms/x{room}",
		"/rooms/{room}x",
		"/users/{user-id}",
		"/users/{1st}",
		"/users/{ünïcode}",
		"/files/{path...}",
		"/feed/{$}",
		"/chat room/{room}",
		"/chat\troom",
		"/a//b",
		"/",
		"",
	} {
		t.Run(addr, func(t *testing.T) {
			names, _ := addressParams(addr)
			var params strings.Builder
			if len(names) > 0 {
				params.WriteString("    parameters:\n")
				for _, n := range names {
					fmt.Fprintf(&params, "      %q:\n        description: p\n", n)
				}
			}
			src := fmt.Sprintf("asyncapi: 3.0.0\ninfo:\n  title: t\n  version: 1.0.0\nchannels:\n  room:\n    address: %q\n%s", addr, params.String())
			doc, err := spec.Parse("mount.yaml", []byte(src), spec.Options{NoRemote: true})
			if err != nil {
				t.Fatal(err)
			}
			_, diags := Build(context.Background(), doc)
			_, mountErr := server.New(server.Options{}).Channel(addr, server.ChannelOptions{})
			switch {
			case stricter[addr]:
				want := "is a net/http pattern wildcard, not an AsyncAPI parameter"
				if got := render(diags); !strings.Contains(got, want) {
					t.Errorf("diagnostics do not contain %q:\n%s", want, got)
				}
			case mountErr == nil && diags.HasErrors():
				t.Errorf("server mounts %q, but validate fails:\n%s", addr, render(diags))
			case mountErr != nil && !diags.HasErrors():
				t.Errorf("server refuses %q (%v), but validate passes", addr, mountErr)
			case mountErr != nil:
				want := fmt.Sprintf("mount.yaml:7:14: channel \"room\": address %q", addr)
				if got := render(diags); !strings.Contains(got, want) {
					t.Errorf("diagnostics do not contain %q:\n%s", want, got)
				}
			}
		})
	}
}

// TestMountRulesSkipOtherTransports: a Kafka topic name is no URL path,
// so a channel that only non-WebSocket servers carry is not held to the
// ServeMux rules.
func TestMountRulesSkipOtherTransports(t *testing.T) {
	src := `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
servers:
  broker: {host: kafka.example.com, protocol: kafka}
channels:
  lights:
    address: lights.{streetlightId}.measured
    parameters:
      streetlightId: {description: the light}
`
	doc, err := spec.Parse("kafka.yaml", []byte(src), spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, diags := Build(context.Background(), doc); len(diags) > 0 {
		t.Errorf("want no diagnostics, got:\n%s", render(diags))
	}
	ws := strings.Replace(src, "protocol: kafka", "protocol: ws", 1)
	doc, err = spec.Parse("ws.yaml", []byte(ws), spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	_, diags := Build(context.Background(), doc)
	if want := `placeholder {streetlightId} must be a whole path segment`; !strings.Contains(render(diags), want) {
		t.Errorf("over ws, diagnostics do not contain %q:\n%s", want, render(diags))
	}
}
