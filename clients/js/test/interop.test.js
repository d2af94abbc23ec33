// The client against real SP peers over ws://: sprocket (its nanocat),
// NNG (nngcat) and nanomsg (nanocat). The peer listens; the client dials.
//
//   SPROCKET_JS_PEER=sprocket|nng|nanomsg   which peer (default sprocket)
//   SPROCKET_JS_PEER_BIN=/path/to/cat      its program (default: by name on PATH)
//
// CTest runs this file once per peer (clients/js/CMakeLists.txt).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { socket } from '../src/index.js';
import { EVENT_TIMEOUT, WebSocket, collectErrors, freePort, nextEvent, waitFor } from './helpers.js';

const PEERS = {
  sprocket: {
    program: 'nanocat', proto: (p) => `--${p}`, listen: '--bind', interval: '0.1', surveyInterval: '0.1',
    resend: ['--interval', '0.1'], path: '/sp', bus: true,
  },
  // nngcat: protocol names with a 0, whole seconds only, no BUS in 1.5.2.
  // Its surveys go every 2 s: NNG 1.5.2 can deadlock when the next survey
  // goes out as the last one's 1 s survey time ends. Its REQ and PAIR send
  // once (`resend`): with --interval N, nngcat exits when that send waited
  // for us more than N s (docs/nanocat.md, "Notes on peers").
  nng: {
    program: 'nngcat', proto: (p) => `--${p}0`, listen: '--listen', interval: '1', surveyInterval: '2',
    resend: [], path: '/sp', bus: false,
  },
  // nanomsg cannot listen on a ws path: it binds host:port and serves every path.
  nanomsg: {
    program: 'nanocat', proto: (p) => `--${p}`, listen: '--bind', interval: '0.1', surveyInterval: '0.1',
    resend: ['--interval', '0.1'], path: '', bus: true,
  },
};

const peerName = process.env.SPROCKET_JS_PEER ?? 'sprocket';
const peer = PEERS[peerName];
if (!peer) throw new Error(`SPROCKET_JS_PEER must be one of ${Object.keys(PEERS).join(', ')}, not '${peerName}'`);
const program = process.env.SPROCKET_JS_PEER_BIN || peer.program;

/** A peer program running in the background, its output collected. */
class PeerProcess {
  constructor(args) {
    this.args = args;
    this.out = Buffer.alloc(0);
    this.err = '';
    this.child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (e) => {
        this.err += `could not start ${program}: ${e.message} (install nng-utils / nanomsg-utils, or build sprocket's nanocat)\n`;
        resolve(-1);
      });
      this.child.once('exit', (code, signal) => resolve(code ?? signal));
    });
    this.child.stdout.on('data', (d) => {
      this.out = Buffer.concat([this.out, d]);
    });
    this.child.stderr.on('data', (d) => {
      this.err += d;
    });
  }

  get text() {
    return this.out.toString('latin1');
  }

  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  describe() {
    return `${program} ${this.args.join(' ')}\nstdout: ${this.text.slice(-500)}\nstderr: ${this.err.slice(-500)}`;
  }
}

/**
 * Starts the peer as `protocol`, listening on a free port, with `args`
 * after the address, and dials it from `client`; retries on another port
 * if the peer could not bind (another test took the port meanwhile).
 */
async function startPeer(t, protocol, args, client) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const listenUrl = `ws://127.0.0.1:${port}${peer.path}`;
    const proc = new PeerProcess([peer.proto(protocol), peer.listen, listenUrl, ...args]);
    t.after(() => proc.stop());
    const dialer = client?.dial(`ws://127.0.0.1:${port}${peer.path || '/'}`);
    const up = client ? client.waitConnected({ timeout: EVENT_TIMEOUT }) : listening(port);
    const outcome = await Promise.race([up.then(() => 'connected'), proc.exited.then(() => 'exited')])
      .catch((e) => e.message);
    if (outcome === 'connected') return { proc, port };
    dialer?.close();
    if (attempt === 5 || outcome !== 'exited') assert.fail(`the peer did not come up (${outcome}): ${proc.describe()}`);
  }
}

/** Resolves once something accepts TCP connections on `port`. */
function listening(port) {
  const tryOnce = () => new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  return waitFor(tryOnce, `a listener on port ${port}`);
}

function open(t, protocol, options = {}) {
  const s = socket(protocol, { WebSocket, reconnectMin: 20, reconnectMax: 200, ...options });
  t.after(() => s.close());
  return s;
}

async function printed(proc, text) {
  await waitFor(() => proc.text.includes(text), `'${text}' printed by the peer`).catch((e) => {
    throw new Error(`${e.message}\n${proc.describe()}`);
  });
}

/** A body of `size` printable bytes, different from one position to the next. */
function bigBody(size) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = 0x41 + ((i * 7) % 26);
  return b;
}

