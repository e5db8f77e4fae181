// Submitting for review, as Gulnar does it in Karakalpak on a cheap phone
// (4x CPU, typed key by key): a blank storefront cannot be sent and the
// panel names what is missing; sending the storefront offers her products
// with it, ticking those ready and saying what the others lack; the desk (in
// Russian, on a laptop) sees the storefront with its products; an approved
// product warns her before her first edit, goes back to review when she
// changes its name, and is approved again when she types the old name back.
// Screenshots of each of these in the four languages at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, ready, api, texts, signUpEntrepreneurs, signInOnPage, expectStatus,
  openSection, approveAll, typeInto, slowCpu,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const GULNAR = { phone: '+998903007711', name: 'Gúlnar', password: 'qawin-murabbasi-7' };
const ZAMIRA = { phone: '+998901000002', name: 'Zamira', password: 'coordinator-pass' };
const SHOTS = '/tmp/h24/shots/submit';
mkdirSync(SHOTS, { recursive: true });
const LANGS = ['kaa', 'uz', 'ru', 'en'];
const kaa = texts.kaa;
const JAM = 'Qawın múrabbası';
const BISCUITS = 'Kunjut pechenyesi';

let sawda;
let browser;
let gulnar;
let admin;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  [gulnar] = await signUpEntrepreneurs(sawda.url, ADMIN, [GULNAR]);
  admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  const made = await api(sawda.url, 'POST', '/coordinators', { cookie: admin.cookie, body: { ...ZAMIRA, districts: ['nukus'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

const fill = (template, values) => Object.entries(values).reduce((t, [k, v]) => t.replaceAll(`{${k}}`, v), template);

/** Her records' reviews as the server holds them, by name (the storefront as "storefront"). */
async function reviewsOnServer() {
  const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${gulnar.id}&cursor=0&limit=1000`, { cookie: gulnar.cookie });
  const reviews = {};
  for (const { record } of pulled.body.changes) {
    const key = record.kind === 'storefront' ? 'storefront' : record.fields.name?.v;
    reviews[key] = record.fields.review?.v ?? { state: 'draft' };
  }
  return reviews;
}

/** Screenshots of the page as it is, in each language (the language cookie, then a reload), at 360 and 1280 px. */
async function shotsInEveryLanguage(page, name, url, before = async () => {}, part = '.review-panel') {
  for (const lang of LANGS) {
    await page.context().addCookies([{ name: 'sawda_lang', value: lang, url: sawda.url }]);
    await page.goto(url);
    await ready(page);
    await before(lang);
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: width === 360 ? 740 : 900 });
      await page.screenshot({ path: join(SHOTS, `${name}-${lang}-${width}.png`), fullPage: true });
      // The part changed, at full size, to read.
      await page.locator(part).first().screenshot({ path: join(SHOTS, `${name}-${lang}-${width}-part.png`) });
    }
  }
  await page.setViewportSize({ width: 360, height: 740 });
  await page.context().addCookies([{ name: 'sawda_lang', value: 'kaa', url: sawda.url }]);
  await page.goto(url);
  await ready(page);
}

test('a blank storefront waits, her products go with it, the desk sees them, and the old name typed back is approved again', async () => {
  const { page, problems, context } = await phone(browser);
  await context.addCookies([{ name: 'sawda_lang', value: 'kaa', url: sawda.url }]);
  await signInOnPage(page, sawda.url, GULNAR);
  await ready(page);
  await expectStatus(page, kaa['sync.all_saved']);

  // Nothing filled in: the button waits and the panel says what to fill in.
  const missing = page.locator('.review-panel .review-missing');
  const prefix = kaa['review.missing'].split('{')[0];
  assert.ok((await missing.textContent()).startsWith(prefix), await missing.textContent());
  assert.ok((await missing.textContent()).includes(kaa['storefront.name']));
  const send = page.locator(`.review-panel button:has-text("${kaa['review.submit']}")`);
  assert.equal(await send.isDisabled(), true, 'a blank storefront cannot be sent');
  await shotsInEveryLanguage(page, 'blank-storefront', `${sawda.url}/studio`);
  assert.equal(await reviewsOnServer().then((r) => r.storefront?.state ?? 'draft'), 'draft');

  // She fills it in key by key at 4x CPU; the list shrinks to nothing.
  const slow = await slowCpu(page, 4);
  await typeInto(page, '#storefront-name', 'Gúlnar apanıń múrabbaları', { delay: 40 });
  assert.ok(!(await missing.textContent()).includes(kaa['storefront.name']), 'the name is no longer asked for');
  await page.click('button.suggestion');
  await typeInto(page, '#storefront-story', 'Moynaqtıń qawınınan, ájemniń reseptı boyınsha.');
  await page.selectOption('#storefront-district', 'nukus');
  await page.selectOption('#storefront-category', 'food');
  await page.check('input[name="payment"][value="cash_on_delivery"]');
  await page.check('input[name="delivery"][value="pickup"]');
  await missing.waitFor({ state: 'detached' });
  assert.equal(await send.isDisabled(), false);
  // No products yet: she is told buyers would see an empty storefront.
  assert.equal(await page.textContent('.review-products .hint'), kaa['review.no_products']);

  // Two products: the jam complete, the biscuits only named.
  await openSection(page, kaa['studio.section.products']);
  await page.click(`button:has-text("${kaa['products.add']}")`);
  await typeInto(page, '#product-name', JAM, { delay: 40 });
  await typeInto(page, '#product-description', 'Úyde, qolda tayarlanǵan.');
  await typeInto(page, '#product-price-som', '30000');
  await typeInto(page, '#product-unit', 'banka, 500 g');
  if (await page.locator('#product-availability').count()) {
    const chosen = await page.inputValue('#product-availability');
    if (!chosen) await page.selectOption('#product-availability', 'in_stock');
  }
  await page.click(`button:has-text("${kaa['products.done']}")`);
  await page.click(`button:has-text("${kaa['products.add']}")`);
  await typeInto(page, '#product-name', BISCUITS, { delay: 40 });
  await page.click(`button:has-text("${kaa['products.done']}")`);

  // Back at the storefront: the jam is ticked, the biscuits say what they lack.
  await openSection(page, kaa['studio.section.storefront']);
  const ready_ = page.locator('.review-products li[data-ready="yes"]');
  const notReady = page.locator('.review-products li[data-ready="no"]');
  assert.equal(await ready_.count(), 1);
  assert.equal((await ready_.textContent()).trim(), JAM);
  assert.equal(await ready_.locator('input').isChecked(), true);
  const lacking = await notReady.textContent();
  assert.ok(lacking.includes(BISCUITS) && lacking.includes(kaa['review.product_not_ready'].split('{')[0]), lacking);
  assert.ok(lacking.includes(kaa['product.price_som']) && lacking.includes(kaa['product.unit']), lacking);
  assert.equal(await notReady.locator('input').isDisabled(), true);
  await slow.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await shotsInEveryLanguage(page, 'storefront-with-products', `${sawda.url}/studio`);
  await slowCpu(page, 4);

  await page.click(`.review-panel button:has-text("${kaa['review.submit']}")`);
  await expectStatus(page, kaa['sync.all_saved']);
  const sent = await reviewsOnServer();
  assert.equal(sent.storefront.state, 'submitted');
  assert.equal(sent[JAM].state, 'submitted', 'the ready product went with it');
  assert.equal(sent[BISCUITS].state, 'draft', 'the unfinished one stayed');

  // Zamira's desk, in Russian at 1280 px: the storefront with its products.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru' });
  const zamira = await desk.newPage();
  await signInOnPage(zamira, sawda.url, ZAMIRA, /\/(account|review)/);
  const item = `${sawda.url}/review/${gulnar.id}/${(await api(sawda.url, 'GET', '/review/queue', { cookie: admin.cookie })).body.items.find((i) => i.kind === 'storefront').record}`;
  await zamira.goto(item);
  await ready(zamira);
  await zamira.locator('.desk-products li').first().waitFor();
  const rows = await zamira.locator('.desk-products li').evaluateAll((lis) => lis.map((li) => [li.textContent.trim(), li.dataset.state]));
  assert.deepEqual(rows.map((r) => r[1]), ['submitted', 'draft']);
  assert.ok(rows[0][0].startsWith(JAM) && rows[1][0].startsWith(BISCUITS), JSON.stringify(rows));
  assert.equal(await zamira.locator('.desk-products h2').textContent(), `${texts.ru['desk.products']} (2)`);
  await shotsInEveryLanguage(zamira, 'desk-storefront-products', item, () => zamira.locator('.desk-products').waitFor(),
    '.desk-products');
  await desk.close();

  // Approved; her phone pulls it. Opening the jam warns her once.
  assert.equal(await approveAll(sawda.url, admin.cookie), 2);
  await page.reload();
  await ready(page);
  await expectStatus(page, kaa['sync.all_saved']);
  await openSection(page, kaa['studio.section.products']);
  const jamRow = page.locator('li.product', { hasText: JAM });
  await jamRow.locator(`button:has-text("${kaa['products.edit']}")`).click();
  const standing = jamRow.locator('.review-panel .review-standing');
  await page.waitForFunction(([sel, text]) => document.querySelector(sel)?.textContent === text,
    ['li.product[data-open="true"] .review-standing', kaa['review.note.approved']], { timeout: 30_000 });
  const warning = page.locator('.public-edit-warning');
  assert.equal(await warning.locator('p').textContent(), kaa['review.public_edit']);
  await page.screenshot({ path: join(SHOTS, 'public-edit-warning-kaa-360-slow.png'), fullPage: true });
  await warning.locator('button').click();
  await warning.waitFor({ state: 'detached' });

  // A new name takes it back to review; the old name typed back is approved again.
  await typeInto(page, '#product-name', `${JAM}, jańa`, { delay: 40 });
  await expectStatus(page, kaa['sync.all_saved']);
  await page.waitForFunction(([sel, text]) => document.querySelector(sel)?.textContent === text,
    ['li.product[data-open="true"] .review-standing', kaa['review.note.changed']], { timeout: 30_000 });
  await typeInto(page, '#product-name', JAM, { delay: 40 });
  await expectStatus(page, kaa['sync.all_saved']);
  await page.waitForFunction(([sel, text]) => document.querySelector(sel)?.textContent === text,
    ['li.product[data-open="true"] .review-standing', kaa['review.note.approved']], { timeout: 30_000 });
  assert.equal(await standing.textContent(), kaa['review.note.approved']);
  assert.equal((await reviewsOnServer())[JAM].state, 'approved');
  assert.equal(await warning.count(), 0, 'warned once: not again after she read it');
  await slow.send('Emulation.setCPUThrottlingRate', { rate: 1 });

  // The warning in every language (a fresh page shows it again until read).
  await shotsInEveryLanguage(page, 'public-edit-warning', `${sawda.url}/studio`, async () => {
    await expectStatus(page, texts[await page.evaluate(() => document.documentElement.lang)]?.['sync.all_saved'] ?? '', 30_000).catch(() => {});
    const tabs = page.locator('.section-tab');
    await tabs.nth(1).click();
    await page.locator("li.product", { hasText: JAM }).locator(".actions button").first().click();
    await page.locator('.public-edit-warning').waitFor();
  }, 'li.product[data-open="true"]');
  assert.deepEqual(problems, []);
  await context.close();
});
