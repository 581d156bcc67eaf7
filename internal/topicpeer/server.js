// A topic server written from docs/PROTOCOL.md §2 and ../shared/PROTOCOL.md
// "Topics" with the ws package and nothing from chanx: the peer chanx's
// topic runtime, client and conformance tester are held to. asyncapi.yaml
// beside it describes it.
//
//   NODE_PATH=js/node_modules node internal/topicpeer/server.js --port 8000
//
// Routes:
//   /ws/topics               a hub: frames with "topic" go to the topic
//                            named; frames without it to the hub's own
//                            handlers (ping).
//   /ws/topics/room/{room}   the room:{room} topic on its own route:
//                            connecting subscribes, un-addressed frames
//                            belong to the topic.
// Topics:
//   room:{room}      public; echo (reply echo_reply), shout (broadcasts
//                    room_event with seq to every subscriber).
//   private:{id}     authorize refuses every subscription.
//
// Flags that break it on purpose, for the tests that must see a failure:
//   --no-ref      never echo ref
//   --no-topics   no topics at all: subscribe and topic-addressed frames
//                 go to the hub's handlers, as on a server without topics
//
// Prints "listening <port>" once it accepts connections (port 0 picks a
// free one).
'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');

function flag(name) {
  return process.argv.includes(name);
}

function argPort() {
  const i = process.argv.indexOf('--port');
  return i >= 0 ? Number(process.argv[i + 1]) : 8000;
}

const noRef = flag('--no-ref');
const noTopics = flag('--no-topics');

// Python's repr of a str, as Chanx's error details print the topic.
function pyRepr(s) {
  if (s.includes("'") && !s.includes('"')) return `"${s}"`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function send(ws, frame) {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}

// stamp adds the envelope keys in PROTOCOL.md's order: the message's
// members, then version, topic, and ref and seq only when set.
function stamp(frame, topic, ref, seq) {
  const out = { ...frame, version: 1, topic };
  if (ref != null && !noRef) out.ref = ref;
  if (seq != null) out.seq = seq;
  return out;
}

function problems(list) {
  return { action: 'error', payload: list };
}

function problem(type, loc, msg) {
  return problems([{ type, loc, msg }]);
}

function tagInvalid(tag, tags) {
  const shown = tag === null ? 'None' : typeof tag === 'string' ? tag : String(tag);
  return problem('union_tag_invalid', [],
    `Input tag '${shown}' found using 'action' does not match any of the expected tags: ${tags.map((t) => `'${t}'`).join(', ')}`);
}

// Length in code points, as Pydantic counts.
function length(s) {
  return [...s].length;
}

// textPayload validates {"text": str (1..200)} under the message's tag.
function textPayload(tag, frame) {
  if (!('payload' in frame)) return problem('missing', [tag, 'payload'], 'Field required');
  const p = frame.payload;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    return problem('model_type', [tag, 'payload'], 'Input should be a valid dictionary or instance of TextPayload');
  }
  if (!('text' in p)) return problem('missing', [tag, 'payload', 'text'], 'Field required');
  if (typeof p.text !== 'string') return problem('string_type', [tag, 'payload', 'text'], 'Input should be a valid string');
  if (length(p.text) < 1) return problem('string_too_short', [tag, 'payload', 'text'], 'String should have at least 1 character');
  if (length(p.text) > 200) return problem('string_too_long', [tag, 'payload', 'text'], 'String should have at most 200 characters');
  return null;
}

// Topic classes: a pattern, an authorize hook and the topic's handlers.
// A parameter is one or more characters other than ':'.
const topicClasses = [
  {
    name: 'RoomTopic',
    pattern: 'room:{room}',
    authorize: () => true,
    handlers: {
      echo(ctx, frame) {
        const err = textPayload('echo', frame);
        if (err) return ctx.reply(err);
        ctx.reply({ action: 'echo_reply', payload: { text: frame.payload.text } });
      },
      shout(ctx, frame) {
        const err = textPayload('shout', frame);
        if (err) return ctx.reply(err);
        broadcast(ctx.topic, { action: 'room_event', payload: { body: frame.payload.text, author: 'anonymous' } });
      },
    },
  },
  {
    name: 'PrivateTopic',
    pattern: 'private:{id}',
    authorize: () => false,
    handlers: {
      read(ctx, frame) {
        ctx.reply({ action: 'read_reply', payload: null });
      },
    },
  },
];

