// sprocket's JavaScript client: SP sockets over WebSocket for browsers and
// Node, speaking the SP WebSocket mapping exactly as sprocket's ws:// does.
// No dependencies and no build step: import this file.
import { SPError } from './errors.js';
import { BusSocket, PairSocket, PubSocket, PullSocket, PushSocket, SubSocket } from './protocols/simple.js';
import { RepSocket, ReqSocket } from './protocols/reqrep.js';
import { RespondentSocket, SurveyorSocket } from './protocols/survey.js';

export { SPError, codes } from './errors.js';
export { Message } from './message.js';
export { Socket, SocketEvent, defaults } from './socket.js';
export { Dialer } from './dialer.js';
export {
  BusSocket, PairSocket, PubSocket, PullSocket, PushSocket, RepSocket, ReqSocket, RespondentSocket,
  SubSocket, SurveyorSocket,
};

const classes = {
  pair: PairSocket,
  req: ReqSocket,
  rep: RepSocket,
  pub: PubSocket,
  sub: SubSocket,
  push: PushSocket,
  pull: PullSocket,
  bus: BusSocket,
  surveyor: SurveyorSocket,
  respondent: RespondentSocket,
};

/** The protocol names socket() takes. */
export const protocols = Object.freeze(Object.keys(classes));

/**
 * A socket of the named protocol ('pair', 'req', 'rep', 'pub', 'sub',
 * 'push', 'pull', 'bus', 'surveyor', 'respondent'), as sprocket's
 * `Socket{sprocket::req}`.
 */
export function socket(protocol, options = {}) {
  const Class = Object.hasOwn(classes, protocol) ? classes[protocol] : undefined;
  if (!Class) {
    throw new SPError('invalid_argument', `unknown protocol '${protocol}' (known: ${protocols.join(', ')})`);
  }
  return new Class(options);
}
