// SURVEYOR/RESPONDENT.
import { IdSequence, readIdWord, withIdWord } from '../backtrace.js';
import { SPError } from '../errors.js';
import { toBytes } from '../message.js';
import { WaitList, checkTimeout } from '../wait.js';
import { ReplierSocket } from './reqrep.js';
import { Socket } from '../socket.js';

// Answers kept per survey, as in sprocket; more are dropped and counted.
const MAX_ANSWERS = 1024;

function timedOut(deadline) {
  return new SPError('timed_out', `survey ended: its deadline (${deadline} ms) passed`);
}

/**
 * SURVEYOR: a survey goes to every RESPONDENT connected now; answers are
 * accepted until the survey deadline (default 1 s). With send()/recv(), a
 * recv waiting at the deadline — or the first one after it, once the
 * answers are taken — fails with `timed_out`, and later ones with
 * `bad_state` until the next survey (sprocket's rule). survey() runs an
 * independent survey and resolves with all its answers at the deadline.
 */
export class SurveyorSocket extends Socket {
  #ids = new IdSequence();
  #surveys = new Map();
  #current = null;
  #answers = [];
  #expired = false;
  #waiters = new WaitList();

  constructor(options = {}) {
    super('surveyor', 'respondent', options, { surveyDeadline: 1000 });
  }

  /** Sends a survey, ending the one before (its answers are dropped). */
  async send(data) {
    const body = toBytes(data);
    this._checkOpen('send');
    if (this.#current) this.#end(this.#current);
    this.#answers = [];
    this.#expired = false;
    const survey = this.#begin(body, this.options.surveyDeadline, {
      answer: (message) => {
        if (this.#answers.length >= MAX_ANSWERS) this._countDrop();
        else if (!this.#waiters.resolveFirst(message)) this.#answers.push(message);
      },
      deadline: () => {
        if (this.#current !== survey) return;
        if (this.#waiters.size > 0) {
          this.#current = null;
          this.#waiters.rejectAll(timedOut(survey.deadline));
        } else {
          this.#expired = true;
        }
      },
    });
    this.#current = survey;
  }

  /** The next answer to the survey sent last. */
  recv(options = {}) {
    if (this.closed) return Promise.reject(this._closedError('recv'));
    if (this.#answers.length > 0) return Promise.resolve(this.#answers.shift());
    if (!this.#current) {
      return Promise.reject(new SPError('bad_state', 'recv on SURVEYOR without a survey running: send() one first'));
    }
    if (this.#expired) {
      const { deadline } = this.#current;
      this.#current = null;
      return Promise.reject(timedOut(deadline));
    }
    const timeout = checkTimeout(options.timeout ?? this.options.recvTimeout, 'timeout');
    return this.#waiters.add({ timeout, signal: options.signal }, 'recv');
  }

  /**
   * Sends a survey of its own (not disturbing send/recv or other surveys)
   * and resolves with every answer received before `deadline` ms (default:
   * the surveyDeadline option).
   */
  survey(data, options = {}) {
    let body;
    let deadline;
    try {
      body = toBytes(data);
      deadline = options.deadline ?? this.options.surveyDeadline;
      if (!Number.isInteger(deadline) || deadline < 0) {
        throw new SPError('invalid_argument', `deadline must be an integer >= 0 (ms), not ${String(deadline)}`);
      }
      this._checkOpen('survey');
    } catch (e) {
      return Promise.reject(e);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new SPError('aborted', 'survey aborted', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      const answers = [];
      const onAbort = () => {
        this.#end(survey);
        reject(new SPError('aborted', 'survey aborted', { cause: signal.reason }));
      };
      const survey = this.#begin(body, deadline, {
        answer: (message) => {
          if (answers.length >= MAX_ANSWERS) this._countDrop();
          else answers.push(message);
        },
        deadline: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(answers);
        },
        closed: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #begin(body, deadline, handlers) {
    const word = this.#ids.next();
    const survey = { word, deadline, handlers, timer: null };
    this.#surveys.set(word, survey);
    this._sendToAll(withIdWord(word, body));
    survey.timer = setTimeout(() => {
      survey.timer = null;
      this.#surveys.delete(word);
      handlers.deadline();
    }, deadline);
    return survey;
  }

  /** Forgets `survey`: late answers to it are dropped. */
  #end(survey) {
    this.#surveys.delete(survey.word);
    if (survey.timer !== null) clearTimeout(survey.timer);
    survey.timer = null;
  }

  _onMessage(pipe, bytes) {
    const word = readIdWord(bytes);
    if (typeof word === 'string') {
      this._malformed(pipe, `SURVEYOR answer: ${word}`);
      return;
    }
    const survey = this.#surveys.get(word);
    if (!survey) {
      this._countDrop(); // late: its survey ended or was replaced
      return;
    }
    survey.handlers.answer(this._message(bytes.subarray(4), pipe));
  }

  _closeProtocol(error) {
    for (const survey of [...this.#surveys.values()]) {
      this.#end(survey);
      survey.handlers.closed?.(error);
    }
    this.#current = null;
    this.#answers = [];
    this.#waiters.rejectAll(error);
  }
}

/** RESPONDENT: receives surveys from every SURVEYOR peer and answers each along its backtrace. */
export class RespondentSocket extends ReplierSocket {
  constructor(options = {}) {
    super('respondent', 'surveyor', options);
  }
}
