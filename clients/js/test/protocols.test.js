// Each protocol against a mock SP server (the `ws` package), checking the
// wire byte for byte: subprotocols, headers, ids, resends, routing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SPError, socket } from '../src/index.js';
import { MockServer, WebSocket, nextEvent, waitFor, word } from './helpers.js';

/** A socket of `protocol` using the `ws` package, closed after the test. */
function open(t, protocol, options = {}) {
  const s = socket(protocol, { WebSocket, reconnectMin: 10, reconnectMax: 50, ...options });
  t.after(() => s.close());
  return s;
}

async function server(t, protocol, options = {}) {
  const m = await new MockServer({ protocol, ...options }).start();
  t.after(() => m.stop());
  return m;
}

describe('subprotocols', () => {
  const table = {
    pair: 'pair', req: 'rep', rep: 'req', pub: 'sub', sub: 'pub', push: 'pull', pull: 'push',
    bus: 'bus', surveyor: 'respondent', respondent: 'surveyor',
  };
  for (const [mine, peer] of Object.entries(table)) {
    it(`a ${mine} socket asks for ${peer}.sp.nanomsg.org`, async (t) => {
      const m = await server(t, `${peer}.sp.nanomsg.org`);
      const s = open(t, mine);
      s.dial(m.url);
      await s.waitConnected({ timeout: 20_000 });
      assert.deepEqual(m.offered[0], [`${peer}.sp.nanomsg.org`]);
      assert.equal(s.peerSubprotocol, `${peer}.sp.nanomsg.org`);
    });
  }
});

describe('REQ', () => {
  it('sends a 31-bit id with the top bit set, counting up, and matches replies', async (t) => {
    const m = await server(t, 'rep.sp.nanomsg.org');
    const req = open(t, 'req');
    req.dial(m.url);
    const first = req.request('one');
    const second = req.request('two');
    const a = await m.message(0);
    const b = await m.message(1);
    assert.equal(a.isBinary, true);
    const idA = a.data.readUInt32BE(0);
    const idB = b.data.readUInt32BE(0);
    assert.ok(idA & 0x80000000, 'top bit set');
    assert.equal(((idB & 0x7fffffff) - (idA & 0x7fffffff) + 0x80000000) % 0x80000000, 1);
    assert.equal(a.data.subarray(4).toString(), 'one');
    assert.equal(b.data.subarray(4).toString(), 'two');
    // Answer in reverse order; each request gets its own reply.
    b.ws.send(Buffer.concat([word(idB), Buffer.from('2')]));
    a.ws.send(Buffer.concat([word(idA), Buffer.from('1')]));
    assert.equal((await first).text(), '1');
    assert.equal((await second).text(), '2');
  });

  it('starts ids at a random value', async (t) => {
    const m = await server(t, 'rep.sp.nanomsg.org');
    const ids = new Set();
    for (let i = 0; i < 3; i++) {
      const req = open(t, 'req');
      req.dial(m.url);
      req.request('x').catch(() => {});
      ids.add((await m.message(i)).data.readUInt32BE(0));
    }
    assert.equal(ids.size, 3, 'three sockets, three different first ids');
  });

  it('drops a reply with an unknown id and keeps waiting', async (t) => {
    const m = await server(t, 'rep.sp.nanomsg.org');
    const req = open(t, 'req');
    req.dial(m.url);
    const reply = req.request('q');
    const { ws, data } = await m.message(0);
    const id = data.readUInt32BE(0);
    ws.send(Buffer.concat([word(id ^ 1), Buffer.from('stale')]));
    ws.send(Buffer.concat([word(id), Buffer.from('right')]));
    assert.equal((await reply).text(), 'right');
    assert.equal(req.stats().drops, 1);
  });

  it('resends after the resend interval with the same id', async (t) => {
    const m = await server(t, 'rep.sp.nanomsg.org');
    const req = open(t, 'req', { resendInterval: 100 });
    req.dial(m.url);
    const reply = req.request('again?');
    const first = await m.message(0);
    const second = await m.message(1);
    assert.deepEqual(second.data, first.data);
    second.ws.send(Buffer.concat([second.data.subarray(0, 4), Buffer.from('yes')]));
    assert.equal((await reply).text(), 'yes');
  });

  it('resends at once on the new connection when the one that carried it drops', async (t) => {
    const m = await server(t, 'rep.sp.nanomsg.org');
    const req = open(t, 'req');
    req.dial(m.url);
    const reply = req.request('survive');
    const first = await m.message(0);
    first.ws.terminate();
    const second = await m.message(1);
    assert.notEqual(second.ws, first.ws);
    assert.deepEqual(second.data, first.data);
    second.ws.send(Buffer.concat([second.data.subarray(0, 4), Buffer.from('ok')]));
    assert.equal((await reply).text(), 'ok');
  });

  it('parks a request made before any connection and sends it on connect', async (t) => {
    const m = new MockServer({ protocol: 'rep.sp.nanomsg.org' });
    await m.start();
    const port = m.port;
    await m.stop();
    const req = open(t, 'req');
    req.dial(`ws://127.0.0.1:${port}/sp`);
    const reply = req.request('patient');
    await new Promise((r) => setTimeout(r, 100));
    const again = new MockServer({ protocol: 'rep.sp.nanomsg.org', port });
    await again.start();
    t.after(() => again.stop());
    const { ws, data } = await again.message(0);
    assert.equal(data.subarray(4).toString(), 'patient');
    ws.send(Buffer.concat([data.subarray(0, 4), Buffer.from('here')]));
    assert.equal((await reply).text(), 'here');
  });

  it('send/recv: recv before send is bad_state; a new send abandons the old request', async (t) => {
    const m = await server(t, 'rep.sp.nanomsg.org');
    const req = open(t, 'req');
    req.dial(m.url);
    await assert.rejects(req.recv(), (e) => e instanceof SPError && e.code === 'bad_state');
    await req.send('old');
    const pending = req.recv();
    await req.send('new');
    await assert.rejects(pending, { code: 'aborted' });
    const old = await m.message(0);
    const current = await m.message(1);
    old.ws.send(Buffer.concat([old.data.subarray(0, 4), Buffer.from('late')]));
    current.ws.send(Buffer.concat([current.data.subarray(0, 4), Buffer.from('fresh')]));
    assert.equal((await req.recv()).text(), 'fresh');
    await assert.rejects(req.recv(), { code: 'bad_state' });
  });

  it('times out, aborts and cancels', async (t) => {
    const m = await server(t, 'rep.sp.nanomsg.org');
    const req = open(t, 'req');
    req.dial(m.url);
    await assert.rejects(req.request('silence', { timeout: 50 }), { code: 'timed_out' });
    const ac = new AbortController();
    const aborted = req.request('stop', { signal: ac.signal });
    ac.abort();
    await assert.rejects(aborted, { code: 'aborted' });
    await req.send('x');
    await assert.rejects(req.recv({ timeout: 30 }), { code: 'timed_out' });
    const waiting = req.recv();
    req.cancel();
    await assert.rejects(waiting, { code: 'aborted' });
    await assert.rejects(req.recv(), { code: 'bad_state' });
  });
});

