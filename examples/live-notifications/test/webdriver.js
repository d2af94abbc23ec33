// Just enough of the W3C WebDriver protocol to drive headless Chromium
// through Debian's chromedriver: sessions, windows, navigation, scripts,
// elements (click, clear, type) and screenshots. Plain HTTP with fetch.
import { spawn } from 'node:child_process';
import net from 'node:net';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class WebDriver {
  #base;
  #session = null;
  #driver;
  #exited;
  #log = '';

  /**
   * Starts chromedriver and a headless Chromium session.
   * @param {{chromedriver: string, chromium: string, profileDir: string, width?: number, height?: number}} o
   */
  static async start(o) {
    const wd = new WebDriver();
    await wd.#launch(o);
    return wd;
  }

  async #launch({ chromedriver, chromium, profileDir, width = 1100, height = 720 }) {
    const port = await freePort();
    this.#base = `http://127.0.0.1:${port}`;
    this.#driver = spawn(chromedriver, [`--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#driver.stdout.on('data', (d) => { this.#log += d; });
    this.#driver.stderr.on('data', (d) => { this.#log += d; });
    const exited = new Promise((resolve) => {
      this.#driver.once('exit', resolve);
      this.#driver.once('error', (e) => { this.#log += `${e.message}\n`; resolve(-1); });
    });
    this.#exited = exited;
    for (let i = 0; ; i++) {
      const ready = await fetch(`${this.#base}/status`).then((r) => r.json()).then((j) => j.value?.ready).catch(() => false);
      if (ready) break;
      if (i > 400 || (await Promise.race([exited.then(() => true), sleep(50).then(() => false)]))) {
        throw new Error(`chromedriver did not start (${chromedriver}; apt-get install chromium-driver): ${this.#log}`);
      }
    }
    // As root in a container: no sandbox. The network flags keep Chromium
    // from calling home (refused here, and noisy); the background flags keep
    // a window that is not in front from being throttled.
    const args = [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding',
      `--user-data-dir=${profileDir}`, `--window-size=${width},${height}`,
    ];
    const session = await this.#call('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'chrome', 'goog:chromeOptions': { binary: chromium, args } } },
    });
    this.#session = session.sessionId;
  }

  async #call(method, path, body) {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok || json.value?.error) {
      throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message?.split('\n')[0]}`);
    }
    return json.value;
  }

  #s(path) {
    return `/session/${this.#session}${path}`;
  }

  navigate(url) {
    return this.#call('POST', this.#s('/url'), { url });
  }

  /** The handle of the current window. */
  window() {
    return this.#call('GET', this.#s('/window'));
  }

  /** Opens a new window and returns its handle (the current window stays). */
  async newWindow() {
    return (await this.#call('POST', this.#s('/window/new'), { type: 'window' })).handle;
  }

  switchTo(handle) {
    return this.#call('POST', this.#s('/window'), { handle });
  }

  /** Runs `script` (a function body; `arguments` are `args`) in the current page; its return value. */
  execute(script, ...args) {
    return this.#call('POST', this.#s('/execute/sync'), { script, args });
  }

  async find(css) {
    const found = await this.#call('POST', this.#s('/element'), { using: 'css selector', value: css });
    return found[ELEMENT];
  }

  async click(css) {
    return this.#call('POST', this.#s(`/element/${await this.find(css)}/click`), {});
  }

  /** Replaces the text of the input or textarea at `css` by typing `text`. */
  async type(css, text) {
    const el = await this.find(css);
    await this.#call('POST', this.#s(`/element/${el}/clear`), {});
    return this.#call('POST', this.#s(`/element/${el}/value`), { text });
  }

  /** A PNG of the current window. */
  async screenshot() {
    return Buffer.from(await this.#call('GET', this.#s('/screenshot')), 'base64');
  }

  async quit() {
    if (this.#session) await this.#call('DELETE', this.#s('')).catch(() => {});
    this.#session = null;
    if (this.#driver) {
      this.#driver.kill('SIGTERM');
      await this.#exited;
    }
  }
}
