// The export feed for partner systems (docs/export.md), as people use it:
// an admin gives the OVOP market a token on her phone and revokes it; the
// partner's system reads the approved products with it; a coordinator
// downloads the CSV and it reads back as the products buyers see.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  startSawda, launchBrowser, phone, ready, api, texts, signUpEntrepreneurs, signInOnPage, typeInto, approveAll,
  submitAralHoney, outputDir,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const ZAMIRA = { phone: '+998901000002', name: 'Zamira', password: 'coordinator-pass' };
const AYSULU = { phone: '+998903001177', name: 'Aysulu', password: 'aral-honey-2026' };
const en = texts.en;

let sawda;
let browser;
let adminCookie;

before(async () => {
  // Changes are handed out at once here; a real server waits a minute for them to settle.
  sawda = await startSawda({ admin: ADMIN, env: { SAWDA_EXPORT_SETTLE_SECONDS: '0' } });
  browser = await launchBrowser();
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  adminCookie = admin.cookie;
  const made = await api(sawda.url, 'POST', '/coordinators', { cookie: adminCookie, body: { ...ZAMIRA, districts: ['moynaq'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  // Aysulu's storefront and product, submitted from her phone and approved.
  await signUpEntrepreneurs(sawda.url, ADMIN, [AYSULU]);
  const { context, page } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, AYSULU);
  await ready(page);
  await submitAralHoney(page);
  await context.close();
  assert.equal(await approveAll(sawda.url, adminCookie), 2);
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

const feed = (token) => fetch(`${sawda.url}/api/v1/export/products.json`, {
  headers: token ? { authorization: `Bearer ${token}` } : {},
});

test('an admin gives a partner a token on her phone, the partner reads the feed with it, and she revokes it', async () => {
  const { context, page, problems } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, ADMIN, '**/account');
  await ready(page);
  await page.click(`a[href="/partner-access"]`);
  await page.waitForURL('**/partner-access');
  await ready(page);
  assert.equal(await page.locator('h1').textContent(), en['partners.title']);
  await page.waitForSelector(`text=${en['partners.none']}`);
  await typeInto(page, '#field-partner', 'JETRO OVOP market');
  await page.click('form button[type="submit"]');
  const token = (await page.locator('code.token').textContent({ timeout: 10_000 })).trim();
  assert.match(token, /^sawda_export_[0-9a-f]{64}$/);
  await page.waitForSelector('li.partner-token');
  assert.match(await page.textContent('li.partner-token'), /JETRO OVOP market/);
  const overflow = await page.evaluate(() => Math.max(...[...document.querySelectorAll('main *')]
    .map((element) => element.getBoundingClientRect().right)) - window.innerWidth);
  assert.ok(overflow < 1, `the page is ${overflow}px wider than the phone`);
  await page.screenshot({ path: join(outputDir, 'partner-access-360-en.png'), fullPage: true });

  const read = await feed(token);
  assert.equal(read.status, 200);
  const body = await read.json();
  assert.equal(body.version, 1);
  assert.deepEqual(body.items.map((item) => [item.name, item.price_som, item.storefront.name]),
    [['Tugai flower honey', 85000, 'Aral honey']]);
  assert.equal((await feed()).status, 401, 'no token, no feed');

  // The list shows the use; she revokes it, and it stops working at once.
  await page.reload();
  await ready(page);
  await page.waitForSelector(`li.partner-token:has-text("${en['partners.uses'].split('{')[0].trim()}")`);
  await page.click(`li.partner-token button:has-text("${en['partners.revoke']}")`);
  await page.waitForSelector('li.partner-token .revoked');
  assert.equal((await feed(token)).status, 401);
  assert.deepEqual(problems, []);
  await context.close();
});

/** Reads CSV as RFC 4180 says (written here, apart from the server's writer). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i++;
    } else field += c;
  }
  return rows;
}

test('a coordinator downloads the approved products as CSV and it reads back as buyers see them', async () => {
  const { context, page } = await phone(browser, { locale: 'en-GB', acceptDownloads: true });
  await signInOnPage(page, sawda.url, ZAMIRA, '**/account');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.evaluate(() => {
      const link = document.createElement('a');
      link.href = '/api/v1/export/products.csv';
      document.body.append(link);
      link.click();
    }),
  ]);
  assert.equal(download.suggestedFilename(), 'sawda-products.csv');
  const text = readFileSync(await download.path(), 'utf8');
  assert.equal(text.charCodeAt(0), 0xfeff, 'a byte-order mark, so spreadsheets read UTF-8');
  const [header, ...rows] = parseCsv(text.slice(1));
  assert.equal(rows.length, 1);
  const row = Object.fromEntries(header.map((name, i) => [name, rows[0][i]]));
  assert.equal(row.name, 'Tugai flower honey');
  assert.equal(row.storefront_name, 'Aral honey');
  assert.equal(row.price_som, '85000');
  assert.match(row.telegram, /aral_honey/);
  assert.equal(row.district, 'moynaq');
  assert.equal(row.status, 'approved');
  await context.close();
});
