package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/centrifugal/centrifuge"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	redisURL := flag.String("redis", "", "Redis URL for centrifuge's Redis broker; empty: its in-memory broker")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	h, node, err := newHandler(*redisURL)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening", ln.Addr())
	srv := &http.Server{Handler: h}
	go func() {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
		<-sigs
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = node.Shutdown(ctx)
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// pong is the data of the ping RPC's reply: the payload chanx's chat server
// answers a ping with, so the reply carries what chanx's does.
var pong = []byte(`{}`)

// newHandler builds the Node and the WebSocket handler serving it.
func newHandler(redisURL string) (http.Handler, *centrifuge.Node, error) {
	node, err := centrifuge.New(centrifuge.Config{LogLevel: centrifuge.LogLevelError})
	if err != nil {
		return nil, nil, err
	}
	if redisURL != "" {
		u, err := url.Parse(redisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("-redis %q: %w", redisURL, err)
		}
		shard, err := centrifuge.NewRedisShard(node, centrifuge.RedisShardConfig{Address: u.Host})
		if err != nil {
			return nil, nil, err
		}
		broker, err := centrifuge.NewRedisBroker(node, centrifuge.RedisBrokerConfig{Shards: []*centrifuge.RedisShard{shard}})
		if err != nil {
			return nil, nil, err
		}
		node.SetBroker(broker)
	}
	node.OnConnecting(func(ctx context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		return centrifuge.ConnectReply{Credentials: &centrifuge.Credentials{UserID: ""}}, nil
	})
	node.OnConnect(func(c *centrifuge.Client) {
		c.OnRPC(func(e centrifuge.RPCEvent, cb centrifuge.RPCCallback) {
			if e.Method != "ping" {
				cb(centrifuge.RPCReply{}, centrifuge.ErrorMethodNotFound)
				return
			}
			cb(centrifuge.RPCReply{Data: pong}, nil)
		})
		c.OnSubscribe(func(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
			cb(centrifuge.SubscribeReply{}, nil)
		})
		c.OnPublish(func(e centrifuge.PublishEvent, cb centrifuge.PublishCallback) {
			cb(centrifuge.PublishReply{}, nil)
		})
	})
	if err := node.Run(); err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/connection/websocket", centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{
		CheckOrigin:      func(*http.Request) bool { return true },
		MessageSizeLimit: 1 << 20,
	}))
	return mux, node, nil
}
