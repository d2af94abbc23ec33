// The part every socket shares: options, dialers and their pipes, the
// receive queue, waiting senders, events, statistics and closing. Each
// protocol (src/protocols/) extends Socket with its own send, recv and the
// hooks _addPipe, _removePipe, _onMessage and _closeProtocol.
import { SPError } from './errors.js';
import { Dialer } from './dialer.js';
import { Message } from './message.js';
import { WaitList, checkTimeout } from './wait.js';

/** The defaults, as sprocket's C++ sockets and dialers have them. Times in milliseconds. */
export const defaults = Object.freeze({
  reconnectMin: 100,
  reconnectMax: 10_000,
  handshakeTimeout: 10_000,
  recvMaxSize: 1024 * 1024,
  recvBuffer: 1024,
  sendHighWaterMark: 1024 * 1024,
  sendTimeout: -1,
  recvTimeout: -1,
});

// How often a sender waiting for a full connection to drain looks again: a
// WebSocket has no "drained" event, only bufferedAmount.
const DRAIN_POLL_MS = 20;

/** An event of a socket: 'connect', 'disconnect', 'error' or 'close', with its fields set on it. */
export class SocketEvent extends Event {
  constructor(type, fields = {}) {
    super(type);
    Object.assign(this, fields);
  }
}

function checkCount(value, name, min) {
  if (!Number.isInteger(value) || value < min) {
    throw new SPError('invalid_argument', `${name} must be an integer >= ${min}, not ${String(value)}`);
  }
  return value;
}

/** Validates `given` against `known` (name -> default) and returns the merged options. */
function mergeOptions(known, given, current) {
  const out = { ...current };
  for (const [name, value] of Object.entries(given ?? {})) {
    if (name === 'WebSocket' || name === 'webSocketOptions') {
      out[name] = value;
      continue;
    }
    if (!(name in known)) {
      throw new SPError('invalid_argument', `unknown option '${name}' (known: ${Object.keys(known).join(', ')}, WebSocket, webSocketOptions)`);
    }
    out[name] = value;
  }
  for (const name of ['sendTimeout', 'recvTimeout', 'resendInterval', 'handshakeTimeout']) {
    if (name in out) out[name] = checkTimeout(out[name], name);
  }
  checkCount(out.reconnectMin, 'reconnectMin', 1);
  checkCount(out.reconnectMax, 'reconnectMax', out.reconnectMin);
  checkCount(out.recvMaxSize, 'recvMaxSize', 0);
  checkCount(out.recvBuffer, 'recvBuffer', 1);
  checkCount(out.sendHighWaterMark, 'sendHighWaterMark', 1);
  if ('maxTtl' in out && (checkCount(out.maxTtl, 'maxTtl', 1) > 15)) {
    throw new SPError('invalid_argument', `maxTtl must be 1..15, not ${out.maxTtl}`);
  }
  if ('surveyDeadline' in out) checkCount(out.surveyDeadline, 'surveyDeadline', 0);
  if (out.WebSocket !== undefined && typeof out.WebSocket !== 'function') {
    throw new SPError('invalid_argument', 'the WebSocket option must be a WebSocket class (a constructor)');
  }
  return out;
}

function checkUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new SPError('invalid_argument', `'${url}' is not a URL (expected ws://host:port/path)`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new SPError('invalid_argument', `'${url}': the scheme must be ws:// or wss://, not ${parsed.protocol}//`);
  }
  return url;
}

