'use strict';
// Calls the gateway's gRPC API from @grpc/grpc-js, an implementation nobody here wrote, with the SocketM
// proto exactly as its users have it (protos/api/api.proto) and the gateway's own protos.
//   BGW_INTEROP='{"nsp":…}' node socketm.js <port> [case ...]
//   cases: socketm socketm-errors gateway health reflection deadline unimplemented auth (default: all)
// BGW_INTEROP (JSON, all optional): nsp, room, userId (a decimal int64), connections (how many the
// namespace holds), token (the API bearer token). Prints "ok <case>" or "FAIL <case>: <why>"; exits 1
// if any case failed.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const port = process.argv[2];
if (!port) {
  console.error('usage: node socketm.js <port> [case ...]');
  process.exit(2);
}
const cfg = JSON.parse(process.env.BGW_INTEROP || '{}');
const address = `127.0.0.1:${port}`;
const protos = path.resolve(__dirname, '..', '..', '..', 'protos');
const loadOptions = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protos] };
const load = (file) => grpc.loadPackageDefinition(protoLoader.loadSync(file, loadOptions));

const apiPkg = load('api/api.proto');
const bgwPkg = load('bgw/v1/gateway.proto');
const healthPkg = load('grpc/health/v1/health.proto');
const reflectionPkg = load('grpc/reflection/v1alpha/reflection.proto');

const creds = grpc.credentials.createInsecure();
const clients = [];
function client(Service) {
  const c = new Service(address, creds);
  clients.push(c);
  return c;
}
const socketm = client(apiPkg.api.SocketMService);
const gateway = client(bgwPkg.bgw.v1.Gateway);
const health = client(healthPkg.grpc.health.v1.Health);

function metadata(token = cfg.token) {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return md;
}

