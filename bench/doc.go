// Command bench measures chanx against the stacks people would pick instead
// — a bare coder/websocket server (the limit), Django Channels with
// channels_redis, a centrifugal/centrifuge Node with its memory or Redis
// broker (bench/centrifugepeer, a module of its own built with go build),
// Node socket.io with its Redis adapter — on the same machine in one run,
// and writes the table to docs/PERFORMANCE.md.
//
// Every server runs as its own process; this process is the load generator
// and talks to them over loopback with a minimal WebSocket client of its
// own (wsclient.go), kept lighter per frame than the servers; the report
// shows the CPU the generator and each server used in every measured
// window. The scale scenario spreads its connections' source addresses
// over 127.0.0.0/8 and needs an open-file limit above -scale-conns. Figures are reported as min/median/max
// over repeated runs with the ratio to the bare server of the same run,
// because absolute numbers drift from run to run.
//
//	go run ./bench -scenario all -duration 10s     # the full run
//	go run ./bench -scenario smoke                 # what CI runs
//	go run ./bench -scenario bcast-redis-2p-1 -peers bare,chanx -cpuprofile /tmp/prof
//
// After the table the report checks chanx against the targets of issue #6
// (targets.go). With -cpuprofile DIR the Go peers profile the measured
// window into DIR/<scenario>-<peer>-run<N>.pprof, and for each scenario
// where chanx missed a target the report shows the top of chanx's and
// bare's profiles.
//
// The same binary serves the Go peers: `bench serve -peer NAME -addr ADDR`;
// with -cpuprofile FILE it profiles between SIGUSR1 and SIGUSR2.
package main
