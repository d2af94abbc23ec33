// The live-notifications demo in a real browser: headless Chromium, two
// pages (alice and bob), driven over WebDriver. An edit in one page shows in
// the other; a closed record sends no more events to its page; after a
// server restart the pages reconnect and get events again. The "e-mail
// alerts" consumer — nanocat subscribed over tcp — sees every change.
//
// Environment (CTest sets it; see CMakeLists.txt):
//   LIVE_SERVER_BIN   the demo server        SPROCKET_NANOCAT  sprocket's nanocat
//   CHROMIUM, CHROMEDRIVER (default /usr/bin/chromium, /usr/bin/chromedriver)
//   LIVE_TEST_OUT     folder for screenshots and logs (default: a temporary one)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { WebDriver } from './webdriver.js';

// Generous: it bounds a broken run, it is not a performance target.
const DEADLINE_MS = 30_000;

const serverBin = process.env.LIVE_SERVER_BIN;
const nanocat = process.env.SPROCKET_NANOCAT || 'nanocat';
const out = process.env.LIVE_TEST_OUT || mkdtempSync(join(tmpdir(), 'live-browser-'));
mkdirSync(out, { recursive: true });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A child process with its output collected. */
class Child {
  constructor(program, args) {
    this.name = `${program} ${args.join(' ')}`;
    this.output = '';
    this.proc = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => resolve(code ?? signal));
      this.proc.once('error', (e) => {
        this.output += `could not start: ${e.message}\n`;
        resolve(-1);
      });
    });
    this.proc.stdout.on('data', (d) => { this.output += d; });
    this.proc.stderr.on('data', (d) => { this.output += d; });
  }

  /** Resolves true when `text` appears in the output, false if the process ends first. */
  async waitOutput(text, deadline = DEADLINE_MS) {
    const start = Date.now();
    let ended = false;
    this.exited.then(() => { ended = true; });
    while (!this.output.includes(text)) {
      if (ended || Date.now() - start > deadline) return false;
      await sleep(20);
    }
    return true;
  }

  async stop() {
    this.proc.kill('SIGTERM');
    return this.exited;
  }
}

let ports;
let server;
let alerts;
let driver;
let pageA;
let pageB;

async function startServer() {
  const args = ['--http-port', ports.http, '--ws-port', ports.ws, '--tcp-port', ports.tcp].map(String);
  const child = new Child(serverBin, args);
  if (!(await child.waitOutput('ready'))) {
    await child.stop();
    return { child, failed: child.output };
  }
  return { child };
}

/** Runs `script` in the page `handle` until it returns a truthy value; returns that value. */
async function until(handle, script, what, ...args) {
  const start = Date.now();
  let last;
  for (;;) {
    await driver.switchTo(handle);
    last = await driver.execute(script, ...args).catch((e) => `(${e.message})`);
    if (last && !(typeof last === 'string' && last.startsWith('('))) return last;
    if (Date.now() - start > DEADLINE_MS) assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(50);
  }
}

// Expressions, evaluated in a page, for what a record's card shows.
const textOf = (id) => `document.querySelector('[data-record="${id}"] textarea')?.value`;
const metaOf = (id) => `document.querySelector('[data-record="${id}"] .meta')?.textContent`;

async function openRecord(handle, id) {
  await driver.switchTo(handle);
  await driver.click(`#list li[data-open="${id}"]`);
  await until(handle, `return (${metaOf(id)} || '').startsWith('v');`, `record ${id} open`);
}

/** Types `text` into record `id` in page `handle` and saves; waits until the page shows the saved version. */
async function edit(handle, id, text) {
  await driver.switchTo(handle);
  const before = await driver.execute(`return ${metaOf(id)};`);
  await driver.type(`[data-record="${id}"] textarea`, text);
  await driver.click(`[data-record="${id}"] .save`);
  await until(handle, `return ${metaOf(id)} !== arguments[0];`, `the save of record ${id}`, before);
}

async function screenshot(handle, name) {
  await driver.switchTo(handle);
  writeFileSync(join(out, name), await driver.screenshot());
}

const connected = 'return window.liveDemo?.connected === true && document.querySelectorAll("#list li").length === 4;';

