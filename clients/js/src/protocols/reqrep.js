// REQ/REP, and the replying side shared with RESPONDENT.
import { IdSequence, readIdWord, splitBacktrace, withIdWord } from '../backtrace.js';
import { SPError } from '../errors.js';
import { concat, toBytes } from '../message.js';
import { Socket } from '../socket.js';
import { WaitList, checkTimeout } from '../wait.js';

// How often parked requests look again for a connection with room.
const PARK_POLL_MS = 20;

/**
 * REQ: requests to one REP peer (round-robin), each with a 31-bit id
 * counting up from a random start. A request is resent, with the same id,
 * after resendInterval (default 60 s) without a reply, and at once when the
 * connection that carried it goes. send()/recv() are one exchange at a
 * time (a new send abandons the previous request, as in sprocket);
 * request() runs independent exchanges concurrently.
 */
export class ReqSocket extends Socket {
  #ids = new IdSequence();
  #requests = new Map();
  #parked = [];
  #parkTimer = null;
  #current = null;
  #reply = null;
  #waiters = new WaitList();

  constructor(options = {}) {
    super('req', 'rep', options, { resendInterval: 60_000 });
  }

  /**
   * Starts a request (abandoning the one before, whose reply will be
   * dropped). Resolves when a connection took it; waits for one up to the
   * send timeout.
   */
  async send(data, options = {}) {
    const body = toBytes(data);
    this._checkOpen('send');
    this.cancel();
    const request = this.#start(body, (message, error) => this.#answerCurrent(request, message, error));
    this.#current = request;
    try {
      await this.#handedOff(request, options);
    } catch (e) {
      if (this.#current === request) this.#current = null;
      this.#forget(request, null);
      throw e;
    }
  }

  /** The reply to the request sent last; `bad_state` when none is outstanding. */
  recv(options = {}) {
    if (this.closed) return Promise.reject(this._closedError('recv'));
    if (this.#reply) {
      const { message, error } = this.#reply;
      this.#reply = null;
      this.#current = null;
      return error ? Promise.reject(error) : Promise.resolve(message);
    }
    if (!this.#current) {
      return Promise.reject(new SPError('bad_state', 'recv on REQ without a request outstanding: send() one first'));
    }
    const timeout = checkTimeout(options.timeout ?? this.options.recvTimeout, 'timeout');
    return this.#waiters.add({ timeout, signal: options.signal }, 'recv');
  }

  /**
   * Sends a request and resolves with its reply, independent of send/recv and
   * of other request() calls. `timeout` (default: the recv timeout) bounds
   * the whole exchange; `signal` cancels it.
   */
  request(data, options = {}) {
    let body;
    let timeout;
    try {
      body = toBytes(data);
      timeout = checkTimeout(options.timeout ?? this.options.recvTimeout, 'timeout');
      this._checkOpen('request');
    } catch (e) {
      return Promise.reject(e);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new SPError('aborted', 'request aborted', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      let timer = null;
      const settle = (message, error) => {
        if (timer !== null) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(message);
      };
      const request = this.#start(body, settle);
      const giveUp = (error) => {
        this.#forget(request, null);
        settle(null, error);
      };
      const onAbort = () => giveUp(new SPError('aborted', 'request aborted', { cause: signal.reason }));
      if (timeout >= 0) {
        timer = setTimeout(() => giveUp(new SPError('timed_out', `request: no reply within ${timeout} ms`)), timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Abandons the request of send(): a pending recv fails with `aborted`, its reply will be dropped. */
  cancel() {
    const request = this.#current;
    this.#current = null;
    this.#reply = null;
    if (request) this.#forget(request, new SPError('aborted', 'request abandoned (cancel() or a newer send())'));
    this.#waiters.rejectAll(new SPError('aborted', 'request abandoned (cancel() or a newer send())'));
  }

  #start(body, onDone) {
    const word = this.#ids.next();
    const request = { word, wire: withIdWord(word, body), pipe: null, timer: null, onDone, handed: null };
    this.#requests.set(word, request);
    this.#dispatch(request);
    return request;
  }

  /** Sends `request` on the best connection now, or parks it until there is one. */
  #dispatch(request) {
    if (request.timer !== null) clearTimeout(request.timer);
    request.timer = null;
    const pipe = this._pickPipe();
    if (!pipe || !this._sendOn(pipe, request.wire)) {
      request.pipe = null;
      if (!this.#parked.includes(request)) this.#parked.push(request);
      this.#pollParked();
      return;
    }
    request.pipe = pipe;
    request.handed?.resolveAll();
    request.handed = null;
    const interval = this.options.resendInterval;
    if (interval >= 0) {
      request.timer = setTimeout(() => {
        request.timer = null;
        if (this.#requests.get(request.word) === request) this.#dispatch(request);
      }, interval);
    }
  }

  #handedOff(request, options) {
    if (request.pipe) return Promise.resolve();
    request.handed ??= new WaitList();
    const timeout = checkTimeout(options.timeout ?? this.options.sendTimeout, 'timeout');
    return request.handed.add({ timeout, signal: options.signal }, 'send');
  }

  /** Drops all state of `request`; `error` fails whoever still waits for it to be sent. */
  #forget(request, error) {
    this.#requests.delete(request.word);
    if (request.timer !== null) clearTimeout(request.timer);
    request.timer = null;
    const i = this.#parked.indexOf(request);
    if (i >= 0) this.#parked.splice(i, 1);
    if (error) request.handed?.rejectAll(error);
    request.handed = null;
  }

  #answerCurrent(request, message, error) {
    if (request !== this.#current) return;
    if (this.#waiters.size === 0) {
      this.#reply = { message, error };
      return;
    }
    this.#current = null;
    if (error) this.#waiters.rejectFirst(error);
    else this.#waiters.resolveFirst(message);
    this.#waiters.rejectAll(new SPError('bad_state', 'recv on REQ: the reply went to an earlier recv'));
  }

  #flushParked() {
    for (const request of this.#parked.splice(0)) this.#dispatch(request);
  }

  #pollParked() {
    if (this.#parkTimer !== null || this._pipes.length === 0) return;
    this.#parkTimer = setTimeout(() => {
      this.#parkTimer = null;
      this.#flushParked();
    }, PARK_POLL_MS);
  }

  _addPipe() {
    this.#flushParked();
  }

  _removePipe(pipe) {
    for (const request of this.#requests.values()) {
      if (request.pipe === pipe) this.#dispatch(request);
    }
  }

  _onMessage(pipe, bytes) {
    const word = readIdWord(bytes);
    if (typeof word === 'string') {
      this._malformed(pipe, `REQ reply: ${word}`);
      return;
    }
    const request = this.#requests.get(word);
    if (!request) {
      this._countDrop(); // the reply to an abandoned request, or to a resent one answered already
      return;
    }
    this.#forget(request, null);
    request.onDone(this._message(bytes.subarray(4), pipe), null);
  }

  _onTooLarge(_pipe, bytes, error) {
    const word = readIdWord(bytes);
    const request = typeof word === 'number' ? this.#requests.get(word) : undefined;
    if (!request) return;
    this.#forget(request, null);
    request.onDone(null, error);
  }

  _closeProtocol(error) {
    if (this.#parkTimer !== null) clearTimeout(this.#parkTimer);
    this.#parkTimer = null;
    const requests = [...this.#requests.values()];
    this.#current = null;
    this.#reply = null;
    for (const request of requests) {
      this.#forget(request, error);
      request.onDone(null, error);
    }
    this.#waiters.rejectAll(error);
  }
}

/**
 * The replying side of REQ/REP and SURVEYOR/RESPONDENT: receives requests
 * fairly from every connection and sends each answer back along the
 * request's backtrace, to the connection it came from.
 */
export class ReplierSocket extends Socket {
  #routes = new WeakMap();
  #route = null;

  constructor(protocol, peer, options) {
    super(protocol, peer, options, { maxTtl: 8 });
  }

  /** The next request; send() then answers it (or call reply() on the message, in any order). */
  async recv(options = {}) {
    const message = await this._recvQueued(options);
    this.#route = this.#routes.get(message);
    return message;
  }

  /** Answers the request received last; `bad_state` if there is none or it was answered. */
  async send(data) {
    this._checkOpen('send');
    const route = this.#route;
    if (!route) {
      throw new SPError('bad_state',
        `send on ${this.protocol.toUpperCase()} without a ${this.protocol === 'rep' ? 'request' : 'survey'} received (or it was answered already): recv() first`);
    }
    this.#answer(route, data);
  }

  #answer(route, data) {
    const body = toBytes(data);
    this._checkOpen('reply');
    if (route.answered) throw new SPError('bad_state', 'this message was answered already');
    route.answered = true;
    if (this.#route === route) this.#route = null;
    // An answer never waits: if its connection has gone or is full, it is dropped (as in sprocket).
    if (!route.pipe.open || !this._hasRoom(route.pipe) || !this._sendOn(route.pipe, concat(route.header, body))) {
      this._countDrop();
    }
  }

  _onMessage(pipe, bytes) {
    const split = splitBacktrace(bytes, this.options.maxTtl);
    if (split.error) {
      this._malformed(pipe, `${this.protocol.toUpperCase()} request: ${split.error}`);
      return;
    }
    if (split.tooDeep) {
      this._countDrop(); // more hops than maxTtl: a loop of devices, not this peer's fault
      return;
    }
    const route = { pipe, header: split.header, answered: false };
    const message = this._message(split.body, pipe, (answer) => this.#answer(route, answer));
    this.#routes.set(message, route);
    this._deliver(message);
  }

  _closeProtocol() {
    this.#route = null;
  }
}

/** REP: receives requests from every REQ peer and answers each along its backtrace. */
export class RepSocket extends ReplierSocket {
  constructor(options = {}) {
    super('rep', 'req', options);
  }
}
