// A buyer with JavaScript off finds a product in the market and sends an
// order request with a plain form; Aysulu sees it in her studio, also with
// no signal, confirms it offline with a note, and it reaches the server
// when her phone is online again. A buyer with JavaScript on orders too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  setUp, tearDown, phone, ready, api, texts, outputDir, signInOnPage, expectStatus, openSection, approveAll,
  submitAralHoney, typeInto, slowCpu,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const AYSULU = { phone: '+998903001177', name: 'Aysulu', password: 'aral-honey-2026' };
const en = texts.en;
const ru = texts.ru;

let sawda;
let browser;
let admin;

before(async () => {
  ({ sawda, browser, admin } = await setUp({ admin: ADMIN, people: [AYSULU], signInAdmin: true }));
});

after(() => tearDown({ sawda, browser }));

/** Her order requests as the server keeps them, read through sync as her. */
async function ordersOnServer() {
  const her = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: AYSULU.phone, password: AYSULU.password } });
  const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${her.body.id}&cursor=0&limit=100`, { cookie: her.cookie });
  assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
  return pulled.body.changes.map((c) => c.record).filter((r) => r.kind === 'order_request');
}

const value = (record, field) => record.fields[field]?.v;

test('a buyer orders with JavaScript off; she confirms offline and it syncs', async () => {
  const her = await phone(browser, { locale: 'en-GB' });
  const { page } = her;
  await signInOnPage(page, sawda.url, AYSULU);
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  await submitAralHoney(page);
  assert.equal(await approveAll(sawda.url, admin.cookie), 2);

  // The buyer, with JavaScript off, searches the market in Russian and orders.
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'ru', viewport: { width: 360, height: 800 } });
  const buyer = await context.newPage();
  const requested = [];
  buyer.on('request', (request) => requested.push(request.url()));
  await buyer.goto(`${sawda.url}/market?lang=ru`);
  await buyer.fill('input[name="q"]', 'туга');
  await buyer.click('form.market-search button[type="submit"]');
  await buyer.waitForURL(/q=/);
  await buyer.click('.market-item a');
  await buyer.waitForURL(/\/s\/aral-honey\/tugai-flower-honey/);
  assert.equal(await buyer.textContent('.order h2'), ru['public.order_form.title']);
  // A person reads before she sends: a form sent within two seconds of its page is a bot's.
  await buyer.waitForTimeout(2_000);
  // A mistake first: the page comes back with the problem beside the field and what she typed.
  await buyer.fill('#order-name', 'Гульнара');
  await buyer.fill('#order-contact', 'позвоните мне');
  await buyer.fill('#order-quantity', '2');
  await buyer.click('form.order-form button[type="submit"]');
  await buyer.waitForSelector('#order-contact-problem');
  assert.equal(await buyer.inputValue('#order-name'), 'Гульнара');
  await buyer.screenshot({ path: join(outputDir, 'order-form-problem-ru-360.png'), fullPage: true });
  await buyer.fill('#order-contact', '+998 91 234 56 78');
  await buyer.fill('#order-delivery', 'Нукус, в субботу');
  await buyer.fill('#order-message', 'На свадьбу, упакуйте, пожалуйста');
  await buyer.click('form.order-form button[type="submit"]');
  await buyer.waitForSelector('.notice');
  assert.equal(await buyer.textContent('main h1'), ru['public.order_sent.title']);
  assert.ok((await buyer.textContent('main')).includes('+998912345678'));
  await buyer.screenshot({ path: join(outputDir, 'order-sent-ru-360.png'), fullPage: true });
  const scripts = requested.filter((url) => /\.(wasm|js)(\?|$)/.test(new URL(url).pathname));
  assert.deepEqual(scripts, [], 'the buyer downloads no script and no wasm');
  await context.close();

  // Aysulu's phone pulls it: a badge on Orders, the request in the list.
  await page.reload();
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  await page.locator('.section-tab .count').waitFor({ timeout: 30_000 });
  await openSection(page, en['studio.section.orders']);
  assert.equal(await page.locator('.order-card').count(), 1);
  assert.ok((await page.textContent('.order-card__buyer')).includes('Гульнара'));
  assert.equal(await page.getAttribute('.order-card__reach a[href^="tel:"]', 'href'), 'tel:+998912345678');

  // No signal: the list is still there, and she confirms with a note.
  await her.context.setOffline(true);
  await page.reload();
  await ready(page);
  await openSection(page, en['studio.section.orders']);
  assert.equal(await page.textContent('.section-tab .count'), '1', 'one new request');
  await page.click(`.order-card button:has-text("${en['studio.orders.to_confirmed']}")`);
  await page.waitForSelector('.order-card[data-status="confirmed"]');
  const slow = await slowCpu(page, 4);
  await typeInto(page, '.order-card textarea', 'Bring two jars on Saturday', { delay: 120 });
  await slow.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await page.locator('.order-card textarea').blur();
  assert.equal(await page.locator('.section-tab .count').count(), 0, 'nothing new any more');
  await page.screenshot({ path: join(outputDir, 'studio-orders-offline-360.png'), fullPage: true });
  let stored = await ordersOnServer();
  assert.equal(value(stored[0], 'status'), 'new', 'offline: not on the server yet');

  // Online again: it syncs.
  await her.context.setOffline(false);
  await expectStatus(page, en['sync.all_saved'], 60_000);
  stored = await ordersOnServer();
  assert.equal(value(stored[0], 'status'), 'confirmed');
  assert.equal(value(stored[0], 'note'), 'Bring two jars on Saturday');
  assert.equal(value(stored[0], 'buyer_name'), 'Гульнара');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(outputDir, 'studio-orders-1280.png'), fullPage: true });

  // A buyer with JavaScript on sends the same form.
  const withScript = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  const second = await withScript.newPage();
  await second.goto(`${sawda.url}/s/aral-honey/tugai-flower-honey?lang=en`);
  await second.waitForTimeout(2_000);
  await second.fill('#order-name', 'Aybek');
  await second.fill('#order-contact', '@aybek_nukus');
  await second.click('form.order-form button[type="submit"]');
  await second.waitForSelector('.notice');
  assert.equal(await second.textContent('main h1'), en['public.order_sent.title']);
  await withScript.close();
  assert.equal((await ordersOnServer()).length, 2);
  await her.context.close();
});
