'use strict';
// Drives the gateway's WebSocket framing with the ws package, an implementation nobody here wrote.
//   node interop.js <public-port> [case ...]
//   cases: native fragmented ping-between-fragments close invalid-utf8 oversize binary no-extensions
//          (default: all)
// Prints "ok <case>" per passing case, "FAIL <case>: <why>" otherwise; exits 1 if any case failed.
const WebSocket = require('ws');

const port = process.argv[2];
if (!port) {
  console.error('usage: node interop.js <public-port> [case ...]');
  process.exit(2);
}
const url = `ws://127.0.0.1:${port}/v1/ws`;
const TIMEOUT_MS = 5000;

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// A client whose text frames are parsed as JSON and queued, so a case can wait for the next of a type.
class Client {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data, isBinary) => {
      const frame = isBinary ? { type: '<binary>' } : JSON.parse(data.toString());
      this.frames.push(frame);
      this.waiters.splice(0).forEach((w) => w());
    });
    ws.on('error', () => {}); // the close event reports what a case needs
  }

  static async open(query = '', options = {}) {
    const ws = new WebSocket(url + query, options);
    // Listen before the upgrade completes: the welcome may arrive in the same packet as the 101.
    const client = new Client(ws);
    await withTimeout(new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    }), 'the upgrade');
    return client;
  }

  // A guest: the first frame is an auth frame without a token (test gateways allow guests).
  static async guest() {
    const client = await Client.open();
    client.send({ type: 'auth' });
    await client.next('welcome');
    return client;
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  next(type, match = () => true) {
    return withTimeout(new Promise((resolve) => {
      const look = () => {
        const i = this.frames.findIndex((f) => f.type === type && match(f));
        if (i >= 0) resolve(this.frames.splice(i, 1)[0]);
        else this.waiters.push(look);
      };
      look();
    }), `a '${type}' frame`);
  }

  reply(id) {
    return this.next('reply', (f) => f.id === id);
  }

  closeCode() {
    return withTimeout(this.closed, 'the close frame');
  }

  end() {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'done');
  }
}

const room = `ws-${process.pid}-${Date.now()}`;

const cases = {
  // welcome, join, a push from another member, replies with ids.
  async native() {
    const token = process.env.BGW_TOKEN;
    const alice = await Client.open(token ? `?token=${encodeURIComponent(token)}` : '');
    if (!token) alice.send({ type: 'auth' });
    const welcome = await alice.next('welcome');
    expect(typeof welcome.conn === 'string' && welcome.conn.length > 0, `welcome without conn: ${JSON.stringify(welcome)}`);
    if (token) expect(welcome.uid === 'alice', `welcome uid ${welcome.uid}`);
    const bob = await Client.guest();
    try {
      alice.send({ type: 'join', room, id: 1 });
      bob.send({ type: 'join', room, id: 1 });
      expect(!(await alice.reply(1)).error, 'alice could not join');
      expect(!(await bob.reply(1)).error, 'bob could not join');
      bob.send({ type: 'publish', room, event: 'greeting', data: { hello: 'from ws' }, id: 2 });
      const ok = await bob.reply(2);
      expect(!ok.error, `publish refused: ${JSON.stringify(ok.error)}`);
      const push = await alice.next('push', (f) => f.event === 'greeting');
      expect(push.data && push.data.hello === 'from ws', `push data ${JSON.stringify(push.data)}`);
      alice.send({ type: 'ping', id: 3 });
      await alice.next('pong', (f) => f.id === 3);
    } finally {
      alice.end();
      bob.end();
    }
  },

  // One text message in three frames (a first frame and two continuations) is one request.
  async fragmented() {
    const client = await Client.guest();
    try {
      const text = JSON.stringify({ type: 'join', room, id: 7 });
      const third = Math.floor(text.length / 3);
      client.ws.send(text.slice(0, third), { fin: false });
      client.ws.send(text.slice(third, 2 * third), { fin: false });
      client.ws.send(text.slice(2 * third), { fin: true });
      const reply = await client.reply(7);
      expect(!reply.error, `join refused: ${JSON.stringify(reply.error)}`);
    } finally {
      client.end();
    }
  },

  // A ping between two fragments is answered with a pong carrying its payload; the message still arrives.
  async 'ping-between-fragments'() {
    const client = await Client.guest();
    try {
      const text = JSON.stringify({ type: 'ping', id: 'between' });
      const half = Math.floor(text.length / 2);
      const pong = withTimeout(new Promise((resolve) => client.ws.once('pong', resolve)), 'the pong');
      client.ws.send(text.slice(0, half), { fin: false });
      client.ws.ping('between fragments');
      const payload = await pong;
      expect(payload.toString() === 'between fragments', `pong payload '${payload}'`);
      client.ws.send(text.slice(half), { fin: true });
      await client.next('pong', (f) => f.id === 'between');
    } finally {
      client.end();
    }
  },

  // The client closes; the server answers with a close frame echoing the code.
  async close() {
    const client = await Client.guest();
    client.ws.close(3001, 'leaving');
    const { code } = await client.closeCode();
    expect(code === 3001, `close code ${code}, expected the echo of 3001`);
  },

  // RFC 6455 §8.1: text must be UTF-8; the gateway closes with 1007.
  async 'invalid-utf8'() {
    const client = await Client.guest();
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    const { code } = await client.closeCode();
    expect(code === 1007, `close code ${code}, expected 1007`);
  },

  // Larger than the gateway's limit (64 KiB by default): 4058.
  async oversize() {
    const client = await Client.guest();
    client.ws.send('x'.repeat(Number(process.env.BGW_MAX_MESSAGE_BYTES || 65536) + 1));
    const { code } = await client.closeCode();
    expect(code === 4058, `close code ${code}, expected 4058`);
  },

  // The native protocol is text: binary closes with 4060.
  async binary() {
    const client = await Client.guest();
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const { code } = await client.closeCode();
    expect(code === 4060, `close code ${code}, expected 4060`);
  },

  // ws offers permessage-deflate; the gateway agrees to no extension, and the socket works without.
  async 'no-extensions'() {
    const client = await Client.open('', { perMessageDeflate: true });
    try {
      expect(client.ws.extensions === '', `extensions agreed: '${client.ws.extensions}'`);
      client.send({ type: 'auth' });
      await client.next('welcome');
    } finally {
      client.end();
    }
  },
};

(async () => {
  const selected = process.argv.slice(3);
  const names = selected.length > 0 ? selected : Object.keys(cases);
  let failed = 0;
  for (const name of names) {
    const run = cases[name];
    if (!run) {
      console.log(`FAIL ${name}: no such case`);
      failed++;
      continue;
    }
    try {
      await run();
      console.log(`ok ${name}`);
    } catch (err) {
      console.log(`FAIL ${name}: ${err.message}`);
      failed++;
    }
  }
  process.exit(failed > 0 ? 1 : 0);
})();
