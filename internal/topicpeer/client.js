// A topic client written from docs/PROTOCOL.md §2 and ../shared/PROTOCOL.md
// "Topics" with the ws package and nothing from chanx. It runs one
// scenario against a server of asyncapi.yaml (beside it) and checks every
// frame literally: members, values, the envelope keys and nothing more.
//
//   NODE_PATH=js/node_modules node internal/topicpeer/client.js ws://127.0.0.1:8000 [--room lobby] [--no-dedicated]
//
// The URL is the server's base; the client joins /ws/topics (the hub)
// and /ws/topics/room/{room} (the dedicated route) to it. Exits 0 and
// prints "ok: ..." when every step passed, 1 with "FAIL: <step>: ..."
// at the first that did not, 2 on unusable arguments.
'use strict';

const { WebSocket } = require('ws');
const { isDeepStrictEqual } = require('util');

const args = process.argv.slice(2);
const base = args.find((a) => !a.startsWith('--'));
function opt(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
}
if (!base || !/^wss?:\/\//.test(base)) {
  console.error('usage: client.js ws://host:port [--room NAME] [--no-dedicated] [--timeout MS]');
  process.exit(2);
}
const room = opt('--room', 'lobby');
const timeoutMs = Number(opt('--timeout', '5000'));
const dedicatedToo = !args.includes('--no-dedicated');
const topic = `room:${room}`;

class Failure extends Error {}

let step = 'connect';
let steps = 0;

// Peer is one connection: a queue of parsed frames and a reader that
// waits for the next one.
class Peer {
  constructor(name, url) {
    this.name = name;
    this.url = url;
    this.queue = [];
    this.waiters = [];
    this.closed = null;
  }

  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.on('open', resolve);
      ws.on('error', (e) => reject(new Failure(`${this.name}: connect to ${this.url}: ${e.message}`)));
      ws.on('message', (data, isBinary) => {
        let v;
        try {
          v = isBinary ? { binary: true } : JSON.parse(data.toString('utf8'));
        } catch (e) {
          v = { notJSON: data.toString('utf8') };
        }
        this.queue.push({ raw: data.toString('utf8'), v });
        this.wake();
      });
      ws.on('close', (code) => {
        this.closed = code;
        this.wake();
      });
    });
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  // next returns the next frame, failing the step after the timeout.
  async next(what) {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.closed !== null) throw new Failure(`${this.name}: the connection closed (${this.closed}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Failure(`${this.name}: no frame within ${timeoutMs} ms while waiting for ${what}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.queue.shift();
  }

  // expect reads the next frame and requires it to be want exactly.
  async expect(want) {
    const got = await this.next(JSON.stringify(want));
    if (!isDeepStrictEqual(got.v, want)) {
      throw new Failure(`${this.name}: want ${JSON.stringify(want)}\n  got  ${got.raw}`);
    }
    return got.v;
  }

  // nothingPending checks, with a ping as a fence, that no frame arrived
  // before the answer to it: on the hub, ping is the hub's own message.
  async fence() {
    this.send({ action: 'ping', payload: null });
    await this.expect({ action: 'pong', payload: null });
  }

  close() {
    this.ws.close();
  }
}

async function run(name, fn) {
  step = name;
  await fn();
  steps++;
}

