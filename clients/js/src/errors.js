// Errors of the sprocket JavaScript client. Every failure is an SPError
// whose `code` says what happened, so callers branch on the code and show
// the message (which names the value or the URL involved).

/**
 * The codes an SPError carries.
 * - closed: the socket was closed (also for operations pending at that moment)
 * - timed_out: the operation's timeout passed
 * - aborted: the operation's AbortSignal fired
 * - bad_state: the protocol does not allow this now (REQ recv before send, ...)
 * - not_supported: the protocol has no such operation (recv on PUB, ...)
 * - invalid_argument: a bad URL, option or message value
 * - connection_failed: a WebSocket could not connect, or closed before opening
 * - protocol_refused: the server refused or answered another SP protocol
 * - message_too_large: a received message was above recvMaxSize (dropped)
 * - malformed: a received message had a broken SP header (dropped)
 * - protocol_error: a received message was not binary (dropped)
 * - queue_full: the receive queue was full and a message was dropped
 */
export const codes = Object.freeze([
  'closed',
  'timed_out',
  'aborted',
  'bad_state',
  'not_supported',
  'invalid_argument',
  'connection_failed',
  'protocol_refused',
  'message_too_large',
  'malformed',
  'protocol_error',
  'queue_full',
]);

export class SPError extends Error {
  /**
   * @param {string} code one of `codes`
   * @param {string} message what happened, naming the bad value
   * @param {{url?: string, cause?: unknown}} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SPError';
    this.code = code;
    if (extra.url !== undefined) this.url = extra.url;
  }
}
