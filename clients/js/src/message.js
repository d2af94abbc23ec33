// Messages as the client hands them to the application, and the conversion
// of what the application sends into bytes.
import { SPError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Bytes of a value to send: a string (as UTF-8), a Uint8Array (used as is,
 * not copied), any other ArrayBuffer view, an ArrayBuffer, or a Message
 * (its body).
 * @param {unknown} data
 * @returns {Uint8Array}
 */
export function toBytes(data) {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data instanceof Message) return data.body;
  const what = data === null ? 'null' : typeof data === 'object' ? data.constructor?.name ?? 'object' : typeof data;
  throw new SPError('invalid_argument',
    `cannot send a ${what}: give a string, a Uint8Array, an ArrayBuffer or a view of one`);
}

/** The bytes of `parts` one after the other, in one new array. */
export function concat(...parts) {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A received message: its body, where it came from, and for REP and RESPONDENT the way back. */
export class Message {
  #reply;

  /**
   * @param {Uint8Array} body the payload without the SP protocol header
   * @param {string} url the URL of the connection it arrived on
   * @param {((data: unknown) => void) | undefined} reply sends the answer (REP, RESPONDENT)
   */
  constructor(body, url, reply) {
    this.body = body;
    this.url = url;
    this.#reply = reply;
  }

  /** Size of the body in bytes. */
  get size() {
    return this.body.length;
  }

  /** The body decoded as UTF-8. */
  text() {
    return decoder.decode(this.body);
  }

  /** The body parsed as JSON. */
  json() {
    return JSON.parse(this.text());
  }

  /**
   * Answers this request (REP) or survey (RESPONDENT), whatever was received
   * since; a second answer to the same message is `bad_state`.
   * @param {string | Uint8Array | ArrayBuffer | ArrayBufferView} data
   */
  reply(data) {
    if (!this.#reply) throw new SPError('not_supported', 'reply() is for messages received on REP or RESPONDENT sockets');
    this.#reply(data);
  }
}
