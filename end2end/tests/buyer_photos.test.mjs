// A product's photos as buyers see them: all of them, across the page, in
// the size the screen needs (sharp on a 2x phone, the 1,280 px size on a
// laptop), each opening larger with JavaScript off, named for those who
// cannot see them; the storefront's cover sharp on a 2x phone on her page,
// in the studio's preview and at the desk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  setUp, tearDown, phone, ready, api, texts, signInOnPage, expectStatus, makePng, openSection, approveAll,
  submitAralHoney, slowCpu,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const AYSULU = { phone: '+998903001177', name: 'Aysulu', password: 'aral-honey-2026' };
const en = texts.en;
const SHOTS = '/tmp/h24/shots/photos';
mkdirSync(SHOTS, { recursive: true });

let sawda;
let browser;
let admin;

before(async () => {
  ({ sawda, browser, admin } = await setUp({ admin: ADMIN, people: [AYSULU], signInAdmin: true }));
});

after(() => tearDown({ sawda, browser }));

async function addPhoto(page, picker, png, name) {
  await page.locator(`${picker} input[type="file"]`).setInputFiles({ name, mimeType: 'image/png', buffer: png });
}

/**
 * How an image is drawn: the file it took, that file's own width in pixels
 * (`naturalWidth` of a `srcset` image is divided by its density, so the file
 * is read again alone), and the CSS pixels it fills.
 */
function drawn(locator) {
  return locator.evaluate(async (img) => {
    if (!img.complete || img.naturalWidth === 0) await img.decode().catch(() => {});
    const file = new Image();
    file.src = img.currentSrc;
    await file.decode().catch(() => {});
    return { src: img.currentSrc, natural: file.naturalWidth, shown: img.getBoundingClientRect().width, alt: img.alt };
  });
}

function nth(lang, name, n, total) {
  return texts[lang]['photos.alt_nth'].replace('{name}', name).replace('{n}', n).replace('{total}', total);
}

async function allUploaded(page, count) {
  await page.waitForFunction((n) => [...document.querySelectorAll('.photo')].length === n
    && [...document.querySelectorAll('.photo')].every((p) => p.dataset.state === 'uploaded'), count, { timeout: 60_000 });
}