for (const tc of topicClasses) {
  const names = [];
  const src = tc.pattern.replace(/\{([^{}]+)\}|[^{]+/g, (m, name) => {
    if (name) {
      names.push(name);
      return '([^:]+)';
    }
    return m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  tc.re = new RegExp(`^${src}$`);
  tc.params = names;
}

// find returns the first topic class whose pattern matches topic, with
// its parameters.
function find(topic) {
  for (const tc of topicClasses) {
    const m = tc.re.exec(topic);
    if (m) {
      const params = {};
      tc.params.forEach((n, i) => { params[n] = m[i + 1]; });
      return { tc, params };
    }
  }
  return null;
}

const subscribers = new Map(); // topic -> Set of sockets
const seqs = new Map(); // topic -> last seq pushed

function broadcast(topic, frame) {
  const seq = (seqs.get(topic) || 0) + 1;
  seqs.set(topic, seq);
  for (const ws of subscribers.get(topic) || []) send(ws, stamp(frame, topic, null, seq));
}

function topicError(ws, reason, detail, topic, ref) {
  send(ws, stamp({ action: 'error', payload: { reason, detail } }, topic, ref));
}

function subscribe(ws, topic, ref) {
  if (ws.topics.has(topic)) return send(ws, stamp({ action: 'subscribed', payload: null }, topic, ref));
  const found = find(topic);
  if (!found) return topicError(ws, 'unknown_topic', `Unknown topic ${pyRepr(topic)}`, topic, ref);
  if (!found.tc.authorize(found.params)) {
    return topicError(ws, 'unauthorized', `Not allowed to subscribe to ${pyRepr(topic)}`, topic, ref);
  }
  ws.topics.set(topic, found.tc);
  if (!subscribers.has(topic)) subscribers.set(topic, new Set());
  subscribers.get(topic).add(ws);
  send(ws, stamp({ action: 'subscribed', payload: null }, topic, ref));
}

function unsubscribe(ws, topic) {
  if (!ws.topics.delete(topic)) return;
  const set = subscribers.get(topic);
  set.delete(ws);
  if (set.size === 0) subscribers.delete(topic);
}

// topicFrame handles a frame addressed to topic (by its "topic" key, or
// by the route on a dedicated route).
function topicFrame(ws, topic, ref, frame) {
  switch (frame.action) {
    case 'subscribe':
      return subscribe(ws, topic, ref);
    case 'unsubscribe':
      unsubscribe(ws, topic);
      return send(ws, stamp({ action: 'unsubscribed', payload: null }, topic, ref));
  }
  const tc = ws.topics.get(topic);
  if (!tc) return topicError(ws, 'not_subscribed', `Not subscribed to ${pyRepr(topic)}`, topic, ref);
  const ctx = { topic, reply: (f) => send(ws, stamp(f, topic, ref)) };
  const h = Object.prototype.hasOwnProperty.call(tc.handlers, frame.action) ? tc.handlers[frame.action] : null;
  if (!h) return ctx.reply(tagInvalid(frame.action === undefined ? null : frame.action, Object.keys(tc.handlers).sort()));
  h(ctx, frame);
}

// ownFrame handles a frame for the hub's own handlers.
function ownFrame(ws, frame) {
  if (!('action' in frame)) return send(ws, problem('union_tag_not_found', [], "Unable to extract tag using discriminator 'action'"));
  if (frame.action === 'ping') {
    if ('payload' in frame && frame.payload !== null) return send(ws, problem('none_required', ['ping', 'payload'], 'Input should be None'));
    return send(ws, { action: 'pong', payload: null });
  }
  return send(ws, tagInvalid(frame.action, ['ping']));
}

// envelope reads the envelope keys as Chanx's lax Envelope model does and
// strips them; a problems frame when one has the wrong type.
function envelope(frame) {
  const env = { topic: null, ref: null };
  if ('version' in frame && frame.version !== null && !Number.isInteger(Number(frame.version))) {
    return { err: problem('int_parsing', ['version'], 'Input should be a valid integer, unable to parse string as an integer') };
  }
  for (const k of ['topic', 'ref']) {
    if (k in frame && frame[k] !== null) {
      if (typeof frame[k] !== 'string') return { err: problem('string_type', [k], 'Input should be a valid string') };
      env[k] = frame[k];
    }
  }
  const rest = { ...frame };
  for (const k of ['version', 'topic', 'ref', 'seq']) delete rest[k];
  return { env, rest };
}

function handle(ws, data, isBinary) {
  if (isBinary) return send(ws, problem('json_invalid', [], 'Invalid JSON: binary frames are not JSON text'));
  let frame;
  try {
    frame = JSON.parse(data.toString('utf8'));
  } catch (e) {
    return send(ws, problem('json_invalid', [], `Invalid JSON: ${e.message}`));
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
    return send(ws, problem('model_type', [], 'Input should be a valid dictionary or instance of Envelope'));
  }
  if (noTopics) {
    const rest = { ...frame };
    for (const k of ['version', 'topic', 'ref', 'seq']) delete rest[k];
    return ownFrame(ws, rest);
  }
  const { env, rest, err } = envelope(frame);
  if (err) return send(ws, err);
  if (env.topic !== null) return topicFrame(ws, env.topic, env.ref, rest);
  if (ws.dedicated) return topicFrame(ws, ws.dedicated, env.ref, rest);
  return ownFrame(ws, rest);
}

const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

server.on('upgrade', (req, socket, head) => {
  const path = req.url.split('?')[0];
  let dedicated = null;
  if (path !== '/ws/topics') {
    const m = /^\/ws\/topics\/room\/([^/]+)$/.exec(path);
    if (!m) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    dedicated = 'room:' + decodeURIComponent(m[1]);
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.topics = new Map(); // topic -> topic class
    ws.on('message', (data, isBinary) => handle(ws, data, isBinary));
    ws.on('close', () => {
      for (const t of [...ws.topics.keys()]) unsubscribe(ws, t);
    });
    ws.on('error', () => {});
    if (dedicated && !noTopics) {
      // The route's parameters fill the pattern; the subscription is
      // answered unprompted, without ref.
      ws.dedicated = dedicated;
      subscribe(ws, dedicated, null);
    }
  });
});

server.listen(argPort(), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(0));
}
