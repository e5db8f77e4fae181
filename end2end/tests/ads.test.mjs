// The ad studio, offline on a phone: an ad made from a product in each of the
// four languages, its text with the price and the way to order, each
// platform's preview and counter, and both image cards drawn at their sizes
// with the Karakalpak and Cyrillic letters in the shipped font (compared with
// a reference drawing of the same text, and against the browser's own font);
// online, an ad of an approved product published and its page opened with no
// script, its link preview the card; the desk takes the page down and she
// reads why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, ready, texts, outputDir, signUpEntrepreneurs, signInOnPage, expectStatus, openSection,
  typeInto, makePng, slowCpu, api, approveAll, submitAralHoney,
  keptForOffline,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const AYSULU = { phone: '+998903001122', name: 'Aysulu', password: 'aral-honey-2026' };
const en = texts.en;

let sawda;
let browser;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  await signUpEntrepreneurs(sawda.url, ADMIN, [AYSULU]);
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

/** Both cards drawn since `after`, from the latest edit (the page counts draws asked and done on `<body>`). */
async function cardsDrawn(page, after = 0) {
  await page.waitForFunction((n) => {
    const { cardsAsked, cardsDrawn } = document.body.dataset;
    return Number(cardsDrawn ?? 0) > n && cardsDrawn === cardsAsked;
  }, after, { timeout: 30_000 });
  return Number(await page.evaluate(() => document.body.dataset.cardsDrawn));
}

/** A card's pixels as PNG, saved under test-results for looking at. */
async function saveCard(page, size, name) {
  const url = await page.evaluate((id) => document.getElementById(id).toDataURL('image/png'), `ad-card-${size}`);
  writeFileSync(join(outputDir, name), Buffer.from(url.split(',')[1], 'base64'));
}

