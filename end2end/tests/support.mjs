// Starts a real Sawda on a free port with a fresh in-memory database, and a
// real (Debian) Chromium driven by Playwright. Both stop by themselves.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import zlib from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const outputDir = join(here, '..', 'test-results');
mkdirSync(outputDir, { recursive: true });

/** The translation files, so tests compare with what people really read. */
export const texts = Object.fromEntries(
  ['kaa', 'uz', 'ru', 'en'].map((lang) => [
    lang,
    JSON.parse(readFileSync(join(repoRoot, 'app', 'locales', `${lang}.json`), 'utf8')),
  ]),
);

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function sawdaBinary() {
  const binary = process.env.SAWDA_BIN;
  if (!binary) throw new Error('SAWDA_BIN must name the built sawda binary (make test sets it)');
  return binary;
}

/**
 * A server that exits on its own after `seconds`, whatever happens to the test.
 * In memory by default; `admin` makes it use the embedded file database, with
 * that admin created first by `sawda admin create`, as an operator would.
 * `site` serves another build of the web files; `addr` a chosen address.
 */
export async function startSawda({ seconds = 600, admin, site, addr = '127.0.0.1:0', env: extra = {} } = {}) {
  const binary = sawdaBinary();
  const data = mkdtempSync(join(tmpdir(), 'sawda-e2e-'));
  const env = {
    PATH: process.env.PATH,
    SAWDA_ADDR: addr,
    SAWDA_DATA: data,
    SAWDA_SITE: site ?? process.env.SAWDA_SITE ?? join(repoRoot, 'target', 'site'),
    RUST_LOG: 'warn',
    // A panic in the server prints where it came from, for a failure seen once in CI.
    RUST_BACKTRACE: '1',
    ...extra,
  };
  if (admin) {
    const created = spawnSync(binary, ['admin', 'create', '--phone', admin.phone, '--name', admin.name], {
      env,
      input: `${admin.password}\n`,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (created.status !== 0) throw new Error(`admin create failed: ${created.stderr}`);
  } else {
    env.SAWDA_DB = 'mem://';
  }
  const child = spawn('timeout', ['--signal=TERM', String(seconds), binary], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`sawda did not start: ${seen}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.on('exit', (code) => reject(new Error(`sawda exited with ${code}: ${seen}`)));
  });
  // The address is printed once the server listens; make sure it answers.
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
}

const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/**
 * A phone whose browser keeps its profile in `profile` (made if missing), so
 * that it can be killed with SIGKILL ({@link killProfile}) and started again
 * on the same profile, as Android kills a browser in the background.
 */
export async function persistentPhone(profile, options = {}) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    ...PHONE,
    ...options,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Kills with SIGKILL every process of the browser running on `profile`; waits until they are gone. */
export async function killProfile(profile) {
  const pids = () => {
    const listed = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout.split('\n');
    return listed.filter((line) => line.includes(profile)).map((line) => Number.parseInt(line.trim(), 10));
  };
  const found = pids();
  if (found.length === 0) throw new Error(`no browser runs on ${profile}`);
  for (const pid of found) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
  }
  for (let i = 0; i < 100 && pids().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

/** A phone: 360 px wide, touch, and a record of every console error and page error. */
export async function phone(browser, options = {}) {
  const context = await browser.newContext({ ...PHONE, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/**
 * The page is interactive: the app has hydrated it, or it is a page drawn
 * without the app (app/src/shell.rs, PAGES_WITHOUT_THE_APP), which works as
 * soon as it has loaded.
 */
export async function waitForHydration(page) {
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true'
    || (document.readyState === 'complete' && !document.querySelector('link[href$="/sawda.wasm"]')),
  null, { timeout: 30_000, polling: 50 });
}

/**
 * Taps a language in the header: the app switches in place; a page drawn
 * without it is drawn again by the server in that language.
 */
export async function chooseLanguage(page, lang) {
  const link = `.language-switcher a[hreflang="${lang}"]`;
  if (await runsApp(page)) {
    await page.click(link);
  } else {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(link)]);
  }
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/** Whether the page runs the app (else it is drawn without it, and forms post themselves). */
export async function runsApp(page) {
  return page.evaluate(() => document.querySelector('link[href$="/sawda.wasm"]') !== null);
}

/** Calls the JSON API from the test itself (as a script would); returns status, body and cookie. */
export async function api(url, method, path, { body, cookie } = {}) {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(cookie ? { cookie } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const setCookie = response.headers.get('set-cookie');
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    cookie: setCookie ? setCookie.split(';')[0] : undefined,
  };
}

/**
 * Waits until the service worker controls the page: it has kept the whole
 * release (every language's texts, the fonts, each page's code) for offline use.
 */
export async function keptForOffline(page) {
  try {
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  } catch (error) {
    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      const [installing, waiting, active] = ['installing', 'waiting', 'active'].map((w) => registration?.[w]?.state);
      return { registered: Boolean(registration), installing, waiting, active };
    });
    throw new Error(`the service worker controls no page after 30 s: ${JSON.stringify(state)}`, { cause: error });
  }
}

/** Waits until the page is interactive and any lazily loaded page code has arrived. */
export async function ready(page) {
  await waitForHydration(page);
  await page.waitForLoadState('networkidle');
}

/**
 * Entrepreneurs made the way the programme makes them: an admin (created by
 * `startSawda({ admin })`) invites, and each person signs up with a code.
 */
export async function signUpEntrepreneurs(url, admin, people) {
  const signedIn = await api(url, 'POST', '/auth/sign-in', { body: { phone: admin.phone, password: admin.password } });
  if (signedIn.status !== 200) throw new Error(`admin sign-in: ${JSON.stringify(signedIn.body)}`);
  const workshop = await api(url, 'POST', '/invitations', {
    cookie: signedIn.cookie,
    body: { name: 'Studio workshop', district: 'nukus', date: '2026-12-01', seats: people.length },
  });
  if (workshop.status !== 201) throw new Error(`invitations: ${JSON.stringify(workshop.body)}`);
  const accounts = [];
  for (const [i, person] of people.entries()) {
    const code = workshop.body.invitations[i].code;
    const made = await api(url, 'POST', '/auth/sign-up', { body: { code, ...person } });
    if (made.status !== 201) throw new Error(`sign-up: ${JSON.stringify(made.body)}`);
    accounts.push({ ...made.body, cookie: made.cookie });
  }
  return accounts;
}

/**
 * The set-up most test files share, in this order: a Sawda (with `admin`
 * made first, as an operator would; in memory without one), a browser unless
 * `browser` is false, `people` signed up as entrepreneurs, the admin signed
 * in when `signInAdmin` is set or a `coordinator` is wanted, and that
 * coordinator (with her districts) made by the admin. Call it in the file's
 * `before`, and {@link tearDown} in its `after`; on a failure it stops what it
 * started. Returns `{ sawda, browser, people (their accounts), admin (her
 * sign-in answer) }`.
 */
export async function setUp({ admin, people = [], signInAdmin = false, coordinator, browser = true } = {}) {
  const world = { sawda: await startSawda({ admin }), people: [] };
  try {
    if (browser) world.browser = await launchBrowser();
    if (people.length > 0) world.people = await signUpEntrepreneurs(world.sawda.url, admin, people);
    if (signInAdmin || coordinator) {
      const body = { phone: admin.phone, password: admin.password };
      world.admin = await api(world.sawda.url, 'POST', '/auth/sign-in', { body });
      if (world.admin.status !== 200) throw new Error(`admin sign-in: ${JSON.stringify(world.admin.body)}`);
    }
    if (coordinator) {
      const made = await api(world.sawda.url, 'POST', '/coordinators', { cookie: world.admin.cookie, body: coordinator });
      if (made.status !== 201) throw new Error(`coordinators: ${JSON.stringify(made.body)}`);
    }
    return world;
  } catch (error) {
    await tearDown(world);
    throw error;
  }
}

/** Closes the browser and stops the Sawda that {@link setUp} started. */
export async function tearDown({ sawda, browser } = {}) {
  await browser?.close();
  await sawda?.stop();
}

/** Signs in through the sign-in page, as a person does, and waits for where it leads. */
export async function signInOnPage(page, url, who, landing = '**/studio') {
  await page.goto(`${url}/sign-in`);
  await ready(page);
  await page.fill('input[name="phone"]', who.phone);
  await page.fill('input[name="password"]', who.password);
  await page.click('form button[type="submit"]');
  await page.waitForURL(landing);
}

/** A small PNG photo made here (a colour gradient), `width` × `height`. */
export function makePng(width, height, seed = 0) {
  const { deflateSync, crc32 } = zlib;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      raw[at] = (x * 255) / width + seed;
      raw[at + 1] = (y * 255) / height;
      raw[at + 2] = 120 + seed;
    }
  }
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Waits until the studio's sync status reads `text`, else fails saying what it reads. */
export async function expectStatus(page, text, timeout = 30_000) {
  await page.waitForFunction(
    (expected) => document.querySelector('.sync-status-text')?.textContent === expected,
    text,
    { timeout },
  ).catch(async () => {
    const now = await page.locator('.sync-status-text').textContent().catch(() => '(none)');
    throw new Error(`status is "${now}", expected "${text}"`);
  });
}

/** Opens a part of the studio (storefront, products, feedback) by its tab's text. */
export async function openSection(page, label) {
  await page.locator('.section-tab', { hasText: label }).click();
  await page.waitForFunction((text) => [...document.querySelectorAll('.section-tab')]
    .some((tab) => tab.textContent.startsWith(text) && tab.getAttribute('aria-pressed') === 'true'), label);
}

/** Approves everything waiting at the desk, as a coordinator would; how many. */
export async function approveAll(url, adminCookie) {
  const queue = await api(url, 'GET', '/review/queue', { cookie: adminCookie });
  const checklist = ['origin', 'photos', 'description', 'price', 'packaging', 'food_safety'].map((point) => ({ point, pass: true }));
  for (const item of queue.body.items) {
    const decided = await api(url, 'POST', `/review/items/${item.owner}/${item.record}/decision`, {
      cookie: adminCookie, body: { revision: item.revision, decision: 'approve', checklist },
    });
    if (decided.status !== 200) throw new Error(`decision: ${JSON.stringify(decided.body)}`);
  }
  return queue.body.items.length;
}

/**
 * In the studio (signed in, in English): the storefront "Aral honey" and its
 * product "Tugai flower honey", both submitted for review; waits until synced.
 */
export async function submitAralHoney(page) {
  const en = texts.en;
  await typeInto(page, '#storefront-name', 'Aral honey');
  await page.click('button.suggestion');
  await typeInto(page, '#storefront-story', 'Wild flowers of the Amudarya delta, harvested by hand in Moynaq.');
  await page.selectOption('#storefront-district', 'moynaq');
  await page.selectOption('#storefront-category', 'food');
  await typeInto(page, '#storefront-telegram', '@aral_honey');
  await typeInto(page, '#storefront-whatsapp', '+998 90 123 45 67');
  await page.check('input[name="payment"][value="cash_on_delivery"]');
  await page.check('input[name="delivery"][value="post_uzbekistan"]');
  await page.click(`.review-panel button:has-text("${en['review.submit']}")`);
  await openSection(page, en['studio.section.products']);
  await page.click('button:has-text("' + en['products.add'] + '")');
  await typeInto(page, '#product-name', 'Tugai flower honey');
  await typeInto(page, '#product-description', 'Thick, dark honey from the tugai forests.');
  await typeInto(page, '#product-price-som', '85 000');
  await typeInto(page, '#product-unit', 'jar, 1 kg');
  await typeInto(page, '#product-shelf-life', '2 years');
  await page.click(`.review-panel button:has-text("${en['review.submit']}")`);
  await expectStatus(page, en['sync.all_saved']);
}

/**
 * Types into a field as a thumb does: a tap, the old text selected and
 * removed, then key by key with `delay` ms between keys (never `fill`, which
 * sets the whole value at once and so cannot see a field that loses the
 * focus or rewrites itself while she types). Fails unless the field kept the
 * focus and reads exactly what was typed.
 */
export async function typeInto(page, selector, text, { delay = 30 } = {}) {
  await page.locator(selector).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text, { delay });
  const [focused, value] = await page.locator(selector)
    .evaluate((field) => [document.activeElement === field, field.value]);
  if (!focused) throw new Error(`${selector} lost the focus while "${text}" was typed (it reads "${value}")`);
  if (value !== text) throw new Error(`${selector} reads "${value}" after "${text}" was typed`);
}

/** Slows the page's CPU `rate` times, as on a cheap phone (Chrome DevTools Protocol). */
export async function slowCpu(page, rate = 4) {
  const session = await page.context().newCDPSession(page);
  await session.send('Emulation.setCPUThrottlingRate', { rate });
  return session;
}