async function main() {
  const hub = base.replace(/\/+$/, '') + '/ws/topics';
  const a = new Peer('A', hub);
  const b = new Peer('B', hub);
  await a.open();
  await b.open();

  await run('subscribe answers subscribed with the ref', async () => {
    a.send({ action: 'subscribe', version: 1, topic, ref: '1' });
    await a.expect({ action: 'subscribed', payload: null, version: 1, topic, ref: '1' });
    b.send({ action: 'subscribe', version: 1, topic, ref: '1' });
    await b.expect({ action: 'subscribed', payload: null, version: 1, topic, ref: '1' });
  });

  await run('subscribing again answers subscribed again', async () => {
    a.send({ action: 'subscribe', version: 1, topic, ref: '2' });
    await a.expect({ action: 'subscribed', payload: null, version: 1, topic, ref: '2' });
  });

  await run('authorize refused: unauthorized', async () => {
    a.send({ action: 'subscribe', version: 1, topic: 'private:secret', ref: '3' });
    await a.expect({ action: 'error', payload: { reason: 'unauthorized', detail: "Not allowed to subscribe to 'private:secret'" }, version: 1, topic: 'private:secret', ref: '3' });
  });

  await run('no pattern matches: unknown_topic', async () => {
    a.send({ action: 'subscribe', version: 1, topic: 'nowhere:1', ref: '4' });
    await a.expect({ action: 'error', payload: { reason: 'unknown_topic', detail: "Unknown topic 'nowhere:1'" }, version: 1, topic: 'nowhere:1', ref: '4' });
  });

  await run('a request on a topic not subscribed: not_subscribed', async () => {
    a.send({ action: 'echo', payload: { text: 'hi' }, version: 1, topic: 'room:elsewhere', ref: '5' });
    await a.expect({ action: 'error', payload: { reason: 'not_subscribed', detail: "Not subscribed to 'room:elsewhere'" }, version: 1, topic: 'room:elsewhere', ref: '5' });
  });

  await run('a topic request is answered with its ref', async () => {
    a.send({ action: 'echo', payload: { text: 'hello' }, version: 1, topic, ref: '6' });
    await a.expect({ action: 'echo_reply', payload: { text: 'hello' }, version: 1, topic, ref: '6' });
  });

  await run('an invalid topic request is answered with problems carrying topic and ref', async () => {
    a.send({ action: 'echo', payload: { text: '' }, version: 1, topic, ref: '7' });
    const got = await a.next('the error frame');
    const v = got.v;
    const ok = v.action === 'error' && Array.isArray(v.payload) && v.payload.length > 0 && v.version === 1 && v.topic === topic && v.ref === '7' &&
      v.payload.every((p) => typeof p.type === 'string' && Array.isArray(p.loc) && typeof p.msg === 'string');
    if (!ok) throw new Failure(`A: want an error frame with a problems list, version 1, topic ${topic}, ref "7"\n  got  ${got.raw}`);
  });

  let seq;
  await run('a push reaches every subscriber with topic and seq, without ref', async () => {
    a.send({ action: 'shout', payload: { text: 'hi all' }, version: 1, topic, ref: '8' });
    const gotB = await b.next('room_event');
    const check = (who, got) => {
      const v = got.v;
      const keys = Object.keys(v).sort().join(',');
      if (v.action !== 'room_event' || !isDeepStrictEqual(v.payload, { body: 'hi all', author: 'anonymous' }) || v.version !== 1 || v.topic !== topic ||
        !Number.isInteger(v.seq) || keys !== 'action,payload,seq,topic,version') {
        throw new Failure(`${who}: want {"action":"room_event","payload":{"body":"hi all","author":"anonymous"},"version":1,"topic":"${topic}","seq":<int>} and no other member\n  got  ${got.raw}`);
      }
      return v.seq;
    };
    seq = check('B', gotB);
    const seqA = check('A', await a.next('room_event'));
    if (seqA !== seq) throw new Failure(`A got seq ${seqA}, B got ${seq} for the same push`);
  });

  await run('the next push has the next seq', async () => {
    b.send({ action: 'shout', payload: { text: 'again' }, version: 1, topic, ref: '2' });
    for (const [who, p] of [['A', a], ['B', b]]) {
      const got = await p.next('room_event');
      if (got.v.action !== 'room_event' || got.v.seq !== seq + 1 || 'ref' in got.v) {
        throw new Failure(`${who}: want room_event with seq ${seq + 1} and no ref\n  got  ${got.raw}`);
      }
    }
  });

  await run('frames without topic go to the hub: ping answered unstamped', async () => {
    a.send({ action: 'ping', payload: null, ref: '9' });
    await a.expect({ action: 'pong', payload: null });
  });

  await run('unsubscribe answers unsubscribed with the ref', async () => {
    b.send({ action: 'unsubscribe', version: 1, topic, ref: '3' });
    await b.expect({ action: 'unsubscribed', payload: null, version: 1, topic, ref: '3' });
  });

  await run('after unsubscribe no push arrives and requests get not_subscribed', async () => {
    a.send({ action: 'shout', payload: { text: 'only A' }, version: 1, topic, ref: '10' });
    await a.next('room_event'); // A is still subscribed
    b.send({ action: 'echo', payload: { text: 'x' }, version: 1, topic, ref: '4' });
    await b.expect({ action: 'error', payload: { reason: 'not_subscribed', detail: `Not subscribed to '${topic}'` }, version: 1, topic, ref: '4' });
    await b.fence();
  });

  await run('unsubscribe when not subscribed still answers unsubscribed', async () => {
    b.send({ action: 'unsubscribe', version: 1, topic, ref: '5' });
    await b.expect({ action: 'unsubscribed', payload: null, version: 1, topic, ref: '5' });
  });

  a.close();
  b.close();

  if (dedicatedToo) {
    const c = new Peer('C', base.replace(/\/+$/, '') + '/ws/topics/room/' + encodeURIComponent(room));
    await run('a dedicated route subscribes on connect, without ref', async () => {
      await c.open();
      await c.expect({ action: 'subscribed', payload: null, version: 1, topic });
    });
    await run('un-addressed frames on a dedicated route belong to its topic, ref echoed', async () => {
      c.send({ action: 'echo', payload: { text: 'direct' }, ref: '1' });
      await c.expect({ action: 'echo_reply', payload: { text: 'direct' }, version: 1, topic, ref: '1' });
    });
    c.close();
  }
  console.log(`ok: ${steps} steps against ${base} (topic ${topic})`);
}

main().then(() => process.exit(0), (e) => {
  if (e instanceof Failure) {
    console.log(`FAIL: ${step}: ${e.message}`);
  } else {
    console.log(`FAIL: ${step}: ${e && e.stack ? e.stack : e}`);
  }
  process.exit(1);
});
