// The programme's figures (/review/dashboard), as a coordinator reports
// them: with JavaScript off, in Karakalpak and in Russian, on a phone and on
// a desk's screen (screenshots kept in test-results), a range and a district
// picked in the form; the CSV downloaded and read back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  startSawda, launchBrowser, api, texts, signUpEntrepreneurs, typeInto, approveAll, phone, signInOnPage, ready,
  submitAralHoney, outputDir,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const ZAMIRA = { phone: '+998901000002', name: 'Zamira', password: 'coordinator-pass' };
const AYSULU = { phone: '+998903001177', name: 'Aysulu', password: 'aral-honey-2026', gender: 'woman' };
const BERDAQ = { phone: '+998903001178', name: 'Berdaq', password: 'aral-honey-2027' };

let sawda;
let browser;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  // The entrepreneurs' workshop is in Nukus district (support.mjs): Zamira coordinates it.
  const made = await api(sawda.url, 'POST', '/coordinators', { cookie: admin.cookie, body: { ...ZAMIRA, districts: ['nukus'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  await signUpEntrepreneurs(sawda.url, ADMIN, [AYSULU, BERDAQ]);
  const { context, page } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, AYSULU);
  await ready(page);
  await submitAralHoney(page);
  await context.close();
  assert.equal(await approveAll(sawda.url, admin.cookie), 2);
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

/** Zamira signed in with the script off, as the sign-in form posts itself. */
async function withoutScript(viewport) {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport, locale: 'ru-RU' });
  const page = await context.newPage();
  await page.goto(`${sawda.url}/sign-in?next=/review/dashboard`);
  await typeInto(page, 'input[name="phone"]', ZAMIRA.phone.slice(4));
  await typeInto(page, 'input[name="password"]', ZAMIRA.password);
  await page.click('form button[type="submit"]');
  await page.waitForURL('**/review/dashboard**');
  return { context, page };
}

/** The page's widest element: nothing runs off the screen (tables and charts scroll inside their own box). */
async function widest(page) {
  return page.evaluate(() => Math.max(...[...document.querySelectorAll('body *')]
    .filter((el) => !el.parentElement?.closest('.table-wrap, .chart'))
    .map((el) => el.getBoundingClientRect().right)));
}

test('a coordinator reads her figures with the script off, in Karakalpak and Russian, on a phone and a wide screen', async () => {
  for (const [lang, width] of [['kaa', 360], ['ru', 1280]]) {
    const { context, page } = await withoutScript({ width, height: width === 360 ? 740 : 900 });
    const t = texts[lang];
    const response = await page.goto(`${sawda.url}/review/dashboard?lang=${lang}`);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), lang);
    assert.equal(await page.locator('h1').textContent(), t['dashboard.title']);
    assert.equal(await page.locator('script').count(), 0, 'no script on the page');
    // Her district alone, with the figures as text beside the charts.
    const tile = (key) => page.locator('.tile', { hasText: t[key] }).first().locator('.tile-n').textContent();
    assert.equal(await tile('dashboard.signed_up'), '2');
    assert.equal(await tile('dashboard.products_approved'), '1');
    assert.equal(await tile('dashboard.storefronts'), '1');
    assert.equal(await tile('dashboard.women_led'), '100%');
    assert.equal(await page.locator('svg[role="img"]').count(), 2);
    assert.equal(await page.locator('tbody th[scope="row"]', { hasText: texts[lang]['district.moynaq'] }).count(), 0);
    assert.ok(await widest(page) <= width + 1, `nothing wider than the ${width} px screen`);
    await page.screenshot({ path: join(outputDir, `dashboard-${lang}-${width}.png`), fullPage: true });
    // A range picked in the form (the browser's date picker fills the field) and shown again.
    await page.fill('input[name="from"]', '2025-01-01');
    await page.fill('input[name="to"]', '2025-01-31');
    await page.click('.dashboard-range button[type="submit"]');
    await page.waitForURL(/from=2025-01-01/);
    assert.equal(await tile('dashboard.signed_up'), '0', 'nothing happened then');
    assert.equal(await tile('dashboard.storefronts'), '1', 'where things stand is today\'s');
    assert.ok((await page.locator('h2#period').textContent()).includes('2025-01-31'));
    await context.close();
  }
});

test('the CSV downloads from the page and reads back as the figures', async () => {
  const { context, page } = await withoutScript({ width: 1280, height: 900 });
  await page.goto(`${sawda.url}/review/dashboard?lang=en`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.dashboard-actions a >> nth=0')]);
  const path = join(outputDir, 'dashboard.csv');
  await download.saveAs(path);
  assert.match(download.suggestedFilename(), /^sawda-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.startsWith('\ufeff'), 'a byte-order mark, so spreadsheets read UTF-8');
  const rows = text.slice(1).trimEnd().split('\r\n').map((line) => line.slice(1, -1).split('","'));
  const [head, nukus, total] = rows;
  const row = Object.fromEntries(head.map((h, i) => [h, nukus[i]]));
  assert.equal(row['District'], texts.en['district.nukus']);
  assert.equal(row['Invited'], '2');
  assert.equal(row['Signed up'], '2');
  assert.equal(row['Products approved'], '1');
  assert.equal(row['Review decisions'], '2');
  assert.equal(row['Storefronts: Approved'], '1');
  assert.equal(row['Share of women-led storefronts (%)'], '100.0');
  assert.equal(total[0], 'Total');
  await context.close();
});
