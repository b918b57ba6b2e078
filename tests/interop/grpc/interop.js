'use strict';
// Drives the gateway's gRPC layer with @grpc/grpc-js, an implementation nobody here wrote.
//   node interop.js <port> [case ...]      cases: unary server-stream client-stream bidi deadline
//                                          status unimplemented health reflection (default: all)
// Prints "ok <case>" per passing case, "FAIL <case>: <why>" otherwise; exits 1 if any case failed.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const port = process.argv[2];
if (!port) {
  console.error('usage: node interop.js <port> [case ...]');
  process.exit(2);
}
const address = `127.0.0.1:${port}`;
const root = path.resolve(__dirname, '..', '..', '..');
const loadOptions = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

function load(file) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, { ...loadOptions, includeDirs: [path.join(root, 'protos')] }));
}
const echoPkg = load(path.join(root, 'tests', 'BrokerGateway.Grpc.Tests', 'Protos', 'echo.proto'));
const healthPkg = load(path.join(root, 'protos', 'grpc', 'health', 'v1', 'health.proto'));
const reflectionPkg = load(path.join(root, 'protos', 'grpc', 'reflection', 'v1alpha', 'reflection.proto'));

const creds = grpc.credentials.createInsecure();
const echo = new echoPkg.test.v1.Echo(address, creds);
const deadline = (ms) => new Date(Date.now() + ms);

function unary(client, method, request, ms = 5000) {
  return new Promise((resolve, reject) =>
    client[method](request, { deadline: deadline(ms) }, (err, response) => (err ? reject(err) : resolve(response))));
}

function collect(call) {
  return new Promise((resolve, reject) => {
    const items = [];
    call.on('data', (d) => items.push(d));
    call.on('error', reject);
    call.on('end', () => resolve(items));
  });
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

function reflectionInfo(requests) {
  const client = new reflectionPkg.grpc.reflection.v1alpha.ServerReflection(address, creds);
  const call = client.ServerReflectionInfo({ deadline: deadline(5000) });
  const done = collect(call);
  for (const r of requests) call.write(r);
  call.end();
  return done.finally(() => client.close());
}

// A FileDescriptorSet is "repeated FileDescriptorProto file = 1": each file as field 1, length-delimited.
function fileDescriptorSet(files) {
  const parts = [];
  for (const file of files) {
    const length = [];
    let n = file.length;
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      length.push(byte);
    } while (n);
    parts.push(Buffer.from([0x0a, ...length]), file);
  }
  return Buffer.concat(parts);
}

const cases = {
  async unary() {
    const r = await unary(echo, 'Unary', { text: 'hello from grpc-js' });
    expect(r.text === 'hello from grpc-js', `echoed ${JSON.stringify(r.text)}`);
  },
  async 'server-stream'() {
    const items = await collect(echo.ServerStream({ text: 's', count: 5 }, { deadline: deadline(5000) }));
    expect(items.map((i) => i.index).join(',') === '0,1,2,3,4', `got ${items.map((i) => i.index)}`);
  },
  async 'client-stream'() {
    const response = await new Promise((resolve, reject) => {
      const call = echo.ClientStream({ deadline: deadline(5000) }, (err, r) => (err ? reject(err) : resolve(r)));
      for (let i = 0; i < 10; i++) call.write({ text: 'abcd' });
      call.end();
    });
    expect(response.index === 10 && response.text === '40', `got ${JSON.stringify(response)}`);
  },
  async bidi() {
    const call = echo.Bidi({ deadline: deadline(5000) });
    const replies = [];
    // One request, wait for its reply, next one: proves the stream is full duplex.
    await new Promise((resolve, reject) => {
      call.on('error', reject);
      call.on('data', (d) => {
        replies.push(d.text);
        if (replies.length < 3) call.write({ text: `ping${replies.length}` });
        else call.end();
      });
      call.on('end', resolve);
      call.write({ text: 'ping0' });
    });
    expect(replies.join(',') === 'ping0,ping1,ping2', `got ${replies}`);
  },
  async deadline() {
    await expectStatus(unary(echo, 'Slow', {}, 300), grpc.status.DEADLINE_EXCEEDED);
  },
  async status() {
    const err = await expectStatus(unary(echo, 'Fail', { status: 5, text: 'no such room ✓ 100%' }), grpc.status.NOT_FOUND);
    expect(err.details === 'no such room ✓ 100%', `details ${JSON.stringify(err.details)}`);
    expect(err.metadata.get('x-reason')[0] === 'asked-for-it', 'custom trailer missing');
    const internal = await expectStatus(unary(echo, 'Fail', { status: 0 }), grpc.status.INTERNAL);
    expect(!internal.details.includes('hunter2'), 'exception text leaked');
  },
  async unimplemented() {
    const generic = new grpc.Client(address, creds);
    const call = (method) => new Promise((resolve, reject) =>
      generic.makeUnaryRequest(method, (x) => x, (x) => x, Buffer.alloc(0), { deadline: deadline(5000) },
        (err, r) => (err ? reject(err) : resolve(r))));
    await expectStatus(call('/test.v1.Echo/Nope'), grpc.status.UNIMPLEMENTED);
    await expectStatus(call('/test.v1.Nope/Unary'), grpc.status.UNIMPLEMENTED);
    generic.close();
  },
  async health() {
    const health = new healthPkg.grpc.health.v1.Health(address, creds);
    const r = await unary(health, 'Check', { service: '' });
    expect(r.status === 'SERVING', `status ${r.status}`);
    await expectStatus(unary(health, 'Check', { service: 'no-such-service' }), grpc.status.NOT_FOUND);
    const watch = health.Watch({ service: '' });
    const first = await new Promise((resolve, reject) => {
      watch.on('data', resolve);
      watch.on('error', reject);
    });
    expect(first.status === 'SERVING', `watch status ${first.status}`);
    watch.on('error', () => {}); // the cancel below ends it with CANCELLED
    watch.cancel();
    health.close();
  },
  async reflection() {
    const [list] = await reflectionInfo([{ listServices: '*' }]);
    const names = list.listServicesResponse.service.map((s) => s.name);
    for (const expected of ['test.v1.Echo', 'grpc.health.v1.Health', 'grpc.reflection.v1alpha.ServerReflection']) {
      expect(names.includes(expected), `list_services lacks ${expected}: ${names}`);
    }
    const [file] = await reflectionInfo([{ fileContainingSymbol: 'test.v1.Echo' }]);
    const protos = file.fileDescriptorResponse.fileDescriptorProto;
    expect(protos.length >= 2, `expected echo.proto and its import, got ${protos.length} files`);
    // Build a client from the reflected descriptors alone (no .proto file) and call through it.
    const definition = protoLoader.loadFileDescriptorSetFromBuffer(fileDescriptorSet(protos), loadOptions);
    const reflected = grpc.loadPackageDefinition(definition).test.v1.Echo;
    const client = new reflected(address, creds);
    const r = await unary(client, 'Unary', { text: 'via reflection' });
    expect(r.text === 'via reflection', `echoed ${JSON.stringify(r.text)}`);
    client.close();
  },
};

(async () => {
  const selected = process.argv.length > 3 ? process.argv.slice(3) : Object.keys(cases);
  let failed = 0;
  for (const name of selected) {
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
      console.log(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
      failed++;
    }
  }
  echo.close();
  process.exit(failed ? 1 : 0);
})();
