// Types of sprocket's JavaScript client (src/index.js). Times are in
// milliseconds; a negative timeout (or undefined) means none.

/** What can be sent: a string (sent as UTF-8), bytes, or a received Message (its body). */
export type Data = string | Uint8Array | ArrayBuffer | ArrayBufferView | Message;

export type ErrorCode =
  | 'closed'
  | 'timed_out'
  | 'aborted'
  | 'bad_state'
  | 'not_supported'
  | 'invalid_argument'
  | 'connection_failed'
  | 'protocol_refused'
  | 'message_too_large'
  | 'malformed'
  | 'protocol_error'
  | 'queue_full';

export const codes: readonly ErrorCode[];

/** Every failure of the client: `code` says what happened, `message` names the value or URL. */
export class SPError extends Error {
  readonly name: 'SPError';
  readonly code: ErrorCode;
  /** The URL of the connection involved, when there is one. */
  readonly url?: string;
  constructor(code: ErrorCode, message: string, extra?: { url?: string; cause?: unknown });
}

/** A received message. */
export class Message {
  /** The payload, without the SP protocol header. */
  readonly body: Uint8Array;
  /** The URL of the connection it arrived on. */
  readonly url: string;
  readonly size: number;
  /** The body decoded as UTF-8. */
  text(): string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
  /**
   * Answers this request (REP) or survey (RESPONDENT), in any order with
   * other messages; a second answer throws `bad_state`. Other sockets:
   * `not_supported`.
   */
  reply(data: Data): void;
}

/** A WebSocket class: the browser's, Node's global one, or the `ws` package's. */
export interface WebSocketConstructor {
  new (url: string, protocols?: string | string[], options?: unknown): unknown;
}

export interface SocketOptions {
  /** The WebSocket implementation (default: globalThis.WebSocket). */
  WebSocket?: WebSocketConstructor;
  /** A third argument for the WebSocket constructor (the `ws` package's options: TLS, headers...). */
  webSocketOptions?: unknown;
  /** First reconnect delay; doubles after each failed attempt (default 100). */
  reconnectMin?: number;
  /** Longest reconnect delay (default 10 000). Each delay is spread over 50..100 % of its value. */
  reconnectMax?: number;
  /** Time allowed for the WebSocket upgrade before the attempt is given up (default 10 000). */
  handshakeTimeout?: number;
  /** Largest message received, in bytes, header included; larger ones are dropped with an error event (default 1 MiB, 0 = none). */
  recvMaxSize?: number;
  /** Received messages kept for recv (default 1024); beyond, new ones are dropped and counted. */
  recvBuffer?: number;
  /** A connection with more bytes than this waiting to be written takes no more for now (default 1 MiB). */
  sendHighWaterMark?: number;
  /** How long send waits for a connection that can take the message (default none). */
  sendTimeout?: number;
  /** How long recv waits (default none). */
  recvTimeout?: number;
}

export interface ReqOptions extends SocketOptions {
  /** Resend a request without reply after this long, same id (default 60 000; negative: never). */
  resendInterval?: number;
}

export interface ReplierOptions extends SocketOptions {
  /** Requests with more backtrace words than this (id included) are dropped (default 8, 1..15). */
  maxTtl?: number;
}

export interface SurveyorOptions extends SocketOptions {
  /** How long a survey collects answers (default 1000). */
  surveyDeadline?: number;
}

export type DialOptions = Pick<SocketOptions,
  'WebSocket' | 'webSocketOptions' | 'reconnectMin' | 'reconnectMax' | 'handshakeTimeout'>;

export interface OperationOptions {
  /** Overrides the socket's sendTimeout / recvTimeout for this call. */
  timeout?: number;
  /** Aborting it fails the operation with `aborted`. */
  signal?: AbortSignal;
}

export interface SocketStats {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Connections opened, and closed. */
  connects: number;
  disconnects: number;
  /** Attempts made after a backoff. */
  reconnects: number;
  /** Messages dropped: bad, late, oversize, filtered by a full queue, or not sendable. */
  drops: number;
  /** Error events. */
  errors: number;
  /** Connections open now. */
  pipes: number;
}

/** An event of a socket. */
export class SocketEvent extends Event {
  /** The URL of the connection ('connect', 'disconnect', 'error'). */
  readonly url?: string;
  /** What went wrong ('error'). */
  readonly error?: SPError;
  /** The WebSocket close code and reason ('disconnect'). */
  readonly code?: number;
  readonly reason?: string;
}

export interface SocketEventMap {
  connect: SocketEvent;
  disconnect: SocketEvent;
  error: SocketEvent;
  close: SocketEvent;
}

/** One dialed URL, reconnecting in the background. */
export class Dialer {
  readonly url: string;
  readonly state: 'connecting' | 'connected' | 'backoff' | 'closed';
  /** Stops this dialer: its connection closes (code 1000), no more attempts. */
  close(): void;
}

export const defaults: Readonly<Required<Omit<SocketOptions, 'WebSocket' | 'webSocketOptions'>>>;

/** What every socket has. */
export abstract class Socket extends EventTarget {
  /** This socket's SP protocol ('req', ...). */
  readonly protocol: string;
  /** The protocol of its peers ('rep', ...). */
  readonly peerProtocol: string;
  /** The subprotocol asked of servers: `${peerProtocol}.sp.nanomsg.org`. */
  readonly peerSubprotocol: string;
  /** The options in force. */
  readonly options: Readonly<SocketOptions>;
  /** True while at least one connection is open. */
  readonly connected: boolean;
  readonly closed: boolean;

