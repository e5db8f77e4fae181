// The texts that carry a name someone typed, read as a native speaker reads
// them: the WhatsApp/Telegram message a buyer sends (the product's name in
// the accusative: Uzbek "-ni", Karakalpak "-nı/-ni/-dı/-di/-tı/-ti/-n" by its
// last sound), the storefront page's message (a shop is written about, not
// ordered), the order confirmation (the shop is not a person who sees
// things), and the studio's address suggestion (no case ending glued to a
// quoted address). Everything typed key by key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  setUp, tearDown, phone, ready, texts, signInOnPage, expectStatus, openSection, approveAll, typeInto, slowCpu,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const GULNAR = { phone: '+998903004455', name: 'Gúlnar', password: 'qawin-murabbasi-1' };
// A second seller with a fresh storefront: the suggestion shows only while the address is empty.
const ZIYADA = { phone: '+998903004466', name: 'Ziyada', password: 'ziyada-keste-22' };
const SHOTS = '/tmp/h24/shots/words';
mkdirSync(SHOTS, { recursive: true });
const LANGS = ['kaa', 'uz', 'ru', 'en'];
const SHOP = 'Gúlnar apanıń qawın múrabbası';
const SLUG = 'gulnar-apanin-qawin-murabbasi';
const PRODUCTS = ['Kunjut pechenyesi', 'Qawın múrabbası', 'Qurt'];

let sawda;
let browser;
let admin;

before(async () => {
  ({ sawda, browser, admin } = await setUp({ admin: ADMIN, people: [GULNAR, ZIYADA], signInAdmin: true }));
});

after(() => tearDown({ sawda, browser }));

const fill = (template, values) => Object.entries(values).reduce((t, [k, v]) => t.replaceAll(`{${k}}`, v), template);

/** The text of the message behind the page's WhatsApp button. */
async function whatsappMessage(page) {
  const href = await page.getAttribute(`a[href^="https://wa.me/"]`, 'href');
  return new URL(href).searchParams.get('text');
}

/** A phone signed in as `who` (Gulnar), the studio in `lang` (the language cookie, as the switcher leaves it). */
async function studioIn(lang, who = GULNAR) {
  const opened = await phone(browser);
  await opened.context.addCookies([{ name: 'sawda_lang', value: lang, url: sawda.url }]);
  await signInOnPage(opened.page, sawda.url, who);
  await ready(opened.page);
  return opened;
}

test('in Karakalpak, at 4x CPU, the address suggestion reads as Karakalpak; the shop and its products are sent', async () => {
  const { page, problems, context } = await studioIn('kaa');
  const kaa = texts.kaa;
  await slowCpu(page, 4);
  await expectStatus(page, kaa['sync.all_saved']);
  await typeInto(page, '#storefront-name', SHOP, { delay: 40 });
  const suggestion = page.locator('button.suggestion');
  // The quoted address is followed by a word that takes the case, never by a bare "dı".
  const suggested = await suggestion.textContent();
  await page.screenshot({ path: join(SHOTS, 'slug-suggestion-kaa-typing-360.png') });
  await suggestion.click();
  assert.equal(await page.inputValue('#storefront-slug'), SLUG);
  await typeInto(page, '#storefront-story', 'Moynaqtıń qawınınan, ájemniń reseptı boyınsha.');
  await page.selectOption('#storefront-district', 'moynaq');
  await page.selectOption('#storefront-category', 'food');
  await typeInto(page, '#storefront-whatsapp', '+998 90 300 44 55');
  await page.check('input[name="payment"][value="cash_on_delivery"]');
  await page.check('input[name="delivery"][value="post_uzbekistan"]');
  await page.click(`.review-panel button:has-text("${kaa['review.submit']}")`);
  await openSection(page, kaa['studio.section.products']);
  for (const name of PRODUCTS) {
    await page.click(`button:has-text("${kaa['products.add']}")`);
    await typeInto(page, '#product-name', name, { delay: 40 });
    await typeInto(page, '#product-description', 'Úyde, qolda tayarlanǵan.');
    await typeInto(page, '#product-price-som', '30000');
    await typeInto(page, '#product-unit', 'banka, 500 g');
    await typeInto(page, '#product-shelf-life', '6 ay');
    await page.click(`.review-panel button:has-text("${kaa['review.submit']}")`);
    await page.click(`button:has-text("${kaa['products.done']}")`);
  }
  await expectStatus(page, kaa['sync.all_saved']);
  assert.deepEqual(problems, []);
  assert.ok((await approveAll(sawda.url, admin.cookie)) >= 1 + PRODUCTS.length);
  await context.close();
  assert.equal(suggested, `“${SLUG}” mánzilin alıw`);
});

test('the suggestion in every language, at 360 and 1280 px', async () => {
  const expected = {
    kaa: `“${SLUG}” mánzilin alıw`,
    uz: `“${SLUG}” manzilini olish`,
    ru: `Взять адрес «${SLUG}»`,
    en: `Use “${SLUG}”`,
  };
  const { page, context } = await studioIn('kaa', ZIYADA);
  await expectStatus(page, texts.kaa['sync.all_saved']);
  await typeInto(page, '#storefront-name', SHOP);
  for (const lang of LANGS) {
    await page.click(`.language-switcher a[hreflang="${lang}"]`);
    await page.waitForFunction((text) => document.querySelector('button.suggestion')?.textContent === text, expected[lang])
      .catch(async () => assert.fail(`${lang}: the suggestion reads "${await page.textContent('button.suggestion')}"`));
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      const button = page.locator('button.suggestion');
      const cut = await button.evaluate((b) => b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().right > innerWidth);
      await page.locator('.field:has(#storefront-slug)').screenshot({ path: join(SHOTS, `slug-suggestion-${lang}-${width}.png`) });
      assert.ok(!cut, `${lang} ${width}: the suggestion button is cut`);
    }
  }
  await context.close();
});