describe('REP', () => {
  it('echoes the whole backtrace in front of the reply', async (t) => {
    const m = await server(t, 'req.sp.nanomsg.org');
    const rep = open(t, 'rep');
    rep.dial(m.url);
    await m.waitConnections(1);
    const header = Buffer.concat([word(5), word(0x12345), word(0x80000007)]);
    m.open[0].send(Buffer.concat([header, Buffer.from('question')]));
    const q = await rep.recv();
    assert.equal(q.text(), 'question');
    await rep.send('answer');
    const { data } = await m.message(0);
    assert.deepEqual(data, Buffer.concat([header, Buffer.from('answer')]));
    await assert.rejects(rep.send('twice'), { code: 'bad_state' });
  });

  it('answers out of order with Message.reply, once each', async (t) => {
    const m = await server(t, 'req.sp.nanomsg.org');
    const rep = open(t, 'rep');
    rep.dial(m.url);
    await m.waitConnections(1);
    m.open[0].send(Buffer.concat([word(0x80000001), Buffer.from('a')]));
    m.open[0].send(Buffer.concat([word(0x80000002), Buffer.from('b')]));
    const a = await rep.recv();
    const b = await rep.recv();
    b.reply('B');
    a.reply('A');
    assert.throws(() => a.reply('again'), { code: 'bad_state' });
    assert.deepEqual((await m.message(0)).data, Buffer.concat([word(0x80000002), Buffer.from('B')]));
    assert.deepEqual((await m.message(1)).data, Buffer.concat([word(0x80000001), Buffer.from('A')]));
  });

  it('drops requests with more hops than maxTtl', async (t) => {
    const m = await server(t, 'req.sp.nanomsg.org');
    const rep = open(t, 'rep', { maxTtl: 3 });
    rep.dial(m.url);
    await m.waitConnections(1);
    m.open[0].send(Buffer.concat([word(1), word(2), word(3), word(0x80000001), Buffer.from('too deep')]));
    m.open[0].send(Buffer.concat([word(1), word(2), word(0x80000002), Buffer.from('just right')]));
    assert.equal((await rep.recv()).text(), 'just right');
    assert.equal(rep.stats().drops, 1);
  });
});

