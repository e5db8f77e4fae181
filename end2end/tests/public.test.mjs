// Buyers' pages in a browser with JavaScript off: a storefront and a product
// approved at the desk are readable, request no script and no wasm, and show
// in the buyer's language at 360 px and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  setUp, tearDown, phone, ready, texts, outputDir, signInOnPage, expectStatus, approveAll, submitAralHoney,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const AYSULU = { phone: '+998903001166', name: 'Aysulu', password: 'aral-honey-2026' };
const en = texts.en;

let sawda;
let browser;
let admin;

before(async () => {
  ({ sawda, browser, admin } = await setUp({ admin: ADMIN, people: [AYSULU], signInAdmin: true }));
});

after(() => tearDown({ sawda, browser }));

test('an approved storefront and product read with JavaScript off, with no script or wasm fetched', async () => {
  // Aysulu makes her storefront and a product in the studio and submits both.
  const her = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(her.page, sawda.url, AYSULU);
  await ready(her.page);
  await expectStatus(her.page, en['sync.all_saved']);
  await submitAralHoney(her.page);
  await her.context.close();
  assert.equal(await approveAll(sawda.url, admin.cookie), 2);

  // A buyer opens the link from a chat, with JavaScript off, in Russian.
  for (const [lang, width] of [['ru', 360], ['en', 1280], ['kaa', 360]]) {
    const context = await browser.newContext({
      javaScriptEnabled: false, locale: lang, viewport: { width, height: 800 },
    });
    const page = await context.newPage();
    const requested = [];
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${sawda.url}/s/aral-honey?lang=${lang}`);
    assert.equal(response.status(), 200);
    assert.equal(await page.textContent('.listing h2'), 'Aral honey');
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    assert.equal(await page.textContent('.contact h2'), texts[lang]['preview.contact']);
    await page.screenshot({ path: join(outputDir, `public-storefront-${lang}-${width}.png`), fullPage: true });
    await page.click('.listing-product a');
    await page.waitForURL(/\/s\/aral-honey\/tugai-flower-honey/);
    assert.equal(await page.textContent('main h1'), 'Tugai flower honey');
    assert.ok((await page.getAttribute('a[href^="https://wa.me/"]', 'href')).includes('text='));
    await page.screenshot({ path: join(outputDir, `public-product-${lang}-${width}.png`), fullPage: true });
    const scripts = requested.filter((url) => /\.(wasm|js)(\?|$)/.test(new URL(url).pathname));
    assert.deepEqual(scripts, [], 'a buyer\'s page downloads no script and no wasm');
    await context.close();
  }

  // A buyer with JavaScript off finds it in the market, typing in Cyrillic.
  {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'ru', viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    const requested = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${sawda.url}/market`);
    await page.fill('input[name="q"]', 'туга');
    await page.selectOption('select[name="district"]', 'moynaq');
    await page.click('form.market-search button[type="submit"]');
    await page.waitForURL(/q=/);
    assert.ok(page.url().includes('district=moynaq'), 'the search is in the address, to share');
    assert.deepEqual(await page.locator('.market-item strong').allTextContents(), ['Tugai flower honey']);
    await page.screenshot({ path: join(outputDir, 'market-ru-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(outputDir, 'market-ru-1280.png'), fullPage: true });
    await page.click('.market-item a');
    await page.waitForURL(/\/s\/aral-honey\/tugai-flower-honey/);
    const scripts = requested.filter((url) => /\.(wasm|js)(\?|$)/.test(new URL(url).pathname));
    assert.deepEqual(scripts, [], 'the market downloads no script and no wasm');
    await context.close();
  }

  // An address nobody holds: a friendly 404 in her language.
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'uz' });
  const page = await context.newPage();
  const response = await page.goto(`${sawda.url}/s/nobody-here`);
  assert.equal(response.status(), 404);
  assert.equal(await page.textContent('main h1'), texts.uz['public.not_found.title']);
  await context.close();
});