test('the order messages put the product in the accusative, in Uzbek and Karakalpak', async () => {
  const wrong = [];
  const expected = {
    uz: {
      'Kunjut pechenyesi': 'Salom! Kunjut pechenyesini buyurtma qilmoqchiman: ',
      'Qawın múrabbası': 'Salom! Qawın múrabbasıni buyurtma qilmoqchiman: ',
      Qurt: 'Salom! Qurtni buyurtma qilmoqchiman: ',
    },
    kaa: {
      'Kunjut pechenyesi': 'Sálem! Kunjut pechenyesin satıp almaqshıman: ',
      'Qawın múrabbası': 'Sálem! Qawın múrabbasın satıp almaqshıman: ',
      Qurt: 'Sálem! Qurttı satıp almaqshıman: ',
    },
    ru: { 'Kunjut pechenyesi': 'Здравствуйте! Хочу заказать «Kunjut pechenyesi»: ' },
    en: { 'Kunjut pechenyesi': 'Hello! I would like to order “Kunjut pechenyesi”: ' },
  };
  const { page } = await phone(browser, { javaScriptEnabled: false });
  for (const lang of LANGS) {
    await page.goto(`${sawda.url}/s/${SLUG}?lang=${lang}`);
    const links = await page.$$eval('.listing a[href*="/s/"], main a[href*="/s/"]', (as) => as.map((a) => a.getAttribute('href')));
    const productPaths = [...new Set(links.filter((h) => h.split('/').length === 4 && !h.includes('?')))];
    assert.equal(productPaths.length, PRODUCTS.length, `product links on the storefront: ${links}`);
    for (const path of productPaths) {
      await page.goto(`${sawda.url}${path}?lang=${lang}`);
      const name = (await page.textContent('main h1')).trim();
      const message = await whatsappMessage(page);
      if (expected[lang][name]) {
        if (message !== `${expected[lang][name]}${sawda.url}${path}`) wrong.push(`${lang}: ${message}`);
      }
      // The buyer sees the same words on the page.
      assert.equal((await page.textContent('.contact .hint')).trim(), message);
      if (name === 'Kunjut pechenyesi') {
        for (const width of [360, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          await page.locator('.contact').screenshot({ path: join(SHOTS, `order-message-${lang}-${width}.png`) });
        }
      }
    }
    // The storefront's own message speaks of the shop; it orders nothing.
    await page.goto(`${sawda.url}/s/${SLUG}?lang=${lang}`);
    const shopMessage = await whatsappMessage(page);
    if (shopMessage !== fill(texts[lang]['public.storefront_message'] ?? '(none)', { storefront: SHOP, url: `${sawda.url}/s/${SLUG}` })) {
      wrong.push(`${lang} storefront: ${shopMessage}`);
    }
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await page.locator('.contact').screenshot({ path: join(SHOTS, `storefront-message-${lang}-${width}.png`) });
    }
  }
  assert.deepEqual(wrong, []);
});

// A buyer holds at most three open requests at one storefront (orders::OPEN_PER_CLIENT):
// the three languages whose texts were found wrong.
test('the order confirmation speaks of the shop, not as a person', async () => {
  const expectedNext = {
    kaa: `«${SHOP}» dúkanınıń iyesi`,
    uz: `«${SHOP}» doʻkoni egasi`,
    ru: `магазин «${SHOP}»`,
  };
  for (const lang of ['kaa', 'uz', 'ru']) {
    const { page, context } = await phone(browser);
    await page.goto(`${sawda.url}/s/${SLUG}?lang=${lang}`);
    const first = await page.$$eval('main a[href*="/s/"]', (as) => as.map((a) => a.getAttribute('href')).find((h) => h.split('/').length === 4));
    await page.goto(`${sawda.url}${first}?lang=${lang}`);
    // A person reads before she sends.
    await page.waitForTimeout(2_000);
    await typeInto(page, '#order-name', 'Zamira');
    await typeInto(page, '#order-contact', '+998 91 234 56 78');
    await typeInto(page, '#order-quantity', '2');
    await page.click('form.order-form button[type="submit"]');
    await page.waitForSelector('.notice');
    const paragraphs = await page.$$eval('main p', (ps) => ps.map((p) => p.textContent));
    const next = paragraphs.find((p) => p.includes('+998'));
    assert.ok(next, `${lang}: ${paragraphs.join(' | ')}`);
    assert.ok(!next.startsWith(SHOP), `${lang}: the shop is the subject: ${next}`);
    assert.ok(next.includes(expectedNext[lang]), `${lang}: ${next}`);
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await page.screenshot({ path: join(SHOTS, `order-sent-${lang}-${width}.png`), fullPage: true });
    }
    await context.close();
  }
});
