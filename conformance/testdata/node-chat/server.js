// The chat room of examples/chat/asyncapi.yaml written with the ws package
// and nothing from chanx: the conformance tester must pass it, which shows
// it judges the document, not chanx's own runtime.
//
//   node server.js --port 8000
//
// Prints "listening <port>" once it accepts connections (port 0 picks a
// free one).
'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');

function argPort() {
  const i = process.argv.indexOf('--port');
  return i >= 0 ? Number(process.argv[i + 1]) : 8000;
}

const rooms = new Map(); // room name -> Set of sockets

function problem(loc, msg) {
  return { action: 'error', payload: [{ type: 'value_error', loc, msg }] };
}

function send(ws, frame) {
  if (ws.readyState === ws.OPEN) {
    ws.send(JSON.stringify(frame));
  }
}

// Length in code points, as JSON Schema counts.
function length(s) {
  return [...s].length;
}

function checkChat(frame) {
  if (!('payload' in frame)) return problem(['payload'], 'field required');
  const p = frame.payload;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return problem(['payload'], 'must be an object');
  for (const [name, min, max] of [['message', 1, 2000], ['name', 1, 100]]) {
    if (!(name in p)) return problem(['payload', name], 'field required');
    if (typeof p[name] !== 'string') return problem(['payload', name], 'must be a string');
    const n = length(p[name]);
    if (n < min || n > max) return problem(['payload', name], `length must be between ${min} and ${max}`);
  }
  return null;
}

function handle(ws, data, isBinary) {
  if (isBinary) return send(ws, problem([], 'binary frames are not supported'));
  let frame;
  try {
    frame = JSON.parse(data.toString('utf8'));
  } catch (e) {
    return send(ws, problem([], 'the frame is not JSON'));
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
    return send(ws, problem([], 'the frame is not a JSON object'));
  }
  switch (frame.action) {
    case 'ping':
      if ('payload' in frame && frame.payload !== null) return send(ws, problem(['payload'], 'must be null'));
      return send(ws, { action: 'pong', payload: null });
    case 'new_chat_message': {
      const err = checkChat(frame);
      if (err) return send(ws, err);
      for (const peer of rooms.get(ws.room) || []) {
        if (peer !== ws) send(peer, { action: 'new_chat_message', payload: frame.payload });
      }
      return;
    }
    default:
      return send(ws, problem(['action'], 'unknown action'));
  }
}

const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

server.on('upgrade', (req, socket, head) => {
  const m = /^\/ws\/chat\/([^/?]+)$/.exec(req.url.split('?')[0]);
  if (!m) {
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.room = decodeURIComponent(m[1]);
    if (!rooms.has(ws.room)) rooms.set(ws.room, new Set());
    rooms.get(ws.room).add(ws);
    ws.on('message', (data, isBinary) => handle(ws, data, isBinary));
    ws.on('close', () => rooms.get(ws.room).delete(ws));
    ws.on('error', () => {});
  });
});

server.listen(argPort(), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(0));
}
