// The live-notifications page: lists the server's records, opens some as
// cards, and keeps each open card up to date. Edits go to the server as
// REQ/REP requests; changes come back on a SUB socket subscribed to the
// topic of each open record ("record/<id> "), so this page receives the
// changes of the records it shows and nothing else.
import { ReqSocket, SubSocket } from './sprocket/index.js';

const $ = (selector, root = document) => root.querySelector(selector);
const params = new URLSearchParams(location.search);
const user = (params.get('user') || `guest${Math.floor(Math.random() * 900 + 100)}`).replace(/\s+/g, '_');
$('#user').textContent = user;

const { wsPort } = await (await fetch('config.json')).json();
const base = `ws://${location.hostname}:${wsPort}`;

const rpc = new ReqSocket();
rpc.dial(`${base}/rpc`);
const events = new SubSocket();
events.dial(`${base}/events`);

// What the page knows; exposed read-only for people (and tests) looking in.
const cards = new Map(); // record id -> {element, record, dirty}
const received = []; // {id, version, editor, receivedAt}
let lastSave = null; // {id, sentAt}
window.liveDemo = {
  user,
  get received() { return received.slice(); },
  get lastSave() { return lastSave; },
  get subscriptions() { return events.subscriptions.map((t) => new TextDecoder().decode(t)); },
  get connected() { return events.connected && rpc.connected; },
};

function topic(id) {
  return `record/${id} `;
}

function problem(text) {
  const p = $('#problem');
  p.textContent = text;
  p.hidden = !text;
}

/** Sends one request to the server and returns its JSON answer; throws the server's error. */
async function call(request) {
  const reply = await rpc.request(request, { timeout: 15_000 });
  const data = reply.json();
  if (data.error) throw new Error(data.error);
  return data;
}

// ------------------------------------------------------------ connection state

let everConnected = false;
function showStatus() {
  const live = events.connected && rpc.connected;
  const s = $('#status');
  s.textContent = live ? 'live' : 'reconnecting…';
  s.className = `status ${live ? 'live' : 'down'}`;
}
for (const socket of [rpc, events]) {
  socket.on('connect', showStatus);
  socket.on('disconnect', showStatus);
}
// Changes made while this page was disconnected were not received: read the
// open records again when the event feed comes back.
events.on('connect', () => {
  if (everConnected) refreshOpen().catch((e) => problem(e.message));
  everConnected = true;
});
events.on('error', (ev) => console.warn('events:', ev.error.message));
rpc.on('error', (ev) => console.warn('rpc:', ev.error.message));

// ------------------------------------------------------------ the list

async function loadList() {
  const { records } = await call('list');
  const list = $('#list');
  list.replaceChildren();
  for (const r of records) {
    const li = document.createElement('li');
    li.dataset.open = r.id;
    li.textContent = r.title;
    li.addEventListener('click', () => openRecord(r.id).catch((e) => problem(e.message)));
    list.append(li);
  }
  markOpen();
}

function markOpen() {
  for (const li of document.querySelectorAll('#list li')) li.classList.toggle('open', cards.has(Number(li.dataset.open)));
  $('#hint').hidden = cards.size > 0;
}

// ------------------------------------------------------------ cards

async function openRecord(id) {
  if (cards.has(id)) return;
  // Subscribe first, then read: a change between the two is not missed.
  events.subscribe(topic(id));
  const card = { element: renderCard(id), record: null, dirty: false };
  cards.set(id, card);
  markOpen();
  show(card, await call(`get ${id}`), null);
}

function closeRecord(id) {
  const card = cards.get(id);
  if (!card) return;
  events.unsubscribe(topic(id));
  cards.delete(id);
  card.element.remove();
  markOpen();
}

function renderCard(id) {
  const el = document.createElement('article');
  el.className = 'card';
  el.dataset.record = id;
  el.innerHTML = `
    <h3><span class="title"></span><button class="close" title="close">×</button></h3>
    <textarea spellcheck="false"></textarea>
    <div class="row"><span class="meta"></span><span class="notice"></span><button class="save">Save</button></div>`;
  const card = () => cards.get(id);
  $('.close', el).addEventListener('click', () => closeRecord(id));
  $('textarea', el).addEventListener('input', () => {
    card().dirty = true;
  });
  $('.save', el).addEventListener('click', () => save(id).catch((e) => problem(e.message)));
  $('#cards').append(el);
  return el;
}

/** Shows `record` on its card; `by` names who else changed it (flashes the card). */
function show(card, record, by) {
  if (card.record && record.version <= card.record.version) return; // older news
  card.record = record;
  const el = card.element;
  $('.title', el).textContent = record.title;
  $('.meta', el).textContent = `v${record.version}${record.editor ? ` · ${record.editor}` : ''}`;
  if (!card.dirty) $('textarea', el).value = record.body;
  $('.notice', el).textContent = by && card.dirty ? `${by} changed it meanwhile` : by ? `updated by ${by}` : '';
  if (by) {
    el.classList.add('flash');
    requestAnimationFrame(() => requestAnimationFrame(() => el.classList.remove('flash')));
  }
}

async function save(id) {
  const card = cards.get(id);
  const body = $('textarea', card.element).value;
  lastSave = { id, sentAt: Date.now() };
  const record = await call(`edit ${id} ${user}\n${body}`);
  card.dirty = false;
  show(card, record, null);
  problem('');
}

async function refreshOpen() {
  for (const [id, card] of cards) {
    card.record = null; // the server may have restarted: take what it has now
    show(card, await call(`get ${id}`), null);
  }
}

// ------------------------------------------------------------ events

function logEvent(record) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()}  record ${record.id} v${record.version} by ${record.editor}`;
  $('#log').prepend(li);
  while ($('#log').children.length > 8) $('#log').lastChild.remove();
}

async function follow() {
  for await (const message of events) {
    const text = message.text();
    const record = JSON.parse(text.slice(text.indexOf(' ') + 1));
    received.push({ id: record.id, version: record.version, editor: record.editor, receivedAt: Date.now() });
    logEvent(record);
    const card = cards.get(record.id);
    if (card) show(card, record, record.editor === user ? null : record.editor);
  }
}

follow().catch((e) => problem(`event feed stopped: ${e.message}`));
showStatus();
loadList().catch((e) => problem(e.message));