describe('PUB/SUB', () => {
  it('SUB filters by byte prefix; unsubscribe stops a topic; no subscription, nothing', async (t) => {
    const m = await server(t, 'pub.sp.nanomsg.org');
    const sub = open(t, 'sub');
    const none = open(t, 'sub');
    sub.subscribe('a');
    sub.subscribe(new Uint8Array([0x45, 0x4e, 0x44])); // "END"
    sub.dial(m.url);
    none.dial(m.url);
    await m.waitConnections(2);
    for (const text of ['a1', 'b1', 'a2', 'ab', 'END']) for (const ws of m.open) ws.send(Buffer.from(text));
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await sub.recv()).text());
    assert.deepEqual(got, ['a1', 'a2', 'ab', 'END']);
    assert.equal(sub.unsubscribe('a'), true);
    assert.equal(sub.unsubscribe('never'), false);
    for (const text of ['a3', 'END']) for (const ws of m.open) ws.send(Buffer.from(text));
    assert.equal((await sub.recv()).text(), 'END');
    none.subscribe('END');
    for (const ws of m.open) ws.send(Buffer.from('END'));
    // Everything before this END was filtered out on the unsubscribed socket.
    assert.equal((await none.recv()).text(), 'END');
    assert.equal(none.stats().messagesIn, 8);
  });

  it('PUB sends the bare body to every subscriber connected', async (t) => {
    const m1 = await server(t, 'sub.sp.nanomsg.org');
    const m2 = await server(t, 'sub.sp.nanomsg.org');
    const pub = open(t, 'pub');
    pub.dial(m1.url);
    pub.dial(m2.url);
    await waitFor(() => pub.stats().pipes === 2, 'two connections');
    await pub.send('news');
    assert.deepEqual((await m1.message(0)).data, Buffer.from('news'));
    assert.deepEqual((await m2.message(0)).data, Buffer.from('news'));
    await assert.rejects(pub.recv(), { code: 'not_supported' });
  });
});

describe('PUSH/PULL, PAIR, BUS', () => {
  it('PUSH round-robins over its connections', async (t) => {
    const m1 = await server(t, 'pull.sp.nanomsg.org');
    const m2 = await server(t, 'pull.sp.nanomsg.org');
    const push = open(t, 'push');
    push.dial(m1.url);
    push.dial(m2.url);
    await waitFor(() => push.stats().pipes === 2, 'two connections');
    for (const job of ['1', '2', '3', '4']) await push.send(job);
    await m1.message(1);
    await m2.message(1);
    assert.equal(m1.messages.length + m2.messages.length, 4);
  });

  it('PUSH waits for a connection, up to the send timeout', async (t) => {
    const push = open(t, 'push', { sendTimeout: 50 });
    await assert.rejects(push.send('nobody'), { code: 'timed_out' });
    const m = await server(t, 'pull.sp.nanomsg.org');
    push.dial(m.url);
    await push.send('somebody', { timeout: 20_000 });
    assert.deepEqual((await m.message(0)).data, Buffer.from('somebody'));
  });

  it('PULL receives from every connection', async (t) => {
    const m1 = await server(t, 'push.sp.nanomsg.org');
    const m2 = await server(t, 'push.sp.nanomsg.org');
    const pull = open(t, 'pull');
    pull.dial(m1.url);
    pull.dial(m2.url);
    await m1.waitConnections(1);
    await m2.waitConnections(1);
    m1.open[0].send(Buffer.from('x'));
    m2.open[0].send(Buffer.from('y'));
    const got = [(await pull.recv()).text(), (await pull.recv()).text()].sort();
    assert.deepEqual(got, ['x', 'y']);
  });

  it('PAIR talks both ways and refuses a second peer', async (t) => {
    const m1 = await server(t, 'pair.sp.nanomsg.org');
    const m2 = await server(t, 'pair.sp.nanomsg.org');
    const pair = open(t, 'pair');
    pair.dial(m1.url);
    await pair.waitConnected({ timeout: 20_000 });
    const refused = nextEvent(pair, 'error');
    pair.dial(m2.url);
    assert.equal((await refused).error.code, 'protocol_refused');
    await pair.send('ping');
    assert.deepEqual((await m1.message(0)).data, Buffer.from('ping'));
    m1.open[0].send(Buffer.from('pong'));
    assert.equal((await pair.recv()).text(), 'pong');
  });

  it('BUS sends to every neighbour and receives from all, no header', async (t) => {
    const m1 = await server(t, 'bus.sp.nanomsg.org');
    const m2 = await server(t, 'bus.sp.nanomsg.org');
    const bus = open(t, 'bus');
    bus.dial(m1.url);
    bus.dial(m2.url);
    await waitFor(() => bus.stats().pipes === 2, 'two connections');
    await bus.send('all');
    assert.deepEqual((await m1.message(0)).data, Buffer.from('all'));
    assert.deepEqual((await m2.message(0)).data, Buffer.from('all'));
    m2.open[0].send(Buffer.from('back'));
    assert.equal((await bus.recv()).text(), 'back');
  });
});

