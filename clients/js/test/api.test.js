// The API's edges: options and their errors, reconnect backoff, closing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SPError, defaults, protocols, socket } from '../src/index.js';
import { withJitter } from '../src/dialer.js';
import { FakeWebSocket, MockServer, WebSocket, nextEvent, waitFor } from './helpers.js';

describe('arguments', () => {
  it('names the bad value', () => {
    assert.throws(() => socket('nope'), (e) => e instanceof SPError && e.code === 'invalid_argument' && /'nope'/.test(e.message));
    assert.throws(() => socket('req', { recvTimeOut: 5 }), { code: 'invalid_argument', message: /'recvTimeOut'/ });
    assert.throws(() => socket('req', { reconnectMin: 0 }), { code: 'invalid_argument', message: /reconnectMin/ });
    assert.throws(() => socket('req', { reconnectMin: 500, reconnectMax: 100 }), { code: 'invalid_argument', message: /reconnectMax/ });
    assert.throws(() => socket('rep', { maxTtl: 16 }), { code: 'invalid_argument', message: /maxTtl must be 1\.\.15/ });
    assert.throws(() => socket('pub', { maxTtl: 3 }), { code: 'invalid_argument', message: /'maxTtl'/ });
    assert.throws(() => socket('req', { recvTimeout: '5' }), { code: 'invalid_argument', message: /recvTimeout/ });
    const s = socket('pair', { WebSocket: FakeWebSocket });
    assert.throws(() => s.dial('http://127.0.0.1:5/'), { code: 'invalid_argument', message: /http:/ });
    assert.throws(() => s.dial('not a url'), { code: 'invalid_argument', message: /'not a url'/ });
    return assert.rejects(s.send({ an: 'object' }), { code: 'invalid_argument', message: /Object/ });
  });

  it('every protocol is there, with sprocket\'s defaults', () => {
    assert.deepEqual([...protocols].sort(),
      ['bus', 'pair', 'pub', 'pull', 'push', 'rep', 'req', 'respondent', 'sub', 'surveyor']);
    assert.equal(defaults.reconnectMin, 100);
    assert.equal(defaults.reconnectMax, 10_000);
    assert.equal(defaults.recvMaxSize, 1024 * 1024);
    assert.equal(socket('req').options.resendInterval, 60_000);
    assert.equal(socket('surveyor').options.surveyDeadline, 1000);
    assert.equal(socket('rep').options.maxTtl, 8);
  });

  it('without a WebSocket implementation, dial says how to get one', (t) => {
    const saved = globalThis.WebSocket;
    globalThis.WebSocket = undefined;
    t.after(() => {
      globalThis.WebSocket = saved;
    });
    const s = socket('sub');
    assert.throws(() => s.dial('ws://127.0.0.1:1/'), { code: 'not_supported', message: /"ws" package/ });
  });

  it('operations that a protocol does not have are not_supported', async () => {
    await assert.rejects(socket('sub').send('x'), { code: 'not_supported' });
    await assert.rejects(socket('push').recv(), { code: 'not_supported' });
    await assert.rejects(socket('pull').send('x'), { code: 'not_supported' });
  });
});