  /** Connects to a ws:// or wss:// URL in the background, reconnecting with backoff. */
  dial(url: string, options?: DialOptions): Dialer;
  /** Resolves when a connection is open. */
  waitConnected(options?: OperationOptions): Promise<void>;
  /** Changes options for later operations and connections. */
  setOptions(options: SocketOptions): void;

  send(data: Data, options?: OperationOptions): Promise<void>;
  recv(options?: OperationOptions): Promise<Message>;
  /** Received messages until the socket closes. */
  messages(options?: OperationOptions): AsyncGenerator<Message, void, undefined>;
  [Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined>;

  /** Closes every connection and stops; pending and later operations fail with `closed`. */
  close(): void;
  stats(): SocketStats;

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof SocketEventMap>(type: K, listener: (event: SocketEventMap[K]) => void): () => void;
  addEventListener<K extends keyof SocketEventMap>(type: K, listener: (event: SocketEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions): void;
}

/** PAIR (v0): one peer, both ways. */
export class PairSocket extends Socket {
  constructor(options?: SocketOptions);
}

/** PUSH: to one PULL peer at a time, round-robin. recv: `not_supported`. */
export class PushSocket extends Socket {
  constructor(options?: SocketOptions);
}

/** PULL: from every PUSH peer. send: `not_supported`. */
export class PullSocket extends Socket {
  constructor(options?: SocketOptions);
}

/** PUB: to every SUB peer connected now; never waits. recv: `not_supported`. */
export class PubSocket extends Socket {
  constructor(options?: SocketOptions);
}

/** SUB: messages that start with a subscribed prefix. send: `not_supported`. */
export class SubSocket extends Socket {
  constructor(options?: SocketOptions);
  /** Receives messages starting with `topic` from now on ('' = all). */
  subscribe(topic: Data): void;
  /** Stops receiving `topic`; false if it was not subscribed. */
  unsubscribe(topic: Data): boolean;
  readonly subscriptions: Uint8Array[];
}

/** BUS: to and from every directly connected peer. */
export class BusSocket extends Socket {
  constructor(options?: SocketOptions);
}

/** REQ: requests with ids, resent until answered. */
export class ReqSocket extends Socket {
  constructor(options?: ReqOptions);
  readonly options: Readonly<ReqOptions>;
  /** Starts a request, abandoning the previous one; resolves when a connection took it. */
  send(data: Data, options?: OperationOptions): Promise<void>;
  /** The reply to the last request sent; `bad_state` when none is outstanding. */
  recv(options?: OperationOptions): Promise<Message>;
  /** An independent request: resolves with its reply (timeout covers the whole exchange). */
  request(data: Data, options?: OperationOptions): Promise<Message>;
  /** Abandons the request of send(); a pending recv fails with `aborted`. */
  cancel(): void;
}

/** REP: answers requests along their backtrace. */
export class RepSocket extends Socket {
  constructor(options?: ReplierOptions);
  readonly options: Readonly<ReplierOptions>;
  /** Answers the request received last; `bad_state` if none or already answered. */
  send(data: Data): Promise<void>;
}

/** SURVEYOR: surveys every RESPONDENT; answers until the deadline. */
export class SurveyorSocket extends Socket {
  constructor(options?: SurveyorOptions);
  readonly options: Readonly<SurveyorOptions>;
  /** Sends a survey, ending the one before. */
  send(data: Data): Promise<void>;
  /** The next answer; `timed_out` at the deadline, then `bad_state` until the next survey. */
  recv(options?: OperationOptions): Promise<Message>;
  /** An independent survey: resolves with every answer received before the deadline. */
  survey(data: Data, options?: { deadline?: number; signal?: AbortSignal }): Promise<Message[]>;
}

/** RESPONDENT: answers surveys along their backtrace. */
export class RespondentSocket extends Socket {
  constructor(options?: ReplierOptions);
  readonly options: Readonly<ReplierOptions>;
  send(data: Data): Promise<void>;
}

export type ProtocolName =
  'pair' | 'req' | 'rep' | 'pub' | 'sub' | 'push' | 'pull' | 'bus' | 'surveyor' | 'respondent';

export const protocols: readonly ProtocolName[];

/** A socket of the named protocol. */
export function socket(protocol: 'pair', options?: SocketOptions): PairSocket;
export function socket(protocol: 'req', options?: ReqOptions): ReqSocket;
export function socket(protocol: 'rep', options?: ReplierOptions): RepSocket;
export function socket(protocol: 'pub', options?: SocketOptions): PubSocket;
export function socket(protocol: 'sub', options?: SocketOptions): SubSocket;
export function socket(protocol: 'push', options?: SocketOptions): PushSocket;
export function socket(protocol: 'pull', options?: SocketOptions): PullSocket;
export function socket(protocol: 'bus', options?: SocketOptions): BusSocket;
export function socket(protocol: 'surveyor', options?: SurveyorOptions): SurveyorSocket;
export function socket(protocol: 'respondent', options?: ReplierOptions): RespondentSocket;
export function socket(protocol: ProtocolName, options?: SocketOptions): Socket;
