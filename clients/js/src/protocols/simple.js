// The protocols without a header: PAIR, PUSH/PULL, PUB/SUB and BUS.
import { SPError } from '../errors.js';
import { toBytes } from '../message.js';
import { Socket } from '../socket.js';

/**
 * PAIR (v0): one peer at a time, messages both ways. send waits (up to the
 * send timeout) for the connection; a second connection is refused.
 */
export class PairSocket extends Socket {
  constructor(options = {}) {
    super('pair', 'pair', options);
  }

  async send(data, options = {}) {
    await this._sendToOne(toBytes(data), options);
  }

  recv(options = {}) {
    return this._recvQueued(options);
  }

  _acceptPipe(pipe) {
    if (this._pipes.length === 0) return null;
    return new SPError('protocol_refused', `${pipe.url}: PAIR already has a peer (${this._pipes[0].url})`, { url: pipe.url });
  }
}

/** PUSH: each message to one PULL peer, round-robin; send waits for a peer with room. */
export class PushSocket extends Socket {
  constructor(options = {}) {
    super('push', 'pull', options);
  }

  async send(data, options = {}) {
    await this._sendToOne(toBytes(data), options);
  }

  recv() {
    return this._notSupported('receive');
  }
}

/** PULL: receives from every PUSH peer. */
export class PullSocket extends Socket {
  constructor(options = {}) {
    super('pull', 'push', options);
  }

  send() {
    return this._notSupported('send');
  }

  recv(options = {}) {
    return this._recvQueued(options);
  }
}

/** PUB: each message to every SUB peer connected now; never waits (a full connection misses it). */
export class PubSocket extends Socket {
  constructor(options = {}) {
    super('pub', 'sub', options);
  }

  async send(data) {
    const bytes = toBytes(data);
    this._checkOpen('send');
    this._sendToAll(bytes);
  }

  recv() {
    return this._notSupported('receive');
  }
}

function startsWith(bytes, prefix) {
  if (prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function sameBytes(a, b) {
  return a.length === b.length && startsWith(a, b);
}

/**
 * SUB: receives the messages that start with one of its subscriptions
 * (byte prefixes; '' matches everything). Filtering happens here: nothing
 * about subscriptions travels on the wire. With none, nothing is received.
 */
export class SubSocket extends Socket {
  #topics = [];

  constructor(options = {}) {
    super('sub', 'pub', options);
  }

  /** Receives messages starting with `topic` (string as UTF-8, or bytes) from now on. */
  subscribe(topic) {
    this._checkOpen('subscribe');
    const bytes = toBytes(topic).slice();
    if (!this.#topics.some((t) => sameBytes(t, bytes))) this.#topics.push(bytes);
  }

  /** Stops receiving `topic`; false if it was not subscribed. Messages already queued stay. */
  unsubscribe(topic) {
    this._checkOpen('unsubscribe');
    const bytes = toBytes(topic);
    const i = this.#topics.findIndex((t) => sameBytes(t, bytes));
    if (i < 0) return false;
    this.#topics.splice(i, 1);
    return true;
  }

  /** The current subscriptions. */
  get subscriptions() {
    return this.#topics.map((t) => t.slice());
  }

  send() {
    return this._notSupported('send');
  }

  recv(options = {}) {
    return this._recvQueued(options);
  }

  _onMessage(pipe, bytes) {
    if (this.#topics.some((t) => startsWith(bytes, t))) this._deliver(this._message(bytes, pipe));
  }
}

/** BUS: each message to every directly connected peer; receives from all. */
export class BusSocket extends Socket {
  constructor(options = {}) {
    super('bus', 'bus', options);
  }

  async send(data) {
    const bytes = toBytes(data);
    this._checkOpen('send');
    this._sendToAll(bytes);
  }

  recv(options = {}) {
    return this._recvQueued(options);
  }
}