export class Socket extends EventTarget {
  #known;
  #dialers = new Set();
  #pipes = [];
  #rr = 0;
  #queue = [];
  #recvWaiters = new WaitList();
  #sendWaiters = new WaitList();
  #connectWaiters = new WaitList();
  #drainTimer = null;
  #queueFullReported = false;
  #closed = false;
  #stats = {
    messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, connects: 0, disconnects: 0,
    reconnects: 0, drops: 0, errors: 0,
  };

  /**
   * @param {string} protocol this socket's SP protocol name ('req', ...)
   * @param {string} peer the protocol of the peer it talks to ('rep', ...)
   * @param {object} options the caller's options
   * @param {object} [extra] protocol options (name -> default)
   */
  constructor(protocol, peer, options = {}, extra = {}) {
    super();
    this.protocol = protocol;
    this.peerProtocol = peer;
    this.#known = { ...defaults, ...extra };
    this.options = mergeOptions(this.#known, options, this.#known);
  }

  /** The WebSocket subprotocol this socket asks servers for: the peer's, as the SP mapping says. */
  get peerSubprotocol() {
    return `${this.peerProtocol}.sp.nanomsg.org`;
  }

  /** True while at least one connection is open. */
  get connected() {
    return this.#pipes.length > 0;
  }

  /** True once close() was called. */
  get closed() {
    return this.#closed;
  }

  /** Changes options; they apply to operations started (and connections made) from then on. */
  setOptions(options) {
    this.options = mergeOptions(this.#known, options, this.options);
  }

  /**
   * Connects to `url` (ws:// or wss://) in the background and keeps
   * reconnecting with backoff. Returns the Dialer, whose close() stops it.
   * @param {string} url
   * @param {{reconnectMin?: number, reconnectMax?: number}} [options]
   */
  dial(url, options = {}) {
    this._checkOpen('dial');
    checkUrl(url);
    const merged = mergeOptions(this.#known, options, this.options);
    const WebSocketImpl = merged.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocketImpl !== 'function') {
      throw new SPError('not_supported',
        'no WebSocket implementation: pass {WebSocket} (for example from the "ws" package) or, in Node 20, run with --experimental-websocket');
    }
    const dialer = new Dialer(this, url, { ...merged, WebSocket: WebSocketImpl });
    this.#dialers.add(dialer);
    dialer.start();
    return dialer;
  }

  /** Resolves when a connection is open (at once if one is). */
  waitConnected(options = {}) {
    if (this.#closed) return Promise.reject(this._closedError('waitConnected'));
    if (this.#pipes.length > 0) return Promise.resolve();
    return this.#connectWaiters.add({ timeout: checkTimeout(options.timeout, 'timeout'), signal: options.signal }, 'waitConnected');
  }

  /** Adds `listener` for events of `type`; returns a function that removes it. */
  on(type, listener) {
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  /** Counters since the socket was made. */
  stats() {
    return { ...this.#stats, pipes: this.#pipes.length };
  }

  /** The messages received, as an async iterable; it ends when the socket closes. */
  async *messages(options = {}) {
    for (;;) {
      let msg;
      try {
        msg = await this.recv(options);
      } catch (e) {
        if (e instanceof SPError && e.code === 'closed') return;
        throw e;
      }
      yield msg;
    }
  }

  [Symbol.asyncIterator]() {
    return this.messages();
  }

  /**
   * Closes every connection (code 1000) and stops reconnecting; pending and
   * later operations fail with `closed`, iterators end. Idempotent.
   */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    for (const dialer of [...this.#dialers]) dialer.close();
    if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
    this.#drainTimer = null;
    this.#queue = [];
    const error = this._closedError('operation');
    this.#recvWaiters.rejectAll(error);
    this.#sendWaiters.rejectAll(error);
    this.#connectWaiters.rejectAll(error);
    this._closeProtocol(error);
    this.dispatchEvent(new SocketEvent('close'));
  }

  // ---------------------------------------------------------------- for protocols

  _closedError(what) {
    return new SPError('closed', `${what} on a closed ${this.protocol.toUpperCase()} socket`);
  }

  _checkOpen(what) {
    if (this.#closed) throw this._closedError(what);
  }

  _notSupported(what) {
    return Promise.reject(new SPError('not_supported', `${this.protocol.toUpperCase()} sockets cannot ${what}`));
  }

  /** The open pipes, oldest first. */
  get _pipes() {
    return this.#pipes;
  }

  /** The next pipe, round-robin, with room for more output; null if none. */
  _pickPipe() {
    const n = this.#pipes.length;
    for (let i = 0; i < n; i++) {
      const pipe = this.#pipes[(this.#rr + i) % n];
      if (pipe.buffered < this.options.sendHighWaterMark) {
        this.#rr = (this.#rr + i + 1) % n;
        return pipe;
      }
    }
    return null;
  }

  /** Whether `pipe` can take more output now (fan-out protocols drop otherwise). */
  _hasRoom(pipe) {
    return pipe.buffered < this.options.sendHighWaterMark;
  }

  /** Sends `bytes` on `pipe`, counting it; false if the pipe is gone. */
  _sendOn(pipe, bytes) {
    if (!pipe.send(bytes)) return false;
    this.#stats.messagesOut++;
    this.#stats.bytesOut += bytes.length;
    return true;
  }

  /**
   * Sends `bytes` to one pipe (round-robin among those with room), waiting up
   * to the send timeout for one. Resolves with the pipe used.
   */
  async _sendToOne(bytes, options = {}, what = 'send') {
    const timeout = checkTimeout(options.timeout ?? this.options.sendTimeout, 'timeout');
    const start = Date.now();
    for (;;) {
      this._checkOpen(what);
      const pipe = this._pickPipe();
      if (pipe && this._sendOn(pipe, bytes)) return pipe;
      const left = timeout < 0 ? -1 : Math.max(0, timeout - (Date.now() - start));
      if (this.#pipes.length > 0) this.#pollDrain();
      await this.#sendWaiters.add({ timeout: left, signal: options.signal }, what);
    }
  }

  /** Sends `bytes` on every pipe with room; the others miss it (counted as drops). */
  _sendToAll(bytes, except = null) {
    for (const pipe of this.#pipes) {
      if (pipe === except) continue;
      if (!this._hasRoom(pipe) || !this._sendOn(pipe, bytes)) this._countDrop();
    }
  }

  /** Queues a received message for recv, or hands it to a waiting one. */
  _deliver(message) {
    if (this.#recvWaiters.resolveFirst(message)) return;
    if (this.#queue.length >= this.options.recvBuffer) {
      this._countDrop();
      if (!this.#queueFullReported) {
        this.#queueFullReported = true;
        this._report(new SPError('queue_full',
          `receive queue full (recvBuffer ${this.options.recvBuffer} messages): dropping messages until recv catches up`));
      }
      return;
    }
    this.#queue.push(message);
  }

  /** The generic recv: the oldest queued message, or the next to arrive. */
  _recvQueued(options = {}, what = 'recv') {
    if (this.#closed) return Promise.reject(this._closedError(what));
    if (this.#queue.length > 0) {
      const message = this.#queue.shift();
      if (this.#queue.length === 0) this.#queueFullReported = false;
      return Promise.resolve(message);
    }
    const timeout = checkTimeout(options.timeout ?? this.options.recvTimeout, 'timeout');
    return this.#recvWaiters.add({ timeout, signal: options.signal }, what);
  }

  _countDrop() {
    this.#stats.drops++;
  }

  /** Reports a problem as an 'error' event (and counts it). */
  _report(error) {
    this.#stats.errors++;
    if (this.#closed) return;
    this.dispatchEvent(new SocketEvent('error', { error, url: error.url }));
  }

  /** A received message that is not what the protocol expects: dropped and reported. */
  _malformed(pipe, why) {
    this._countDrop();
    this._report(new SPError('malformed', `${pipe.url}: dropped a malformed message: ${why}`, { url: pipe.url }));
  }

  /** Wraps a received body. */
  _message(body, pipe, reply) {
    return new Message(body, pipe.url, reply);
  }

  // Protocol hooks; the defaults suit protocols without per-pipe state.
  /** A connection opened; return an SPError to refuse it. */
  _acceptPipe(_pipe) {
    return null;
  }

  /** A connection was added to the open pipes. */
  _addPipe(_pipe) {}

  _removePipe(_pipe) {}

  _onMessage(pipe, bytes) {
    this._deliver(this._message(bytes, pipe));
  }

  _onTooLarge(_pipe, _bytes, _error) {}

  _closeProtocol(_error) {}

  // ---------------------------------------------------------------- for the dialer

  /** A connection opened: the protocol may refuse it (returns an SPError). */
  _attach(pipe) {
    if (this.#closed) return this._closedError('connect');
    const refusal = this._acceptPipe(pipe);
    if (refusal) return refusal;
    this.#pipes.push(pipe);
    this.#stats.connects++;
    this._addPipe(pipe);
    return null;
  }

  _connected(pipe) {
    this.#connectWaiters.resolveAll();
    this.#sendWaiters.resolveAll();
    if (!this.#closed) this.dispatchEvent(new SocketEvent('connect', { url: pipe.url }));
  }

  _detach(pipe, code, reason) {
    const i = this.#pipes.indexOf(pipe);
    if (i < 0) return;
    this.#pipes.splice(i, 1);
    if (this.#rr > i) this.#rr--;
    this.#stats.disconnects++;
    if (this.#closed) return;
    this._removePipe(pipe);
    this.dispatchEvent(new SocketEvent('disconnect', { url: pipe.url, code, reason }));
  }

  _incoming(pipe, data) {
    if (this.#closed) return;
    let bytes;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else {
      this._countDrop();
      this._report(new SPError('protocol_error',
        `${pipe.url}: dropped a ${typeof data === 'string' ? 'text' : 'non-binary'} message: SP messages are binary`,
        { url: pipe.url }));
      return;
    }
    this.#stats.messagesIn++;
    this.#stats.bytesIn += bytes.length;
    const max = this.options.recvMaxSize;
    if (max > 0 && bytes.length > max) {
      this._countDrop();
      const error = new SPError('message_too_large',
        `${pipe.url}: dropped a message of ${bytes.length} bytes, above recvMaxSize ${max}`, { url: pipe.url });
      this._report(error);
      this._onTooLarge(pipe, bytes, error);
      return;
    }
    this._onMessage(pipe, bytes);
  }

  _forget(dialer) {
    this.#dialers.delete(dialer);
  }

  _countReconnect() {
    this.#stats.reconnects++;
  }

  #pollDrain() {
    if (this.#drainTimer !== null) return;
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = null;
      if (this.#sendWaiters.size === 0) return;
      this.#sendWaiters.resolveAll();
    }, DRAIN_POLL_MS);
  }
}
