// One dialed URL: a WebSocket connection that is opened, checked, used as a
// pipe, and reopened with backoff whenever it fails or drops — the same
// state machine as sprocket's dialer (src/endpoint.cpp):
//
//   connecting --open, right subprotocol--> connected --closed--> backoff
//   connecting --failed or refused--> backoff --timer--> connecting
//   any --close()--> closed
//
// The backoff starts at reconnectMin, doubles after every failed attempt up
// to reconnectMax, is spread over 50..100 % of its value (jitter, so a
// restarted server is not met by every client at once) and resets after a
// connection succeeds.
import { SPError } from './errors.js';

/** The backoff delay actually waited for a nominal `delay`: uniform in [delay/2, delay]. */
export function withJitter(delay) {
  const half = Math.floor(delay / 2);
  return half + Math.floor(Math.random() * (delay - half + 1));
}

let nextPipeId = 1;

/** An open connection: the protocols send on it and learn when it goes. */
export class Pipe {
  constructor(ws, url) {
    this.id = nextPipeId++;
    this.url = url;
    this.ws = ws;
    this.open = true;
  }

  /** Bytes handed to the WebSocket and not yet written to the network. */
  get buffered() {
    return this.ws.bufferedAmount ?? 0;
  }

  /** Hands one SP message to the connection; false if it is gone. */
  send(bytes) {
    if (!this.open || this.ws.readyState !== 1) return false;
    try {
      this.ws.send(bytes);
      return true;
    } catch {
      return false;
    }
  }
}

/** Why an attempt failed, from what the WebSocket implementation said. */
function attemptError(url, protocol, said) {
  // The `ws` package says "Unexpected server response: 400" (how SP servers
  // refuse a subprotocol) or "Server sent an invalid subprotocol"; browsers
  // say nothing, so there a refusal looks like any failed connection.
  if (/subprotocol|Sec-WebSocket-Protocol|server response: 400\b/i.test(said)) {
    return new SPError('protocol_refused',
      `${url}: the server refused the SP protocol '${protocol}' (${said})`, { url });
  }
  const detail = said ? ` (${said})` : ' (no detail from the WebSocket: refused, unreachable, or the protocol was refused)';
  return new SPError('connection_failed', `${url}: could not connect${detail}`, { url });
}

function describe(ev) {
  return ev?.message ?? ev?.error?.message ?? '';
}

export class Dialer {
  #socket;
  #state = 'connecting';
  #ws = null;
  #pipe = null;
  #timer = null;
  #delay;
  #said = '';
  #handshakeTimer = null;

  /**
   * @param {object} socket the owning Socket (its _attach/_detach/_incoming/_report hooks)
   * @param {string} url
   * @param {{reconnectMin: number, reconnectMax: number, WebSocket: Function, webSocketOptions?: object}} options
   */
  constructor(socket, url, options) {
    this.#socket = socket;
    this.url = url;
    this.options = options;
    this.#delay = options.reconnectMin;
  }

  /** 'connecting', 'connected', 'backoff' or 'closed'. */
  get state() {
    return this.#state;
  }

  start() {
    this.#connect();
  }

  /** Stops this dialer: its connection closes (code 1000), no more attempts. Idempotent. */
  close() {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#stopHandshakeTimer();
    const ws = this.#ws;
    this.#ws = null;
    if (this.#pipe) this.#drop(1000, 'closed by this side');
    if (ws) {
      try {
        ws.close(1000);
      } catch {
        // Closing a WebSocket that never opened may throw in some implementations.
      }
    }
    this.#socket._forget(this);
  }

  #connect() {
    this.#state = 'connecting';
    this.#said = '';
    const { WebSocket, webSocketOptions } = this.options;
    const protocol = this.#socket.peerSubprotocol;
    let ws;
    try {
      ws = webSocketOptions === undefined
        ? new WebSocket(this.url, [protocol])
        : new WebSocket(this.url, [protocol], webSocketOptions);
    } catch (e) {
      this.#failed(new SPError('connection_failed', `${this.url}: could not start a WebSocket (${e?.message ?? e})`,
        { url: this.url, cause: e }));
      return;
    }
    this.#ws = ws;
    this.#startHandshakeTimer(ws);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => this.#opened(ws, protocol);
    ws.onmessage = (ev) => {
      if (ws === this.#ws && this.#pipe) this.#socket._incoming(this.#pipe, ev.data);
    };
    ws.onerror = (ev) => {
      if (ws === this.#ws) this.#said = describe(ev) || this.#said;
    };
    ws.onclose = (ev) => {
      if (ws !== this.#ws) return;
      this.#ws = null;
      this.#stopHandshakeTimer();
      if (this.#pipe) {
        this.#drop(ev.code, ev.reason);
        this.#backoff();
      } else {
        this.#failed(attemptError(this.url, protocol, this.#said));
      }
    };
  }

  // A server that never finishes the upgrade (nanomsg leaves a refused
  // subprotocol unanswered) must not hold the dialer: give up after
  // handshakeTimeout, as sprocket's dialer does, and back off.
  #startHandshakeTimer(ws) {
    const limit = this.options.handshakeTimeout;
    if (limit < 0) return;
    this.#handshakeTimer = setTimeout(() => {
      this.#handshakeTimer = null;
      if (ws !== this.#ws) return;
      this.#ws = null;
      try {
        ws.close();
      } catch {
        // some implementations throw when closing a connection not yet open
      }
      this.#failed(new SPError('timed_out',
        `${this.url}: the WebSocket upgrade did not finish within ${limit} ms (handshakeTimeout)`, { url: this.url }));
    }, limit);
  }

  #stopHandshakeTimer() {
    if (this.#handshakeTimer !== null) clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = null;
  }

  #opened(ws, protocol) {
    if (ws !== this.#ws) return;
    this.#stopHandshakeTimer();
    // A browser fails a handshake whose answer names another subprotocol,
    // but accepts one that names none; the `ws` package checks both. Check
    // here too, so no implementation lets a wrong peer through.
    if (String(ws.protocol).toLowerCase() !== protocol) {
      this.#ws = null;
      this.#failed(new SPError('protocol_refused',
        `${this.url}: asked for '${protocol}', the server answered '${ws.protocol}'`, { url: this.url }));
      try {
        ws.close(1000, 'wrong subprotocol');
      } catch {
        // already closing
      }
      return;
    }
    const pipe = new Pipe(ws, this.url);
    const refusal = this.#socket._attach(pipe);
    if (refusal) {
      this.#ws = null;
      this.#failed(refusal);
      ws.close(1000, 'refused');
      return;
    }
    this.#pipe = pipe;
    this.#state = 'connected';
    this.#delay = this.options.reconnectMin;
    this.#socket._connected(pipe);
  }

  #drop(code, reason) {
    const pipe = this.#pipe;
    this.#pipe = null;
    pipe.open = false;
    this.#socket._detach(pipe, code, reason);
  }

  #failed(error) {
    if (this.#state === 'closed') return;
    this.#socket._report(error);
    this.#backoff();
  }

  #backoff() {
    if (this.#state === 'closed') return;
    this.#state = 'backoff';
    const wait = withJitter(this.#delay);
    this.#delay = Math.min(this.#delay * 2, this.options.reconnectMax);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#state !== 'backoff') return;
      this.#socket._countReconnect();
      this.#connect();
    }, wait);
  }
}
