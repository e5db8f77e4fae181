// The market's search as buyers use it (issue 24, point 6), JavaScript off:
// a good's word in one language finds the same good written in another
// (Uzbek "qovun" finds a Karakalpak "qawın", "asal" an English "honey"), and
// a search that finds nothing offers a close spelling that finds something.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, ready, api, texts, signUpEntrepreneurs, signInOnPage, expectStatus,
  openSection, approveAll, submitAralHoney, typeInto, slowCpu,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const AYSULU = { phone: '+998903002461', name: 'Aysulu', password: 'aral-honey-2461' };
const LANGS = { kaa: 'kaa', uz: 'uz-UZ', ru: 'ru-RU', en: 'en-GB' };
const SHOTS = '/tmp/h24/shots/search';
mkdirSync(SHOTS, { recursive: true });
const en = texts.en;

let sawda;
let browser;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  await signUpEntrepreneurs(sawda.url, ADMIN, [AYSULU]);
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  // Aysulu's honey, written in English, and her melon, written in Karakalpak.
  const her = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(her.page, sawda.url, AYSULU);
  await ready(her.page);
  await expectStatus(her.page, en['sync.all_saved']);
  await submitAralHoney(her.page);
  await openSection(her.page, en['studio.section.products']);
  await her.page.click('button:has-text("' + en['products.add'] + '")');
  await typeInto(her.page, '#product-name', 'Shımbay qawını');
  await typeInto(her.page, '#product-description', 'Shıyrın, xosh iyisli qawın, óz baǵımızdan.');
  await typeInto(her.page, '#product-price-som', '30 000');
  await typeInto(her.page, '#product-unit', 'dana');
  await typeInto(her.page, '#product-shelf-life', '2 hápte');
  await her.page.click(`.review-panel button:has-text("${en['review.submit']}")`);
  await expectStatus(her.page, en['sync.all_saved']);
  await her.context.close();
  await approveAll(sawda.url, admin.cookie);
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

/** A buyer's page with JavaScript off, in `lang`, `width` px wide. */
async function buyer(lang, width = 360) {
  const context = await browser.newContext({
    javaScriptEnabled: false, locale: LANGS[lang], viewport: { width, height: 800 },
  });
  const page = await context.newPage();
  await page.goto(`${sawda.url}/market?lang=${lang}`);
  return { context, page };
}

/** Types a search key by key, as a thumb does, sends it, and reads the products found. */
async function search(page, words) {
  await typeInto(page, 'input[name="q"]', words, { delay: 60 });
  await Promise.all([page.waitForURL(/q=/), page.click('form.market-search button[type="submit"]')]);
  return page.locator('.market-item strong').allTextContents();
}

test('an Uzbek buyer finds a Karakalpak melon and an English honey by her own words, at 4x CPU too', async () => {
  for (const rate of [1, 4]) {
    const { context, page } = await buyer('uz');
    const cdp = rate > 1 ? await slowCpu(page, rate) : null;
    assert.deepEqual(await search(page, 'qovun'), ['Shımbay qawını'], `rate ${rate}`);
    assert.equal(await page.inputValue('input[name="q"]'), 'qovun', 'her word stays hers in the box');
    assert.deepEqual(await search(page, 'қовун'), ['Shımbay qawını'], `rate ${rate}`);
    assert.deepEqual(await search(page, 'asal'), ['Tugai flower honey'], `rate ${rate}`);
    if (rate === 1) {
      await page.screenshot({ path: join(SHOTS, 'found-uz-360.png'), fullPage: true });
    }
    await cdp?.detach();
    await context.close();
  }
});

test('a Russian buyer finds the melon as "дыня" and the honey as "мёд"', async () => {
  const { context, page } = await buyer('ru');
  assert.deepEqual(await search(page, 'дыня'), ['Shımbay qawını']);
  assert.deepEqual(await search(page, 'мёд'), ['Tugai flower honey']);
  await context.close();
});

test('a search that finds nothing offers a close spelling that finds something, in each language', async () => {
  for (const lang of ['uz', 'kaa', 'ru', 'en']) {
    for (const width of [360, 1280]) {
      const { context, page } = await buyer(lang, width);
      assert.deepEqual(await search(page, 'qovn'), [], `${lang}`);
      assert.equal(await page.locator('main p:not(.lead):not(.market-note)').first().textContent(),
        texts[lang]['market.empty'], `${lang}: nothing found, said so`);
      const [before, after] = texts[lang]['market.did_you_mean'].split('{words}');
      const line = page.locator('p.market-note', { has: page.locator('a') });
      assert.equal(await line.textContent(), `${before}qovun${after}`, `${lang}`);
      await page.screenshot({ path: join(SHOTS, `did-you-mean-${lang}-${width}.png`), fullPage: true });
      if (width === 360) {
        await Promise.all([page.waitForURL(/q=qovun/), line.locator('a').click()]);
        assert.deepEqual(await page.locator('.market-item strong').allTextContents(), ['Shımbay qawını'], `${lang}`);
      }
      await context.close();
    }
  }
});