describe('live notifications in headless Chromium', () => {
  before(async () => {
    assert.ok(serverBin, 'LIVE_SERVER_BIN must name the demo server');
    for (let attempt = 1; ; attempt++) {
      ports = { http: await freePort(), ws: await freePort(), tcp: await freePort() };
      const started = await startServer();
      if (!started.failed) {
        server = started.child;
        break;
      }
      if (attempt === 5) assert.fail(`the demo server did not start: ${started.failed}`);
    }
    alerts = new Child(nanocat, ['--sub', '--connect', `tcp://127.0.0.1:${ports.tcp}`, '--subscribe', 'record/', '--ascii']);
    driver = await WebDriver.start({
      chromedriver: process.env.CHROMEDRIVER || '/usr/bin/chromedriver',
      chromium: process.env.CHROMIUM || '/usr/bin/chromium',
      profileDir: mkdtempSync(join(tmpdir(), 'live-chromium-')),
    });
    pageA = await driver.window();
    await driver.navigate(`http://127.0.0.1:${ports.http}/?user=alice`);
    pageB = await driver.newWindow();
    await driver.switchTo(pageB);
    await driver.navigate(`http://127.0.0.1:${ports.http}/?user=bob`);
    await until(pageA, connected, 'page A connected');
    await until(pageB, connected, 'page B connected');
  });

  after(async () => {
    await driver?.quit();
    await alerts?.stop();
    await server?.stop();
    writeFileSync(join(out, 'server.log'), server?.output ?? '');
    writeFileSync(join(out, 'alerts.log'), alerts?.output ?? '');
  });

  it('an edit in one page appears in the other', async (t) => {
    await openRecord(pageA, 1);
    await openRecord(pageB, 1);
    const text = 'Deliver to gate 7 — ask for Sam at the desk.';
    await edit(pageA, 1, text);
    await until(pageB, `return ${textOf(1)} === arguments[0];`, 'the edit in page B', text);
    await driver.switchTo(pageB);
    assert.equal(await driver.execute(`return ${metaOf(1)};`), 'v2 · alice');
    assert.equal(await driver.execute(`return document.querySelector('[data-record="1"] .notice').textContent;`),
      'updated by alice');
    // What it took, as seen by the browser (both pages share its clock): reported, not asserted.
    const got = await driver.execute('return window.liveDemo.received.find((e) => e.id === 1 && e.version === 2);');
    await driver.switchTo(pageA);
    const sent = await driver.execute('return window.liveDemo.lastSave;');
    t.diagnostic(`edit to other page: ${got.receivedAt - sent.sentAt} ms (save clicked in A -> event handled in B)`);
    await screenshot(pageA, 'page-a-after-edit.png');
    await screenshot(pageB, 'page-b-after-edit.png');
    assert.ok(await alerts.waitOutput('record/1 {"id":1'), `the e-mail alert (nanocat --sub over tcp): ${alerts.output}`);
    assert.match(alerts.output, /"editor":"alice"/);
  });

  it('a page no longer gets events of a record it closed', async () => {
    await openRecord(pageB, 2);
    await driver.switchTo(pageB);
    await driver.click('[data-record="1"] .close');
    assert.deepEqual(await driver.execute('return window.liveDemo.subscriptions;'), ['record/2 ']);
    await edit(pageA, 1, 'changed after bob closed it');
    await openRecord(pageA, 2);
    await edit(pageA, 2, 'marker: after the record 1 edit');
    // Events come in order on one connection: once the record 2 change is
    // here, a record 1 change would have been here before it.
    await until(pageB, `return ${textOf(2)} === arguments[0];`, 'the record 2 edit in page B',
      'marker: after the record 1 edit');
    const received = await driver.execute('return window.liveDemo.received;');
    assert.deepEqual(received.filter((e) => e.id === 1).map((e) => e.version), [2], 'only the edit made while it was open');
    assert.equal(await driver.execute('return document.querySelector(\'[data-record="1"]\');'), null);
  });

  it('after a server restart the pages reconnect and get events again', async (t) => {
    await server.stop();
    await until(pageA, 'return window.liveDemo.connected === false;', 'page A to notice the server went away');
    await until(pageB, 'return document.querySelector("#status").textContent === "reconnecting…";', 'page B showing it');
    await screenshot(pageB, 'page-b-server-down.png');
    const started = await startServer();
    assert.ok(!started.failed, `the server did not restart on the same ports: ${started.failed}`);
    server = started.child;
    await until(pageA, connected, 'page A reconnected');
    await until(pageB, connected, 'page B reconnected');
    // The restarted server has its starting records again; the pages read them.
    await until(pageB, `return ${metaOf(2)} === 'v1';`, 'page B to re-read record 2');
    const start = Date.now();
    await edit(pageA, 2, 'after the restart');
    await until(pageB, `return ${textOf(2)} === arguments[0];`, 'the edit after the restart',
      'after the restart');
    t.diagnostic(`after restart, edit seen by page B ${Date.now() - start} ms after typing began (WebDriver round trips included)`);
    await screenshot(pageB, 'page-b-after-restart.png');
    assert.ok(await alerts.waitOutput('after the restart'), `the alerts consumer reconnected too: ${alerts.output}`);
  });
});
