// Compiled (not run) by the js.types test: the examples of docs/javascript.md
// type-check against src/index.d.ts, and misuse does not.
import {
  Message, ReqSocket, SPError, SubSocket, SurveyorSocket, socket, type SocketEvent,
} from '../../src/index.js';

export async function examples(WebSocketImpl: { new (url: string, protocols?: string | string[]): unknown }) {
  const req = new ReqSocket({ WebSocket: WebSocketImpl, resendInterval: 5_000 });
  const dialer = req.dial('ws://127.0.0.1:5555/rpc', { reconnectMax: 2_000 });
  const reply: Message = await req.request('ping', { timeout: 1_000 });
  const text: string = reply.text();
  const parsed = reply.json<{ ok: boolean }>();
  const ok: boolean = parsed.ok;
  await req.send(new Uint8Array([1, 2, 3]));
  await req.recv({ signal: new AbortController().signal });
  req.cancel();
  dialer.close();

  const sub = socket('sub');
  sub.subscribe('weather/');
  const removed: boolean = sub.unsubscribe(new TextEncoder().encode('weather/'));
  for await (const m of sub) console.log(m.size, m.url);
  const stop = sub.on('error', (ev: SocketEvent) => {
    if (ev.error?.code === 'message_too_large') console.log(ev.error.message, ev.url);
  });
  stop();

  const rep = socket('rep', { maxTtl: 4 });
  const q = await rep.recv();
  q.reply('answer');
  await rep.send('answer');

  const sv: SurveyorSocket = socket('surveyor', { surveyDeadline: 250 });
  const answers: Message[] = await sv.survey('who?', { deadline: 100 });

  try {
    await socket('push').send('x', { timeout: 10 });
  } catch (e) {
    if (e instanceof SPError && e.code === 'timed_out') console.log(e.url);
  }
  console.log(text, ok, removed, answers.length, socket('pub').stats().drops, sub instanceof SubSocket);

  // Misuse that must not compile:
  // @ts-expect-error SUB has no request()
  sub.request('x');
  // @ts-expect-error not a protocol
  socket('router');
  // @ts-expect-error resendInterval is a REQ option
  socket('sub', { resendInterval: 1 });
  // @ts-expect-error numbers are not messages
  await sub.send(42);
  // @ts-expect-error not an error code
  const code: SPError['code'] = 'oops';
  return code;
}