test('a buyer sees every photo large and sharp, opens one larger with JavaScript off, and the cover is sharp everywhere', async () => {
  // Aysulu: a cover, her storefront and a product, then three photos of it, all submitted.
  const her = await phone(browser, { locale: 'en-GB' });
  await slowCpu(her.page);
  await signInOnPage(her.page, sawda.url, AYSULU);
  await ready(her.page);
  await expectStatus(her.page, en['sync.all_saved']);
  await addPhoto(her.page, '.storefront-editor .photos', makePng(1600, 900, 10), 'cover.png');
  await allUploaded(her.page, 1);
  await submitAralHoney(her.page);
  for (const [i, png] of [makePng(1500, 1500, 20), makePng(1200, 1600, 40), makePng(1600, 1200, 60)].entries()) {
    await addPhoto(her.page, '.product-editor .photos', png, `honey-${i}.png`);
    await her.page.locator(`.product-editor .photo:nth-child(${i + 1})`).waitFor();
  }
  await allUploaded(her.page, 3);
  await her.page.click(`.review-panel button:has-text("${en['review.submit']}")`);
  await expectStatus(her.page, en['sync.all_saved']);
  await her.page.click('button:has-text("' + en['products.done'] + '")');

  // Her preview draws the cover from the phone's 1,280 px copy: sharp on her 2x screen.
  await openSection(her.page, en['studio.section.storefront']);
  await her.page.click('button.preview-toggle');
  await her.page.locator('.preview img.photo-cover').waitFor();
  const preview = await drawn(her.page.locator('.preview img.photo-cover'));
  assert.ok(preview.natural >= 2 * preview.shown, `studio preview cover: ${JSON.stringify(preview)}`);
  assert.equal(preview.alt, 'Aral honey');
  await her.page.screenshot({ path: join(SHOTS, 'studio-preview-en-360.png'), fullPage: true });
  await her.context.close();

  // The coordinator's desk, on a 2x phone: the cover is as sharp.
  const queue = await api(sawda.url, 'GET', '/review/queue', { cookie: admin.cookie });
  const storefrontItem = queue.body.items.find((item) => item.kind === 'storefront');
  const desk = await phone(browser, { locale: 'en-GB' });
  await desk.context.addCookies([{ name: admin.cookie.split('=')[0], value: admin.cookie.split('=').slice(1).join('='), url: sawda.url }]);
  await desk.page.goto(`${sawda.url}/review/${storefrontItem.owner}/${storefrontItem.record}`);
  await ready(desk.page);
  await desk.page.locator('img.photo-cover').waitFor();
  const deskCover = await drawn(desk.page.locator('img.photo-cover'));
  assert.ok(deskCover.natural >= 2 * deskCover.shown, `desk cover: ${JSON.stringify(deskCover)}`);
  await desk.page.screenshot({ path: join(SHOTS, 'desk-storefront-en-360.png'), fullPage: true });
  await desk.context.close();
  assert.equal(await approveAll(sawda.url, admin.cookie), 2);

  // A buyer opens the link from a chat on a 2x phone at 4x CPU, JavaScript off, in Russian.
  const buyer = await browser.newContext({
    javaScriptEnabled: false, locale: 'ru', viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true,
  });
  const page = await buyer.newPage();
  await slowCpu(page);
  await page.goto(`${sawda.url}/s/aral-honey?lang=ru`);
  const cover = await drawn(page.locator('.listing img.photo-cover'));
  assert.ok(cover.src.endsWith('/large.jpg') && cover.natural >= 2 * cover.shown, `cover: ${JSON.stringify(cover)}`);
  assert.equal(cover.alt, 'Aral honey');
  const listed = await drawn(page.locator('.listing-product img'));
  assert.equal(listed.alt, 'Tugai flower honey', 'the product in the list is named');
  await page.click('.listing-product a');
  await page.waitForURL(/\/s\/aral-honey\/tugai-flower-honey/);
  const photos = page.locator('.listing-gallery img');
  assert.equal(await photos.count(), 3, 'all her photos');
  const first = await drawn(photos.nth(0));
  const column = await page.locator('.listing-product').evaluate((p) => p.getBoundingClientRect().width);
  assert.ok(first.shown >= 0.8 * column, `the first photo is nearly as wide as the page (${column}): ${JSON.stringify(first)}`);
  assert.ok(first.src.endsWith('/large.jpg') && first.natural >= 2 * first.shown, `sharp: ${JSON.stringify(first)}`);
  for (let n = 0; n < 3; n++) {
    await photos.nth(n).scrollIntoViewIfNeeded();
    const photo = await drawn(photos.nth(n));
    assert.equal(photo.alt, nth('ru', 'Tugai flower honey', n + 1, 3));
    assert.ok(photo.natural >= 2 * photo.shown, `photo ${n + 1}: ${JSON.stringify(photo)}`);
  }
  await page.screenshot({ path: join(SHOTS, 'product-ru-360-scrolled.png') });
  // A tap opens the photo itself, larger, with no script.
  const href = await page.locator('.listing-gallery a').nth(2).getAttribute('href');
  await page.locator('.listing-gallery a').nth(2).click();
  await page.waitForURL((url) => url.pathname === href);
  const opened = await page.evaluate(() => [document.images[0]?.naturalWidth, document.contentType]);
  assert.deepEqual(opened, [1280, 'image/jpeg']);
  await buyer.close();

  // Every language, on a phone and a laptop: looked at, and at 1280 px the 1,280 px size is taken.
  for (const lang of ['kaa', 'uz', 'ru', 'en']) {
    for (const [width, scale] of [[360, 2], [1280, 1]]) {
      const context = await browser.newContext({
        javaScriptEnabled: false, locale: lang, viewport: { width, height: 800 }, deviceScaleFactor: scale,
      });
      const buyerPage = await context.newPage();
      await buyerPage.goto(`${sawda.url}/s/aral-honey/tugai-flower-honey?lang=${lang}`);
      const main = await drawn(buyerPage.locator('.listing-gallery img').first());
      assert.equal(main.alt, nth(lang, 'Tugai flower honey', 1, 3));
      assert.ok(main.src.endsWith('/large.jpg'), `${lang} ${width}: ${JSON.stringify(main)}`);
      const scrolls = await buyerPage.locator('.listing-gallery').evaluate((g) => g.scrollWidth > g.clientWidth);
      assert.ok(scrolls, 'the strip shows the next photo peeking in');
      const pageWide = await buyerPage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      assert.ok(pageWide, 'the page itself does not scroll sideways');
      await buyerPage.screenshot({ path: join(SHOTS, `product-${lang}-${width}.png`), fullPage: true });
      await buyerPage.goto(`${sawda.url}/s/aral-honey?lang=${lang}`);
      await buyerPage.screenshot({ path: join(SHOTS, `storefront-${lang}-${width}.png`), fullPage: true });
      await context.close();
    }
  }
});