describe('SURVEYOR/RESPONDENT', () => {
  it('collects answers until the deadline, then timed_out once, then bad_state', async (t) => {
    const m1 = await server(t, 'respondent.sp.nanomsg.org');
    const m2 = await server(t, 'respondent.sp.nanomsg.org');
    const sv = open(t, 'surveyor', { surveyDeadline: 300 });
    sv.dial(m1.url);
    sv.dial(m2.url);
    await waitFor(() => sv.stats().pipes === 2, 'two connections');
    await assert.rejects(sv.recv(), { code: 'bad_state' });
    await sv.send('who?');
    const q1 = await m1.message(0);
    const q2 = await m2.message(0);
    assert.deepEqual(q1.data, q2.data, 'one survey, the same bytes to all');
    const id = q1.data.readUInt32BE(0);
    assert.ok(id & 0x80000000);
    assert.equal(q1.data.subarray(4).toString(), 'who?');
    q1.ws.send(Buffer.concat([word(id), Buffer.from('m1')]));
    q2.ws.send(Buffer.concat([word(id), Buffer.from('m2')]));
    const answers = [(await sv.recv()).text(), (await sv.recv()).text()].sort();
    assert.deepEqual(answers, ['m1', 'm2']);
    await assert.rejects(sv.recv(), { code: 'timed_out' });
    await assert.rejects(sv.recv(), { code: 'bad_state' });
    const drops = sv.stats().drops;
    q1.ws.send(Buffer.concat([word(id), Buffer.from('late')]));
    await waitFor(() => sv.stats().drops === drops + 1, 'the late answer dropped');
  });

  it('survey() resolves with the answers of its own survey at the deadline', async (t) => {
    const m = await server(t, 'respondent.sp.nanomsg.org');
    const sv = open(t, 'surveyor');
    sv.dial(m.url);
    await sv.waitConnected({ timeout: 20_000 });
    const result = sv.survey('ping', { deadline: 300 });
    const { ws, data } = await m.message(0);
    ws.send(Buffer.concat([data.subarray(0, 4), Buffer.from('pong')]));
    const answers = await result;
    assert.deepEqual(answers.map((a) => a.text()), ['pong']);
  });

  it('RESPONDENT answers along the backtrace', async (t) => {
    const m = await server(t, 'surveyor.sp.nanomsg.org');
    const r = open(t, 'respondent');
    r.dial(m.url);
    await m.waitConnections(1);
    const header = Buffer.concat([word(9), word(0x80000abc)]);
    m.open[0].send(Buffer.concat([header, Buffer.from('status?')]));
    const s = await r.recv();
    assert.equal(s.text(), 'status?');
    await r.send('fine');
    assert.deepEqual((await m.message(0)).data, Buffer.concat([header, Buffer.from('fine')]));
  });
});

describe('async iteration and events', () => {
  it('iterates messages until close; connect and disconnect events name the URL', async (t) => {
    const m = await server(t, 'push.sp.nanomsg.org');
    const pull = open(t, 'pull');
    const connected = nextEvent(pull, 'connect');
    pull.dial(m.url);
    assert.equal((await connected).url, m.url);
    m.open[0].send(Buffer.from('1'));
    m.open[0].send(Buffer.from('2'));
    const seen = [];
    for await (const msg of pull) {
      seen.push(msg.text());
      if (seen.length === 2) {
        const gone = nextEvent(pull, 'disconnect');
        m.open[0].close(1001);
        assert.equal((await gone).url, m.url);
        pull.close();
      }
    }
    assert.deepEqual(seen, ['1', '2']);
  });
});
