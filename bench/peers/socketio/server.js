// The chat protocol on socket.io, as its documentation suggests writing it:
// a client joins the room named in its handshake query; "ping" is answered
// with "pong"; "new_chat_message" goes to the rest of the room, through the
// Redis adapter when BENCH_REDIS_URL is set.
"use strict";
const { createServer } = require("http");
const { Server } = require("socket.io");

async function main() {
  const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
  const httpServer = createServer();
  const io = new Server(httpServer, {
    transports: ["websocket"],
    serveClient: false,
    perMessageDeflate: false,
    maxHttpBufferSize: 1 << 20,
  });
  const redisURL = process.env.BENCH_REDIS_URL;
  if (redisURL) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: redisURL });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createAdapter(pub, sub));
  }
  io.on("connection", (socket) => {
    const room = String(socket.handshake.query.room || "lobby");
    socket.join(room);
    socket.on("ping", () => socket.emit("pong", null));
    socket.on("new_chat_message", (payload) => socket.to(room).emit("new_chat_message", payload));
  });
  httpServer.listen(port, "127.0.0.1");
  const stop = () => io.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
