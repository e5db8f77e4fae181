import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, waitForHydration, texts, outputDir, slowCpu, chooseLanguage,
} from './support.mjs';

let sawda;
let browser;

before(async () => {
  sawda = await startSawda();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

const heading = (page) => page.locator('h1').first().textContent();

test('a first visit with no known language is in Karakalpak, downloads no app, and keeps it for offline', async () => {
  const { context, page, problems } = await phone(browser, { locale: 'de-DE' });
  await page.goto(sawda.url);
  await waitForHydration(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'kaa');
  assert.equal(await heading(page), texts.kaa['home.title']);
  assert.match(await page.textContent('.example'), /35\u00a0000 swm/);
  // Usable as drawn (app/src/shell.rs, PAGES_WITHOUT_THE_APP): the page itself fetched no wasm or app script.
  const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name));
  assert.deepEqual(fetched.filter((name) => /\.(wasm|js)$/.test(name) && !name.endsWith('/sw.js')), []);
  // The service worker keeps the release meanwhile: the studio opens offline afterwards.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  await context.setOffline(true);
  await page.click('.main-nav a[href="/studio"]');
  await page.waitForURL('**/studio');
  await waitForHydration(page);
  assert.equal(await heading(page), texts.kaa['studio.title']);
  assert.deepEqual(problems.filter((p) => !p.includes('401 (Unauthorized)') && !p.includes('ERR_INTERNET_DISCONNECTED')), [],
    'no console errors (CSP, missing files, hydration)');
  await context.close();
});

test('the browser language decides the first visit', async () => {
  const { context, page } = await phone(browser, { locale: 'ru-RU' });
  await page.goto(sawda.url);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.equal(await heading(page), texts.ru['home.title']);
  await context.close();
});

test('a language tapped on the home page is drawn by the server, then the app switches in place', async () => {
  const { context, page, problems } = await phone(browser, { locale: 'de-DE' });
  await page.goto(sawda.url);
  await waitForHydration(page);
  await chooseLanguage(page, 'en');
  assert.equal(await heading(page), texts.en['home.title']);
  assert.equal(await page.getAttribute('.language-switcher a[hreflang="en"]', 'aria-current'), 'true');
  assert.equal(await page.evaluate(() => localStorage.getItem('sawda.language')), '"en"');
  assert.equal(await page.title(), `${texts.en['app.name']} — ${texts.en['app.tagline']}`);

  // The studio runs the app: a tap switches in place, with no reload.
  await page.click(`.main-nav a[href="/studio"]`);
  await page.waitForURL('**/studio');
  await waitForHydration(page);
  assert.equal(await heading(page), texts.en['studio.title']);
  await page.evaluate(() => { window.sawdaMark = 'still here'; });
  await chooseLanguage(page, 'ru');
  assert.equal(await heading(page), texts.ru['studio.title']);
  assert.equal(await page.evaluate(() => window.sawdaMark), 'still here', 'switched without a reload');
  assert.equal(await page.evaluate(() => localStorage.getItem('sawda.language')), '"ru"');
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru', 'the server renders the chosen language');
  // The studio asks the server who is signed in: nobody, a 401 the browser logs.
  await page.waitForSelector('a.button[href="/sign-in"]');
  assert.deepEqual(problems.filter((p) => !p.includes('401 (Unauthorized)')), []);
  await context.close();
});

test('the offline page carries only its own texts, and pages opened from it have all of theirs (4x CPU)', async () => {
  const { context, page, problems } = await phone(browser, { locale: 'de-DE' });
  await slowCpu(page);
  await page.goto(`${sawda.url}/offline`);
  await waitForHydration(page);
  const carried = JSON.parse(await page.textContent('#sawda-texts'));
  const given = carried.filter((t) => t !== null).length;
  assert.ok(given > 0 && given * 3 < carried.length, `the offline page carries ${given} of ${carried.length} texts`);

  // Studio, then sign-in, within the app: lazy pages, drawn after their texts came with their code.
  const headed = (title) => page.waitForFunction((t) => document.querySelector('h1')?.textContent === t, title);
  await page.click('.main-nav a[href="/studio"]');
  await page.waitForURL('**/studio');
  await headed(texts.kaa['studio.title']);
  await page.click('a.button[href="/sign-in"]');
  await page.waitForURL('**/sign-in');
  await headed(texts.kaa['sign_in.title']);
  assert.equal((await page.textContent('label[for="field-phone"]')).trim(), texts.kaa['form.phone']);
  assert.equal((await page.textContent('form button[type="submit"]')).trim(), texts.kaa['sign_in.submit']);
  assert.deepEqual(problems.filter((p) => !p.includes('401 (Unauthorized)')), []);
  await context.close();
});

test('a language chosen on the device comes back even if the cookie is lost', async () => {
  const { context, page } = await phone(browser, { locale: 'de-DE' });
  await page.goto(sawda.url);
  await waitForHydration(page);
  await chooseLanguage(page, 'uz');
  await context.clearCookies();
  await page.reload();
  await page.waitForFunction(() => document.documentElement.lang === 'uz' && document.readyState === 'complete');
  assert.equal(await heading(page), texts.uz['home.title']);
  const cookies = await context.cookies();
  assert.ok(cookies.some((c) => c.name === 'sawda_lang' && c.value === 'uz'), 'the cookie is written again');
  await context.close();
});

test('without JavaScript the page is readable and the language links work', async () => {
  const { context, page } = await phone(browser, { locale: 'de-DE', javaScriptEnabled: false });
  await page.goto(`${sawda.url}/market`);
  assert.equal(await heading(page), texts.kaa['market.title']);
  await page.click('.language-switcher a[hreflang="ru"]');
  await page.waitForURL(/\/market\?lang=ru/);
  assert.equal(await heading(page), texts.ru['market.title']);
  await context.close();
});

test('an unknown address shows a translated page-not-found', async () => {
  const { context, page } = await phone(browser, { locale: 'en-GB' });
  const response = await page.goto(`${sawda.url}/no/such/page`);
  assert.equal(response.status(), 404);
  assert.equal(await heading(page), texts.en['not_found.title']);
  await context.close();
});

test('screenshots of the home page at 360 px in every language', async () => {
  for (const lang of ['kaa', 'uz', 'ru', 'en']) {
    const { context, page, problems } = await phone(browser, { locale: 'de-DE' });
    await page.goto(sawda.url);
    await waitForHydration(page);
    await chooseLanguage(page, lang);
    assert.equal(await heading(page), texts[lang]['home.title']);
    // Nothing may be wider than the phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${lang}: the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: join(outputDir, `home-360-${lang}.png`), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  }
});
