// Shared by the client's tests: the `ws` package (Node's WebSocket for the
// client, and mock SP servers), free ports, waiting for events with a
// deadline, and fake WebSockets for tests that need no network.
import { createRequire } from 'node:module';
import net from 'node:net';

/** How long a test waits for something that should happen promptly: far above a healthy run, it only bounds a broken one. */
export const EVENT_TIMEOUT = 20_000;

// Kept at load, so tests that replace the global to watch the client's timers see only those.
const { setTimeout, clearTimeout } = globalThis;

/**
 * The `ws` package: from clients/js/node_modules (npm install) or from
 * Debian's node-ws, which tools/test.sh installs.
 */
export function loadWs() {
  const require = createRequire(import.meta.url);
  const tried = [];
  for (const where of ['ws', '/usr/share/nodejs/ws', '/usr/lib/nodejs/ws']) {
    try {
      return require(where);
    } catch (e) {
      tried.push(`${where}: ${e.code ?? e.message}`);
    }
  }
  throw new Error(`the 'ws' package is missing (apt-get install node-ws, or npm install in clients/js); tried ${tried.join('; ')}`);
}

export const { WebSocket, WebSocketServer } = loadWs();

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when `predicate()` holds; polls every 5 ms; rejects with `what` after `timeout` ms. */
export async function waitFor(predicate, what, timeout = EVENT_TIMEOUT) {
  const start = Date.now();
  for (;;) {
    if (await predicate()) return;
    if (Date.now() - start > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The next `type` event of `target` (an EventTarget), within `timeout` ms. */
export function nextEvent(target, type, timeout = EVENT_TIMEOUT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, on);
      reject(new Error(`no '${type}' event within ${timeout} ms`));
    }, timeout);
    const on = (ev) => {
      clearTimeout(timer);
      target.removeEventListener(type, on);
      resolve(ev);
    };
    target.addEventListener(type, on);
  });
}

/** Records the 'error' events of `socket` in an array (codes and messages). */
export function collectErrors(socket) {
  const errors = [];
  socket.addEventListener('error', (ev) => errors.push(ev.error));
  return errors;
}

/** A 4-byte big-endian word. */
export function word(value) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}

/**
 * A mock SP server on 127.0.0.1: a ws WebSocketServer that answers with
 * `protocol` (or whatever `answer(offered)` returns), records connections
 * and messages, and can be closed and restarted on the same port.
 */
export class MockServer {
  constructor({ protocol, answer, port = 0 } = {}) {
    this.protocol = protocol;
    this.answer = answer ?? ((offered) => (offered.has(protocol) ? protocol : false));
    this.port = port;
    this.offered = [];
    this.connections = [];
    this.messages = [];
    this.server = null;
  }

  async start() {
    this.server = new WebSocketServer({
      host: '127.0.0.1',
      port: this.port,
      handleProtocols: (offered) => {
        this.offered.push([...offered]);
        return this.answer(offered);
      },
    });
    await new Promise((resolve, reject) => {
      this.server.once('listening', resolve);
      this.server.once('error', reject);
    });
    this.port = this.server.address().port;
    this.server.on('connection', (ws) => {
      this.connections.push(ws);
      ws.on('message', (data, isBinary) => this.messages.push({ ws, data: Buffer.from(data), isBinary }));
    });
    return this;
  }

  get url() {
    return `ws://127.0.0.1:${this.port}/sp`;
  }

  /** Open connections. */
  get open() {
    return this.connections.filter((ws) => ws.readyState === 1);
  }

  /** Resolves with the `n`th message (0-based) received, waiting for it. */
  async message(n) {
    await waitFor(() => this.messages.length > n, `message ${n} at the mock server`);
    return this.messages[n];
  }

  async waitConnections(n) {
    await waitFor(() => this.open.length >= n, `${n} open connection(s) at the mock server`);
  }

  async stop() {
    if (!this.server) return;
    for (const ws of this.connections) ws.terminate();
    await new Promise((resolve) => this.server.close(resolve));
    this.server = null;
  }
}

/**
 * A WebSocket stand-in for tests without network: every instance is
 * recorded; the test opens or fails it by hand (or `behaviour` does).
 */
export class FakeWebSocket {
  static instances = [];
  /**
   * 'fail' (error, then close 1006), 'open' (opens with the offered
   * protocol) or 'manual'; or a function of the instance's index giving one.
   */
  static behaviour = 'fail';
  /** The protocol an opening instance reports; default: the one offered. */
  static answerProtocol = null;

  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.protocol = '';
    this.bufferedAmount = 0;
    this.sent = [];
    this.closedWith = null;
    FakeWebSocket.instances.push(this);
    const { behaviour } = FakeWebSocket;
    const how = typeof behaviour === 'function' ? behaviour(FakeWebSocket.instances.length - 1) : behaviour;
    if (how === 'fail') queueMicrotask(() => this.fail());
    if (how === 'open') queueMicrotask(() => this.accept());
  }

  accept(protocol = FakeWebSocket.answerProtocol ?? this.protocols[0]) {
    this.readyState = 1;
    this.protocol = protocol;
    this.onopen?.({});
  }

  fail(message = 'connect ECONNREFUSED') {
    this.readyState = 3;
    this.onerror?.({ message });
    this.onclose?.({ code: 1006, reason: '' });
  }

  /** The server side closes an open connection. */
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }

  receive(data) {
    this.onmessage?.({ data });
  }

  send(data) {
    this.sent.push(data);
  }

  close(code) {
    this.closedWith = code ?? 1005;
    this.readyState = 3;
  }

  static reset(behaviour = 'fail') {
    FakeWebSocket.instances = [];
    FakeWebSocket.behaviour = behaviour;
    FakeWebSocket.answerProtocol = null;
  }
}