function call(c, method, request, { ms = 5000, md = metadata() } = {}) {
  return new Promise((resolve, reject) =>
    c[method](request, md, { deadline: new Date(Date.now() + ms) }, (err, r) => (err ? reject(err) : resolve(r))));
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function expectStatus(promise, code) {
  try {
    await promise;
  } catch (err) {
    expect(err.code === code, `expected status ${code}, got ${err.code} (${err.details})`);
    return err;
  }
  throw new Error(`expected status ${code}, got OK`);
}

const ok = (r, what) => expect(r.errcode === 0 && r.errmsg === '', `${what}: errcode ${r.errcode} ${JSON.stringify(r.errmsg)}`);
const message = (evt) => ({ ver: '2', meta: '{"from":"grpc-js"}', evt, id: `id-${evt}` });

// Varint-prefixed field 1 per file: a FileDescriptorSet built from reflection's FileDescriptorProto bytes.
function descriptorSet(files) {
  const parts = [];
  for (const file of files) {
    const prefix = [0x0a];
    for (let n = file.length; ; n >>>= 7) {
      if (n < 0x80) { prefix.push(n); break; }
      prefix.push((n & 0x7f) | 0x80);
    }
    parts.push(Buffer.from(prefix), file);
  }
  return Buffer.concat(parts);
}

function reflect(requests) {
  const r = client(reflectionPkg.grpc.reflection.v1alpha.ServerReflection);
  const stream = r.ServerReflectionInfo(metadata(), { deadline: new Date(Date.now() + 5000) });
  const answers = [];
  const done = new Promise((resolve, reject) => {
    stream.on('data', (a) => answers.push(a));
    stream.on('error', reject);
    stream.on('end', () => resolve(answers));
  });
  for (const request of requests) stream.write(request);
  stream.end();
  return done;
}

const cases = {
  // Every SocketMService method, each answering errcode 0; the xunit test checks what the client received.
  async socketm() {
    ok(await call(socketm, 'NspBroadcast', { nspName: cfg.nsp, msg: message('to-nsp') }), 'NspBroadcast');
    ok(await call(socketm, 'NspRoomsBroadcast', { nspName: cfg.nsp, msgs: [{ roomId: cfg.room, msg: message('to-room') }] }), 'NspRoomsBroadcast');
    ok(await call(socketm, 'NspUsersBroadcast', { nspName: cfg.nsp, msgs: [{ userId: cfg.userId, msg: message('to-user') }] }), 'NspUsersBroadcast');
    ok(await call(socketm, 'KnockoutFromRoom', { nspName: cfg.nsp, metas: [{ userId: cfg.userId, roomId: cfg.room }] }), 'KnockoutFromRoom');
    ok(await call(socketm, 'ClearRooms', { nspName: cfg.nsp, roomIds: [cfg.room] }), 'ClearRooms');
    ok(await call(socketm, 'Disconnect', { nspName: cfg.nsp, userId: cfg.userId }), 'Disconnect');
  },
  async 'socketm-errors'() {
    const zero = await expectStatus(call(socketm, 'Disconnect', { nspName: cfg.nsp, userId: '0' }), grpc.status.INVALID_ARGUMENT);
    expect(zero.details.includes('userId'), `details ${JSON.stringify(zero.details)}`);
    const room = await expectStatus(call(socketm, 'NspRoomsBroadcast', { nspName: cfg.nsp, msgs: [{ roomId: '', msg: message('x') }] }),
      grpc.status.INVALID_ARGUMENT);
    expect(room.details.includes('msgs[0].roomId'), `details ${JSON.stringify(room.details)}`);
  },
  async gateway() {
    const counts = await call(gateway, 'CountConnections', { nsp: cfg.nsp });
    expect(counts.connections === String(cfg.connections), `connections ${counts.connections}`);
    const seen = [];
    let cursor = '';
    do {
      const page = await call(gateway, 'ListConnections', { nsp: cfg.nsp, page: { cursor, limit: 1 } });
      seen.push(...page.members.map((m) => m.conn));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size === cfg.connections && seen.length === cfg.connections, `walked ${seen}`);
    const { receipt } = await call(gateway, 'Publish', {
      nsp: cfg.nsp, target: { kind: 'TARGET_KIND_NAMESPACE' }, push: { data: Buffer.from('{"from":"grpc-js"}'), event: 'receipt' }, receipt: true,
    });
    expect(receipt.complete && receipt.sockets === String(cfg.connections), `receipt ${JSON.stringify(receipt)}`);
    const limits = await call(gateway, 'Limit', {});
    expect(limits.complete && limits.nodes.length >= 1, `limits ${JSON.stringify(limits)}`);
  },
  async health() {
    for (const service of ['', 'api.SocketMService', 'bgw.v1.Gateway']) {
      const r = await call(health, 'Check', { service }, { md: metadata(null) });
      expect(r.status === 'SERVING', `${service || '(server)'}: ${r.status}`);
    }
    await expectStatus(call(health, 'Check', { service: 'api.Nope' }, { md: metadata(null) }), grpc.status.NOT_FOUND);
  },
  async reflection() {
    const [list] = await reflect([{ listServices: '*' }]);
    const names = list.listServicesResponse.service.map((s) => s.name);
    for (const name of ['api.SocketMService', 'bgw.v1.Gateway', 'grpc.health.v1.Health', 'grpc.reflection.v1alpha.ServerReflection']) {
      expect(names.includes(name), `list_services lacks ${name}: ${names}`);
    }
    const [byName] = await reflect([{ fileByFilename: 'api/api.proto' }]);
    expect(byName.fileDescriptorResponse.fileDescriptorProto.length === 1, 'api/api.proto not served by name');
    // A SocketM client built from the reflected descriptor alone, no .proto file.
    const [file] = await reflect([{ fileContainingSymbol: 'api.SocketMService' }]);
    const definition = protoLoader.loadFileDescriptorSetFromBuffer(descriptorSet(file.fileDescriptorResponse.fileDescriptorProto), loadOptions);
    const reflected = client(grpc.loadPackageDefinition(definition).api.SocketMService);
    ok(await call(reflected, 'NspBroadcast', { nspName: `${cfg.nsp}-reflected`, msg: message('via-reflection') }), 'reflected NspBroadcast');
    // The gateway's service, with its imports.
    const [gw] = await reflect([{ fileContainingSymbol: 'bgw.v1.Gateway' }]);
    expect(gw.fileDescriptorResponse.fileDescriptorProto.length === 6, `bgw/v1 files: ${gw.fileDescriptorResponse.fileDescriptorProto.length}`);
  },
  async deadline() {
    // A watch never ends by itself: its deadline ends it, after the first event said it started.
    const watch = gateway.WatchPresence({ nsp: cfg.nsp }, metadata(), { deadline: new Date(Date.now() + 400) });
    const events = [];
    const err = await new Promise((resolve) => {
      watch.on('data', (e) => events.push(e.kind));
      watch.on('error', resolve);
      watch.on('end', () => resolve(null));
    });
    expect(err && err.code === grpc.status.DEADLINE_EXCEEDED, `ended with ${err && err.code}`);
    expect(events[0] === 'KIND_WATCH_STARTED', `events ${events}`);
  },
  async unimplemented() {
    const generic = client(grpc.Client);
    const raw = (method) => new Promise((resolve, reject) =>
      generic.makeUnaryRequest(method, (x) => x, (x) => x, Buffer.alloc(0), metadata(), { deadline: new Date(Date.now() + 5000) },
        (err, r) => (err ? reject(err) : resolve(r))));
    await expectStatus(raw('/api.SocketMService/Nope'), grpc.status.UNIMPLEMENTED);
    await expectStatus(raw('/api.Nope/NspBroadcast'), grpc.status.UNIMPLEMENTED);
  },
  async auth() {
    expect(cfg.token, 'auth needs BGW_INTEROP.token');
    await expectStatus(call(socketm, 'NspBroadcast', { nspName: cfg.nsp, msg: message('x') }, { md: metadata(null) }), grpc.status.UNAUTHENTICATED);
    await expectStatus(call(gateway, 'CountUsers', { nsp: cfg.nsp }, { md: metadata('wrong') }), grpc.status.UNAUTHENTICATED);
    ok(await call(socketm, 'NspBroadcast', { nspName: cfg.nsp, msg: message('with-token') }), 'NspBroadcast with the token');
  },
};

(async () => {
  const selected = process.argv.length > 3 ? process.argv.slice(3) : Object.keys(cases);
  let failed = 0;
  for (const name of selected) {
    try {
      if (!cases[name]) throw new Error('no such case');
      await cases[name]();
      console.log(`ok ${name}`);
    } catch (err) {
      console.log(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
      failed++;
    }
  }
  for (const c of clients) c.close();
  process.exit(failed ? 1 : 0);
})();