test('offline, an ad is made from a product in a minute: text with price and order link, previews, and both cards', async () => {
  const { context, page, problems } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, AYSULU);
  await ready(page);
  await typeInto(page, '#storefront-name', 'Aral bal');
  await page.click('button.suggestion');
  await page.selectOption('#storefront-district', 'chimbay');
  await page.selectOption('#storefront-category', 'food');
  await typeInto(page, '#storefront-telegram', '@aral_bal');
  await openSection(page, en['studio.section.products']);
  await page.click(`button:has-text("${en['products.add']}")`);
  await typeInto(page, '#product-name', 'Qawın múrabbası');
  await typeInto(page, '#product-price-som', '25 000');
  await typeInto(page, '#product-unit', 'banka');
  await page.locator('.product-editor .photos input[type="file"]')
    .setInputFiles({ name: 'jam.png', mimeType: 'image/png', buffer: makePng(800, 600, 7) });
  await page.locator('.product-editor .photo[data-state="on-phone"], .product-editor .photo[data-state="sent"]').first().waitFor();
  await expectStatus(page, en['sync.all_saved']);
  await keptForOffline(page);

  await context.setOffline(true);
  await slowCpu(page, 4);
  const started = Date.now();
  await page.click(`a.section-tab[href="/studio/ads"]`);
  await page.waitForSelector('#new-ad-from option:nth-child(2)', { state: 'attached' });
  await page.selectOption('#new-ad-from', { label: 'Qawın múrabbası' });
  await page.selectOption('#new-ad-template', 'new_product');
  await page.selectOption('#new-ad-language', 'kaa');
  await page.click(`button:has-text("${en['ads.make']}")`);
  await page.waitForSelector('#ad-post-headline');
  const headline = await page.inputValue('#ad-post-headline');
  assert.match(headline, /Qawın múrabbası/);
  assert.match(await page.inputValue('#ad-post-price-line'), /25\u00a0000|25 000/);

  // The post as Telegram shows it: the price and the way to order in the text.
  await page.click(`.platform-tabs button:has-text("${en['ad.platform.telegram_caption']}")`);
  const post = await page.textContent('.platform-preview .platform-text');
  assert.match(post, /25.000/);
  assert.match(post, /https:\/\/t\.me\/aral_bal/);
  assert.equal(await page.locator('.ad-counters tr').count(), 4);

  // She types a headline of her own, key by key; the cards follow it.
  let drawn = await cardsDrawn(page);
  await page.selectOption('#ad-post-theme', 'aral');
  drawn = await cardsDrawn(page, drawn);
  await typeInto(page, '#ad-post-headline', 'Ǵárezsiz Қовун ўʻ');
  drawn = await cardsDrawn(page, drawn);
  console.log(`from the studio to a shareable ad, offline at 4x CPU: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [size, width, height] of [['square', 1080, 1080], ['story', 1080, 1920]]) {
    assert.deepEqual(await page.evaluate((id) => { const c = document.getElementById(id); return [c.width, c.height]; }, `ad-card-${size}`), [width, height]);
  }

  // The headline's line drawn again by the test with the shipped font is the
  // same pixels as on the card; drawn with the browser's own font it is not.
  const compare = await page.evaluate(async (text) => {
    const card = document.getElementById('ad-card-square').getContext('2d');
    // Layout "photo on top", square: the text band starts at 648 px, the headline 48 px below, 64 px in.
    const [x, y, height] = [64, 696, 90];
    const shown = card.getImageData(0, y, 1080, height).data;
    const ground = card.getImageData(1070, y, 1, 1).data;
    const drawWith = (font) => {
      const canvas = document.createElement('canvas');
      canvas.width = 1080; canvas.height = 1080;
      const c = canvas.getContext('2d');
      c.fillStyle = `rgb(${ground[0]}, ${ground[1]}, ${ground[2]})`;
      c.fillRect(0, 0, 1080, 1080);
      c.fillStyle = '#ffffff'; // the "aral" theme's text
      c.textBaseline = 'top';
      c.font = font;
      c.fillText(text, x, y);
      return c.getImageData(0, y, 1080, height).data;
    };
    const differing = (a, b) => { let n = 0; for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i] - b[i]) > 8 || Math.abs(a[i + 1] - b[i + 1]) > 8 || Math.abs(a[i + 2] - b[i + 2]) > 8) n++; return n; };
    return {
      covered: document.fonts.check('700 76px SawdaCard', text),
      sameFont: differing(shown, drawWith('700 76px SawdaCard')),
      otherFont: differing(shown, drawWith('700 76px sans-serif')),
    };
  }, 'Ǵárezsiz Қовун ўʻ');
  assert.ok(compare.covered, 'the shipped font has every letter of the headline');
  assert.equal(compare.sameFont, 0, `the card's headline is the shipped font's drawing (${compare.sameFont} pixels differ)`);
  assert.ok(compare.otherFont > 500, `the browser's own font draws it otherwise (${compare.otherFont} pixels differ)`);
  await saveCard(page, 'square', 'ad-card-square-kaa.png');
  await saveCard(page, 'story', 'ad-card-story-kaa.png');
  await page.screenshot({ path: join(outputDir, 'ad-studio-kaa-360.png'), fullPage: true });

  // The same ad in each of the other languages, from their templates.
  for (const [lang, layout, theme] of [['uz', 'photo_full', 'melon'], ['ru', 'split', 'pomegranate'], ['en', 'photo_top', 'night']]) {
    await page.click(`button:has-text("${en['ads.back_to_list']}")`);
    await page.selectOption('#new-ad-from', { label: 'Qawın múrabbası' });
    await page.selectOption('#new-ad-template', lang === 'ru' ? 'harvest' : 'offer');
    await page.selectOption('#new-ad-language', lang);
    await page.click(`button:has-text("${en['ads.make']}")`);
    await page.waitForSelector('#ad-post-headline');
    assert.match(await page.inputValue('#ad-post-body'), /Qawın múrabbası/);
    drawn = await cardsDrawn(page, drawn);
    await page.selectOption('#ad-post-layout', layout);
    await page.selectOption('#ad-post-theme', theme);
    drawn = await cardsDrawn(page, drawn);
    await saveCard(page, 'square', `ad-card-square-${lang}.png`);
    await saveCard(page, 'story', `ad-card-story-${lang}.png`);
  }
  await page.click(`button:has-text("${en['ads.back_to_list']}")`);
  assert.equal(await page.locator('.ad-list li').count(), 4);
  assert.deepEqual(problems.filter((p) => !p.includes('net::ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('online, an ad of an approved product is published: its page works with no script and its link preview is the card', async () => {
  const SHIRIN = { phone: '+998903001155', name: 'Shirin', password: 'kelin-stitch-2026' };
  await signUpEntrepreneurs(sawda.url, ADMIN, [SHIRIN]);
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  const { context, page, problems } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, SHIRIN);
  await ready(page);
  await submitAralHoney(page);

  // Not approved yet: the ad can be made, not published.
  await page.click(`a.section-tab[href="/studio/ads"]`);
  await page.waitForSelector('#new-ad-from option:nth-child(2)', { state: 'attached' });
  await page.selectOption('#new-ad-from', { label: 'Tugai flower honey' });
  await page.click(`button:has-text("${en['ads.make']}")`);
  await page.waitForSelector('#ad-post-headline');
  assert.equal(await page.textContent('.ad-publish .hint'), en['ads.needs_approval']);

  const queued = await api(sawda.url, 'GET', '/review/queue', { cookie: admin.cookie });
  const product = queued.body.items.find((item) => item.kind === 'product');
  assert.equal(await approveAll(sawda.url, admin.cookie), 2);
  await page.reload();
  await ready(page);
  await page.click('.ad-list .ad-line');
  await cardsDrawn(page);
  await page.click(`.ad-publish button:has-text("${en['ads.publish']}")`);
  await expectStatus(page, en['sync.all_saved']);
  const address = await page.getAttribute('.ad-publish a.ad-address', 'href');
  assert.match(address, /\/a\/[0-9A-Z]{26}$/);

  // A buyer from a chat link, with no script: the card, the text, the way to the product.
  // The page is there once the card has reached the server (uploaded after the ad's fields).
  const buyer = await phone(browser, { locale: 'en-GB', javaScriptEnabled: false });
  let opened = await buyer.page.goto(address);
  for (let i = 0; i < 60 && opened.status() === 404; i++) {
    await buyer.page.waitForTimeout(500);
    opened = await buyer.page.goto(address);
  }
  assert.equal(opened.status(), 200);
  const image = await buyer.page.getAttribute('meta[property="og:image"]', 'content');
  assert.match(image, /^http:\/\/127\.0\.0\.1:\d+\/.+/);
  assert.equal(await buyer.page.getAttribute('meta[name="twitter:card"]', 'content'), 'summary_large_image');
  assert.equal(await buyer.page.locator('script:not([type="application/ld+json"])').count(), 0, 'no script but data');
  const card = await fetch(image);
  assert.equal(card.status, 200);
  assert.match(card.headers.get('content-type'), /^image\/jpeg/);
  await buyer.page.screenshot({ path: join(outputDir, 'ad-page-360.png'), fullPage: true });

  // The desk lists the page on her product's review and takes it down with a reason.
  const desk = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(desk.page, sawda.url, ADMIN, /\/(account|review)$/);
  await desk.page.goto(`${sawda.url}/review/${product.owner}/${product.record}`);
  await ready(desk.page);
  const listed = desk.page.locator('.desk-ads li a');
  assert.equal(await listed.getAttribute('href'), new URL(address).pathname);
  assert.equal(await listed.textContent(), await page.inputValue('#ad-post-headline'));
  await desk.page.click(`.desk-ads summary`);
  await typeInto(desk.page, '.desk-ads textarea', 'The price differs from the storefront');
  await desk.page.screenshot({ path: join(outputDir, 'desk-ad-take-down-360.png'), fullPage: true });
  // A double tap sends it once: the second would only answer "not found".
  await desk.page.dblclick(`.desk-ads button:has-text("${en['desk.ads.take_down']}")`);
  await desk.page.waitForSelector(`.desk-decided .notice:has-text("${en['desk.ads.taken_down']}")`);
  await desk.page.waitForSelector('.desk-ads', { state: 'detached' });
  assert.equal((await desk.page.locator('p.problem[role="alert"]').allTextContents()).join(''), '');
  assert.deepEqual(desk.problems, []);
  await desk.context.close();
  await buyer.context.close();
  // Gone from the server at once (a browser may keep its copy for the minute its page allows).
  assert.equal((await fetch(address)).status, 404);

  // She reads why in her studio, on its next pull.
  await page.reload();
  await ready(page);
  await page.click('.ad-list .ad-line');
  await page.waitForSelector(`.ad-publish .feedback:has-text("${en['ads.taken_down']}")`);
  assert.equal(await page.textContent('.ad-publish .feedback q'), 'The price differs from the storefront');
  assert.deepEqual(problems, []);
  await context.close();
});
