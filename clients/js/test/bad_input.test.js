// What a wrong or broken server does to the client: an error event that
// says what happened, and a client that stays usable.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';

import { socket } from '../src/index.js';
import { FakeWebSocket, MockServer, WebSocket, collectErrors, nextEvent, waitFor, word } from './helpers.js';

function open(t, protocol, options = {}) {
  const s = socket(protocol, { WebSocket, reconnectMin: 10, reconnectMax: 50, ...options });
  t.after(() => s.close());
  return s;
}

async function server(t, options) {
  const m = await new MockServer(options).start();
  t.after(() => m.stop());
  return m;
}

describe('the wrong subprotocol', () => {
  it('a server answering another protocol is refused, retried, and used once it answers right', async (t) => {
    let answer = 'pub.sp.nanomsg.org';
    const m = await server(t, { answer: () => answer });
    const req = open(t, 'req');
    const errors = collectErrors(req);
    req.dial(m.url);
    const reply = req.request('hello');
    await waitFor(() => errors.length >= 2, 'two refused attempts');
    assert.equal(errors[0].code, 'protocol_refused');
    assert.match(errors[0].message, /rep\.sp\.nanomsg\.org/);
    assert.equal(errors[0].url, m.url);
    assert.equal(req.stats().connects, 0);
    answer = 'rep.sp.nanomsg.org';
    const { ws, data } = await m.message(0);
    ws.send(Buffer.concat([data.subarray(0, 4), Buffer.from('finally')]));
    assert.equal((await reply).text(), 'finally');
  });

  it('a server answering no subprotocol is refused', async (t) => {
    const m = await server(t, { answer: () => false });
    const sub = open(t, 'sub');
    const failed = nextEvent(sub, 'error');
    sub.dial(m.url);
    const { error } = await failed;
    assert.equal(error.code, 'protocol_refused');
  });

  it('an HTTP 400 to the upgrade (how SP servers refuse) is protocol_refused', async (t) => {
    const plain = http.createServer();
    plain.on('upgrade', (_req, sock) => sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    await new Promise((r) => plain.listen(0, '127.0.0.1', r));
    t.after(() => new Promise((r) => plain.close(r)));
    const push = open(t, 'push');
    const failed = nextEvent(push, 'error');
    push.dial(`ws://127.0.0.1:${plain.address().port}/x`);
    const { error } = await failed;
    assert.equal(error.code, 'protocol_refused');
    assert.match(error.message, /400/);
  });

  it('a WebSocket that opens with another protocol (a lax implementation) is closed and refused', async (t) => {
    FakeWebSocket.reset('open');
    FakeWebSocket.answerProtocol = '';
    const pair = socket('pair', { WebSocket: FakeWebSocket, reconnectMin: 10_000 });
    t.after(() => pair.close());
    const failed = nextEvent(pair, 'error');
    pair.dial('ws://example.invalid:1/');
    const { error } = await failed;
    assert.equal(error.code, 'protocol_refused');
    assert.equal(FakeWebSocket.instances[0].closedWith, 1000);
    assert.equal(pair.connected, false);
  });

  it('a server that never finishes the upgrade is given up after handshakeTimeout', async (t) => {
    const silent = http.createServer();
    const held = [];
    silent.on('upgrade', (_req, sock) => held.push(sock)); // reads the request, never answers
    await new Promise((r) => silent.listen(0, '127.0.0.1', r));
    t.after(() => {
      for (const sock of held) sock.destroy();
      return new Promise((r) => silent.close(r));
    });
    const s = open(t, 'sub', { handshakeTimeout: 100 });
    const failed = nextEvent(s, 'error');
    s.dial(`ws://127.0.0.1:${silent.address().port}/`);
    const { error } = await failed;
    assert.equal(error.code, 'timed_out');
    assert.match(error.message, /handshakeTimeout/);
  });
});

describe('bad messages', () => {
  it('oversize: error event, message dropped, connection kept; the limit is inclusive', async (t) => {
    const m = await server(t, { protocol: 'push.sp.nanomsg.org' });
    const pull = open(t, 'pull', { recvMaxSize: 1000 });
    const errors = collectErrors(pull);
    pull.dial(m.url);
    await m.waitConnections(1);
    m.open[0].send(Buffer.alloc(1001, 1));
    m.open[0].send(Buffer.alloc(1000, 2));
    const ok = await pull.recv();
    assert.equal(ok.size, 1000);
    assert.equal(ok.body[0], 2);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'message_too_large');
    assert.match(errors[0].message, /1001 bytes, above recvMaxSize 1000/);
    assert.equal(pull.stats().connects, 1);
  });

  it('the default limit is 1 MiB', async (t) => {
    const m = await server(t, { protocol: 'push.sp.nanomsg.org' });
    const pull = open(t, 'pull');
    const errors = collectErrors(pull);
    pull.dial(m.url);
    await m.waitConnections(1);
    m.open[0].send(Buffer.alloc(1024 * 1024 + 1));
    m.open[0].send(Buffer.alloc(1024 * 1024));
    assert.equal((await pull.recv()).size, 1024 * 1024);
    assert.deepEqual(errors.map((e) => e.code), ['message_too_large']);
  });

  it('an oversize reply fails its request with message_too_large', async (t) => {
    const m = await server(t, { protocol: 'rep.sp.nanomsg.org' });
    const req = open(t, 'req', { recvMaxSize: 100 });
    req.dial(m.url);
    const reply = req.request('big one please');
    const { ws, data } = await m.message(0);
    ws.send(Buffer.concat([data.subarray(0, 4), Buffer.alloc(200)]));
    await assert.rejects(reply, { code: 'message_too_large' });
    const next = req.request('small');
    const second = await m.message(1);
    ws.send(Buffer.concat([second.data.subarray(0, 4), Buffer.from('fits')]));
    assert.equal((await next).text(), 'fits');
  });

  it('a text message: protocol_error, dropped, the next binary one arrives', async (t) => {
    const m = await server(t, { protocol: 'pair.sp.nanomsg.org' });
    const pair = open(t, 'pair');
    const errors = collectErrors(pair);
    pair.dial(m.url);
    await m.waitConnections(1);
    m.open[0].send('text frame');
    m.open[0].send(Buffer.from('binary'));
    assert.equal((await pair.recv()).text(), 'binary');
    assert.equal(errors[0].code, 'protocol_error');
    assert.equal(pair.stats().connects, 1);
  });

  it('malformed REQ replies are reported and dropped; the request still completes', async (t) => {
    const m = await server(t, { protocol: 'rep.sp.nanomsg.org' });
    const req = open(t, 'req');
    const errors = collectErrors(req);
    req.dial(m.url);
    const reply = req.request('q');
    const { ws, data } = await m.message(0);
    ws.send(Buffer.from([1, 2]));
    ws.send(Buffer.concat([word(0x00000001), Buffer.from('no top bit')]));
    ws.send(Buffer.concat([data.subarray(0, 4), Buffer.from('good')]));
    assert.equal((await reply).text(), 'good');
    assert.deepEqual(errors.map((e) => e.code), ['malformed', 'malformed']);
    assert.match(errors[0].message, /shorter than the 4-byte id/);
    assert.match(errors[1].message, /top bit clear/);
  });

  it('malformed REP requests and SURVEYOR answers are reported and dropped', async (t) => {
    const reqServer = await server(t, { protocol: 'req.sp.nanomsg.org' });
    const rep = open(t, 'rep');
    const repErrors = collectErrors(rep);
    rep.dial(reqServer.url);
    await reqServer.waitConnections(1);
    reqServer.open[0].send(Buffer.concat([word(1), word(2)])); // no id word
    reqServer.open[0].send(Buffer.concat([word(0x80000001), Buffer.from('valid')]));
    assert.equal((await rep.recv()).text(), 'valid');
    assert.deepEqual(repErrors.map((e) => e.code), ['malformed']);

    const respondents = await server(t, { protocol: 'respondent.sp.nanomsg.org' });
    const sv = open(t, 'surveyor');
    const svErrors = collectErrors(sv);
    sv.dial(respondents.url);
    await sv.waitConnected({ timeout: 20_000 });
    await sv.send('q');
    const { ws, data } = await respondents.message(0);
    ws.send(Buffer.from([0x80]));
    ws.send(Buffer.concat([data.subarray(0, 4), Buffer.from('a')]));
    assert.equal((await sv.recv()).text(), 'a');
    assert.deepEqual(svErrors.map((e) => e.code), ['malformed']);
  });

  it('a full receive queue drops the newest messages, reports once, and recovers', async (t) => {
    const m = await server(t, { protocol: 'push.sp.nanomsg.org' });
    const pull = open(t, 'pull', { recvBuffer: 2 });
    const errors = collectErrors(pull);
    pull.dial(m.url);
    await m.waitConnections(1);
    for (const text of ['1', '2', '3', '4']) m.open[0].send(Buffer.from(text));
    await waitFor(() => pull.stats().messagesIn === 4, 'four messages in');
    assert.equal(pull.stats().drops, 2);
    assert.deepEqual(errors.map((e) => e.code), ['queue_full']);
    assert.equal((await pull.recv()).text(), '1');
    assert.equal((await pull.recv()).text(), '2');
    m.open[0].send(Buffer.from('5'));
    assert.equal((await pull.recv()).text(), '5');
  });
});
