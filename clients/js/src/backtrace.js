// The REQ/REP and SURVEYOR/RESPONDENT header: a stack of 32-bit big-endian
// words; the one with the top bit set is the request (or survey) id and
// ends the stack; the words before it are pipe ids pushed by devices.
const TOP = 0x80000000;

/** A random 31-bit value to start request or survey ids at, as the SP spec asks. */
export function randomId() {
  const c = globalThis.crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0] & 0x7fffffff;
  return Math.floor(Math.random() * 0x80000000);
}

/** Counts ids up from a random start, 31 bits, wrapping. */
export class IdSequence {
  #next = randomId();

  /** The next header word: the id with the top bit set. */
  next() {
    const word = (this.#next | TOP) >>> 0;
    this.#next = (this.#next + 1) & 0x7fffffff;
    return word;
  }
}

/** `body` behind a one-word header holding `word`. */
export function withIdWord(word, body) {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, word);
  out.set(body, 4);
  return out;
}

/**
 * The id word at the start of a reply (REQ) or answer (SURVEYOR), or a
 * string saying why there is none.
 */
export function readIdWord(bytes) {
  if (bytes.length < 4) return `${bytes.length} bytes, shorter than the 4-byte id`;
  const word = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if ((word & TOP) === 0) return `the first word 0x${word.toString(16)} is not an id (top bit clear)`;
  return word;
}

/**
 * Splits a request (REP) or survey (RESPONDENT) into its backtrace and body.
 * Returns {header, body}, or {error} for a broken header, or {tooDeep} when
 * the backtrace has more than maxTtl words (the id word included).
 */
export function splitBacktrace(bytes, maxTtl) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let hops = 1, at = 0; ; hops++, at += 4) {
    if (hops > maxTtl) return { tooDeep: true };
    if (at + 4 > bytes.length) {
      return { error: at === 0 ? `${bytes.length} bytes, shorter than the 4-byte id` : 'no id word (top bit set) before the end' };
    }
    if (view.getUint32(at) & TOP) {
      return { header: bytes.subarray(0, at + 4), body: bytes.subarray(at + 4) };
    }
  }
}