describe(`interop with ${peerName} (${program}) over ws://`, () => {
  it('REQ -> REP: concurrent requests, each answered', async (t) => {
    const req = open(t, 'req');
    const { proc } = await startPeer(t, 'rep', ['--data', 'pong', '--ascii'], req);
    const replies = await Promise.all([req.request('ping1'), req.request('ping2'), req.request('ping3')]);
    assert.deepEqual(replies.map((r) => r.text()), ['pong', 'pong', 'pong']);
    await printed(proc, 'ping3');
    await req.send('ping4');
    assert.equal((await req.recv()).text(), 'pong');
  });

  it('REQ -> REP: a 300 KiB reply, fragmented by the server, arrives whole', async (t) => {
    const file = join(mkdtempSync(join(tmpdir(), 'sprocket-js-')), 'big.bin');
    const body = bigBody(300 * 1024);
    writeFileSync(file, body);
    const req = open(t, 'req');
    await startPeer(t, 'rep', ['--file', file], req);
    const reply = await req.request('big?');
    assert.equal(reply.size, body.length);
    assert.ok(Buffer.from(reply.body).equals(body));
  });

  it('REP <- REQ: answers the peer\'s requests', async (t) => {
    const rep = open(t, 'rep');
    const { proc } = await startPeer(t, 'req', ['--data', 'question', ...peer.resend, '--ascii'], rep);
    const q = await rep.recv({ timeout: EVENT_TIMEOUT });
    assert.equal(q.text(), 'question');
    await rep.send('answer');
    await printed(proc, 'answer');
  });

  it('SUB <- PUB: receives the subscribed topic', async (t) => {
    const sub = open(t, 'sub');
    sub.subscribe('news/');
    await startPeer(t, 'pub', ['--data', 'news/1 hello', '--interval', peer.interval], sub);
    assert.equal((await sub.recv({ timeout: EVENT_TIMEOUT })).text(), 'news/1 hello');
  });

  it('SUB <- PUB: nothing of other topics', async (t) => {
    const sub = open(t, 'sub');
    sub.subscribe('other/');
    await startPeer(t, 'pub', ['--data', 'news/1 hello', '--interval', peer.interval], sub);
    await waitFor(() => sub.stats().messagesIn >= 2, 'two messages in');
    await assert.rejects(sub.recv({ timeout: 0 }), { code: 'timed_out' });
  });

  it('PUB -> SUB: the peer receives what is published', async (t) => {
    const pub = open(t, 'pub');
    const { proc } = await startPeer(t, 'sub', ['--subscribe', '', '--ascii'], pub);
    // PUB sends only to subscribers connected now: publish until it arrives.
    await waitFor(async () => {
      await pub.send('published');
      return proc.text.includes('published');
    }, 'the published message at the peer').catch((e) => assert.fail(`${e.message}\n${proc.describe()}`));
  });

  it('PUSH -> PULL, small and 300 KiB', async (t) => {
    const push = open(t, 'push');
    const { proc } = await startPeer(t, 'pull', ['--raw'], push);
    await push.send('job');
    const big = bigBody(300 * 1024);
    await push.send(big);
    await waitFor(() => proc.out.length >= 3 + big.length, 'both messages at the peer').catch((e) => assert.fail(`${e.message}\n${proc.describe()}`));
    assert.ok(proc.out.equals(Buffer.concat([Buffer.from('job'), big])));
  });

  it('PULL <- PUSH', async (t) => {
    const pull = open(t, 'pull');
    await startPeer(t, 'push', ['--data', 'work', '--interval', peer.interval], pull);
    assert.equal((await pull.recv({ timeout: EVENT_TIMEOUT })).text(), 'work');
  });

  it('PAIR <-> PAIR', async (t) => {
    const pair = open(t, 'pair');
    const { proc } = await startPeer(t, 'pair', ['--data', 'hi', ...peer.resend, '--ascii'], pair);
    assert.equal((await pair.recv({ timeout: EVENT_TIMEOUT })).text(), 'hi');
    await pair.send('hello back');
    await printed(proc, 'hello back');
  });

  it('SURVEYOR -> RESPONDENT: the answer comes back before the deadline', async (t) => {
    const sv = open(t, 'surveyor');
    const { proc } = await startPeer(t, 'respondent', ['--data', 'present', '--ascii'], sv);
    let answers = [];
    await waitFor(async () => {
      answers = await sv.survey('roll call', { deadline: 500 });
      return answers.length > 0;
    }, 'an answer to a survey');
    assert.equal(answers[0].text(), 'present');
    await printed(proc, 'roll call');
  });

  it('RESPONDENT <- SURVEYOR: answers the peer\'s survey', async (t) => {
    const r = open(t, 'respondent');
    const { proc } = await startPeer(t, 'surveyor', ['--data', 'who', '--interval', peer.surveyInterval, '--ascii'], r);
    // Answer every survey until the peer prints an answer: one may end
    // before the answer arrives.
    let stop = false;
    const answering = (async () => {
      while (!stop) {
        const s = await r.recv({ timeout: EVENT_TIMEOUT });
        assert.equal(s.text(), 'who');
        s.reply('me');
      }
    })();
    await printed(proc, 'me');
    stop = true;
    r.close();
    await answering.catch((e) => assert.equal(e.code, 'closed'));
  });

  // nngcat 1.5.2 has no BUS; the case runs with the other peers.
  if (peer.bus) it('BUS <-> BUS', async (t) => {
    const bus = open(t, 'bus');
    const { proc } = await startPeer(t, 'bus', ['--data', 'hub', '--interval', peer.interval, '--ascii'], bus);
    assert.equal((await bus.recv({ timeout: EVENT_TIMEOUT })).text(), 'hub');
    await waitFor(async () => {
      await bus.send('leaf');
      return proc.text.includes('leaf');
    }, 'the message at the peer');
  });

  it('a peer of another protocol is refused, with an error event', async (t) => {
    const push = open(t, 'push', { handshakeTimeout: 1000 });
    const errors = collectErrors(push);
    const { port } = await startPeer(t, 'rep', ['--data', 'x'], null);
    const failed = nextEvent(push, 'error');
    push.dial(`ws://127.0.0.1:${port}${peer.path || '/'}`);
    const { error } = await failed;
    // sprocket and NNG answer 400; nanomsg sends a 400 status line but never
    // ends its head, so the client gives up at its handshake timeout.
    assert.equal(error.code, peerName === 'nanomsg' ? 'timed_out' : 'protocol_refused', error.message);
    assert.match(error.message, /127\.0\.0\.1/);
    assert.equal(push.stats().connects, 0);
    assert.ok(errors.length >= 1);
  });
});
