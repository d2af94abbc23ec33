// Pending operations: a promise with a timeout, an AbortSignal and a way for
// the socket to settle it. Every wait in the client goes through here, so
// every wait has a way out (its timeout, its signal, or the socket closing).
import { SPError } from './errors.js';

/** A timeout option in milliseconds: a finite number >= 0 bounds the wait; negative, Infinity or undefined means none. */
export function checkTimeout(value, name) {
  if (value === undefined || value === null) return -1;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new SPError('invalid_argument', `${name} must be a number of milliseconds, not ${String(value)}`);
  }
  return value === Infinity ? -1 : value;
}

/**
 * A list of pending operations, settled first-in first-out.
 * Each entry is removed from the list when it settles, whichever way.
 */
export class WaitList {
  #entries = [];

  get size() {
    return this.#entries.length;
  }

  /**
   * A promise that settles when `resolveFirst`/`rejectAll` reaches it, when
   * `timeout` ms pass (`timed_out`), or when `signal` aborts (`aborted`).
   * @param {{timeout?: number, signal?: AbortSignal}} options
   * @param {string} what the operation, for error messages ("recv", ...)
   */
  add({ timeout = -1, signal } = {}, what = 'operation') {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new SPError('aborted', `${what} aborted`, { cause: signal.reason }));
        return;
      }
      const entry = { resolve: null, reject: null };
      let timer = null;
      const onAbort = () => entry.reject(new SPError('aborted', `${what} aborted`, { cause: signal.reason }));
      const finish = () => {
        const i = this.#entries.indexOf(entry);
        if (i >= 0) this.#entries.splice(i, 1);
        if (timer !== null) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      entry.resolve = (v) => {
        finish();
        resolve(v);
      };
      entry.reject = (e) => {
        finish();
        reject(e);
      };
      if (timeout >= 0) {
        timer = setTimeout(() => entry.reject(new SPError('timed_out', `${what} timed out after ${timeout} ms`)), timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#entries.push(entry);
    });
  }

  /** Resolves the oldest pending operation with `value`; false if none is pending. */
  resolveFirst(value) {
    const entry = this.#entries[0];
    if (!entry) return false;
    entry.resolve(value);
    return true;
  }

  /** Rejects the oldest pending operation with `error`; false if none is pending. */
  rejectFirst(error) {
    const entry = this.#entries[0];
    if (!entry) return false;
    entry.reject(error);
    return true;
  }

  /** Resolves every pending operation with `value`. */
  resolveAll(value) {
    for (const entry of [...this.#entries]) entry.resolve(value);
  }

  /** Rejects every pending operation with `error`. */
  rejectAll(error) {
    for (const entry of [...this.#entries]) entry.reject(error);
  }
}