describe('reconnect backoff', () => {
  it('jitter spreads a delay over [d/2, d]', () => {
    for (let i = 0; i < 1000; i++) {
      const d = withJitter(100);
      assert.ok(d >= 50 && d <= 100, `${d}`);
    }
    assert.ok(withJitter(1) <= 1);
  });

  it('doubles from reconnectMin to reconnectMax, and starts again after a connection', async (t) => {
    // With Math.random() just below 1 each wait is its nominal delay; the
    // delays asked of setTimeout show the sequence without measuring time.
    const { random } = Math;
    const realSetTimeout = globalThis.setTimeout;
    const delays = [];
    Math.random = () => 0.999999;
    globalThis.setTimeout = (fn, ms, ...rest) => {
      if (ms === 12_345) return realSetTimeout(fn, ms, ...rest); // the handshake timer, left alone
      delays.push(ms);
      return realSetTimeout(fn, 0, ...rest);
    };
    t.after(() => {
      Math.random = random;
      globalThis.setTimeout = realSetTimeout;
    });
    FakeWebSocket.reset((i) => (i < 7 ? 'fail' : 'manual'));
    const s = socket('pull', { WebSocket: FakeWebSocket, reconnectMin: 20, reconnectMax: 160, handshakeTimeout: 12_345 });
    t.after(() => s.close());
    s.dial('ws://127.0.0.1:9/');
    await waitFor(() => FakeWebSocket.instances.length >= 8, 'the eighth attempt');
    assert.deepEqual(delays.slice(0, 7), [20, 40, 80, 160, 160, 160, 160]);
    const ws = FakeWebSocket.instances[7];
    ws.accept();
    assert.equal(s.connected, true);
    const before = delays.length;
    ws.drop();
    assert.equal(s.connected, false);
    assert.equal(delays[before], 20, 'the delay starts again at reconnectMin after a connection');
    assert.ok(s.stats().reconnects >= 7);
  });

  it('reconnects to a restarted server and works again', async (t) => {
    const m = await new MockServer({ protocol: 'rep.sp.nanomsg.org' }).start();
    const req = socket('req', { WebSocket, reconnectMin: 10, reconnectMax: 100 });
    t.after(() => req.close());
    req.dial(m.url);
    await req.waitConnected({ timeout: 20_000 });
    const gone = nextEvent(req, 'disconnect');
    await m.stop();
    await gone;
    const again = await new MockServer({ protocol: 'rep.sp.nanomsg.org', port: m.port }).start();
    t.after(() => again.stop());
    const back = req.waitConnected({ timeout: 20_000 });
    const reply = req.request('after restart');
    await back;
    const { ws, data } = await again.message(0);
    ws.send(Buffer.concat([data.subarray(0, 4), Buffer.from('works')]));
    assert.equal((await reply).text(), 'works');
  });
});

describe('closing', () => {
  it('fails pending and later operations with closed, ends iterators, stops reconnecting', async () => {
    FakeWebSocket.reset('manual');
    const s = socket('pull', { WebSocket: FakeWebSocket, reconnectMin: 1 });
    s.dial('ws://127.0.0.1:9/');
    FakeWebSocket.instances[0].accept();
    const pending = s.recv();
    const iterated = (async () => {
      const got = [];
      for await (const m of s) got.push(m);
      return got;
    })();
    const closeEvent = nextEvent(s, 'close');
    s.close();
    s.close();
    await closeEvent;
    await assert.rejects(pending, { code: 'closed' });
    assert.deepEqual(await iterated, []);
    await assert.rejects(s.recv(), { code: 'closed' });
    assert.throws(() => s.dial('ws://127.0.0.1:9/'), { code: 'closed' });
    assert.equal(FakeWebSocket.instances[0].closedWith, 1000);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(FakeWebSocket.instances.length, 1, 'no attempt after close');
  });

  it('closing a REQ fails its requests; closing a SURVEYOR its surveys', async () => {
    FakeWebSocket.reset('manual');
    const req = socket('req', { WebSocket: FakeWebSocket });
    req.dial('ws://127.0.0.1:9/');
    const parked = req.request('never sent');
    const sending = req.send('waits for a connection');
    req.close();
    await assert.rejects(parked, { code: 'closed' });
    await assert.rejects(sending, { code: 'closed' });
    const sv = socket('surveyor', { WebSocket: FakeWebSocket });
    const survey = sv.survey('q');
    sv.close();
    await assert.rejects(survey, { code: 'closed' });
  });

  it('a dialer closes on its own; the socket goes on', async (t) => {
    FakeWebSocket.reset('manual');
    const s = socket('bus', { WebSocket: FakeWebSocket });
    t.after(() => s.close());
    const d1 = s.dial('ws://127.0.0.1:9/a');
    s.dial('ws://127.0.0.1:9/b');
    FakeWebSocket.instances[0].accept();
    FakeWebSocket.instances[1].accept();
    assert.equal(s.stats().pipes, 2);
    const gone = nextEvent(s, 'disconnect');
    d1.close();
    assert.equal((await gone).url, 'ws://127.0.0.1:9/a');
    assert.equal(d1.state, 'closed');
    assert.equal(s.stats().pipes, 1);
    await s.send('still here');
    assert.equal(new TextDecoder().decode(FakeWebSocket.instances[1].sent[0]), 'still here');
  });
});
