// A storefront with two products and their photos made entirely offline on a
// phone, kept through a reload with no network, then sent when it returns:
// records synced and photos uploaded once each, smaller and without metadata.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, ready, api, texts, outputDir, signUpEntrepreneurs, signInOnPage, expectStatus, makePng, openSection, typeInto,
  keptForOffline,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const GULNAR = { phone: '+998903001133', name: 'Gulnar', password: 'sesame-cookies-1' };
const SHIRIN = { phone: '+998903001144', name: 'Shirin', password: 'felt-slippers-1' };
const en = texts.en;

let sawda;
let browser;
let gulnar;
let shirin;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  [gulnar, shirin] = await signUpEntrepreneurs(sawda.url, ADMIN, [GULNAR, SHIRIN]);
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});


async function addPhoto(page, picker, png, name) {
  await page.locator(`${picker} input[type="file"]`).setInputFiles({ name, mimeType: 'image/png', buffer: png });
}

test('a storefront with two products and photos is made offline and reaches the server intact', async () => {
  const { context, page, problems } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, GULNAR);
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  await keptForOffline(page);
  await context.setOffline(true);

  await typeInto(page, '#storefront-name', 'Sesame biscuits of Chimbay');
  await page.click('button.suggestion');
  await addPhoto(page, '.storefront-editor .photos', makePng(1600, 900, 10), 'cover.png');
  await page.locator('.storefront-editor .photo[data-state="on-phone"]').waitFor();

  await openSection(page, en['studio.section.products']);
  for (const [name, price, photos] of [
    ['Sesame biscuits', '18000', [makePng(2000, 1500, 20), makePng(800, 800, 40)]],
    ['Qurt', '9000', [makePng(1200, 1600, 60)]],
  ]) {
    await page.click('button:has-text("' + en['products.add'] + '")');
    await typeInto(page, '#product-name', name);
    await typeInto(page, '#product-price-som', price);
    await typeInto(page, '#product-unit', 'box of 12');
    for (const [i, png] of photos.entries()) {
      await addPhoto(page, '.product-editor .photos', png, `photo-${i}.png`);
      await page.locator(`.product-editor .photo:nth-child(${i + 1})[data-state="on-phone"]`).waitFor();
    }
    await page.screenshot({ path: join(outputDir, `studio-product-photos-${name.split(' ')[0].toLowerCase()}-360.png`), fullPage: true });
    await page.click('button:has-text("' + en['products.done'] + '")');
  }
  // The second photo of the biscuits becomes the main one.
  await page.locator('li.product').nth(0).locator('button:has-text("' + en['products.edit'] + '")').click();
  await page.locator('.product-editor .photo').nth(1).locator('button:has-text("' + en['photos.make_main'] + '")').click();
  const biscuitPhotos = await page.locator('.product-editor .photo').evaluateAll((items) => items.map((li) => li.dataset.hash));
  await page.click('button:has-text("' + en['products.done'] + '")');

  // A cold reload offline: records and photos are all still on the phone.
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue('#storefront-name'), 'Sesame biscuits of Chimbay');
  await page.locator('.storefront-editor .photo img').waitFor();
  assert.match(await page.getAttribute('.storefront-editor .photo img', 'src'), /^blob:/, 'the cover comes from the phone');
  await openSection(page, en['studio.section.products']);
  assert.deepEqual(await page.locator('li.product .product-name').allTextContents(), ['Sesame biscuits', 'Qurt']);
  await page.screenshot({ path: join(outputDir, 'studio-photos-offline-360.png'), fullPage: true });

  await context.setOffline(false);
  await expectStatus(page, en['sync.all_saved']);
  await page.locator('li.product').nth(0).locator('button:has-text("' + en['products.edit'] + '")').click();
  const allUploaded = (count) => page.waitForFunction((n) => [...document.querySelectorAll('.photo')].length === n
    && [...document.querySelectorAll('.photo')].every((p) => p.dataset.state === 'uploaded'), count, { timeout: 30_000 });
  await allUploaded(2);
  await page.screenshot({ path: join(outputDir, 'studio-photos-uploaded-360.png'), fullPage: true });
  await page.click('button:has-text("' + en['products.done'] + '")');
  await openSection(page, en['studio.section.storefront']);
  await allUploaded(1);

  // The preview shows the storefront as buyers will see it, from the phone.
  await page.click('button.preview-toggle');
  assert.equal(await page.locator('.preview h2').textContent(), 'Sesame biscuits of Chimbay');
  assert.deepEqual(await page.locator('.listing-product strong').allTextContents(), ['Sesame biscuits', 'Qurt']);
  await page.locator('.preview .photo-thumb img').first().waitFor();
  await page.screenshot({ path: join(outputDir, 'studio-preview-360.png'), fullPage: true });
  await page.click('button.preview-toggle');

  // On the server: the records, pointing at photos it keeps, in two sizes, as JPEG.
  const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${gulnar.id}&cursor=0&limit=1000`, { cookie: gulnar.cookie });
  const records = pulled.body.changes.map((c) => c.record).filter((r) => !r.deleted);
  const field = (r, name) => r.fields[name]?.v;
  const storefront = records.find((r) => r.kind === 'storefront');
  assert.equal(field(storefront, 'slug'), 'sesame-biscuits-of-chimbay');
  const products = records.filter((r) => r.kind === 'product').sort((a, b) => field(a, 'position') - field(b, 'position'));
  assert.deepEqual(products.map((p) => field(p, 'name')), ['Sesame biscuits', 'Qurt']);
  assert.deepEqual(field(products[0], 'photos'), biscuitPhotos);
  assert.equal(field(products[0], 'photos').length, 2);
  const all = [field(storefront, 'cover_photo'), ...field(products[0], 'photos'), ...field(products[1], 'photos')];
  const missing = await api(sawda.url, 'POST', '/photos/missing', { cookie: gulnar.cookie, body: { hashes: all } });
  assert.deepEqual(missing.body.missing, []);
  for (const hash of all) {
    for (const size of ['large', 'thumb']) {
      const response = await fetch(`${sawda.url}/photos/${hash}/${size}.jpg`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'image/jpeg');
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.equal(bytes[0], 0xff, 'JPEG');
      assert.ok(bytes.length < 300_000, `${size}: ${bytes.length} bytes`);
      assert.equal(bytes.indexOf('Exif'), -1, 'no metadata');
    }
  }
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('the sign-out warning counts photos not yet uploaded', async () => {
  const { context, page } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, SHIRIN);
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  // Edits get through; photos do not (their uploads are cut).
  await page.route('**/api/v1/photos/*/upload*', (route) => route.abort('failed'));
  await addPhoto(page, '.storefront-editor .photos', makePng(900, 600, 91), 'new-cover.png');
  await page.locator('.storefront-editor .photo[data-state="on-phone"]').waitFor();
  const hash = await page.getAttribute('.storefront-editor .photo', 'data-hash');
  // The edit that points at it reaches the server.
  for (let i = 0; ; i++) {
    const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${shirin.id}&cursor=0&limit=1000`, { cookie: shirin.cookie });
    const storefront = pulled.body.changes.map((c) => c.record).find((r) => r.kind === 'storefront');
    if (storefront?.fields.cover_photo?.v === hash) break;
    assert.ok(i < 60, 'the cover edit reached the server');
    await page.waitForTimeout(500);
  }
  await page.goto(`${sawda.url}/account`);
  await ready(page);
  await page.locator('.account-name').waitFor();
  await page.click('button:has-text("' + en['account.sign_out'] + '")');
  const warning = page.locator('.warning');
  await warning.waitFor();
  const said = await warning.textContent();
  assert.ok(said.includes(en['sign_out.photos_waiting'].replace('{count}', 1)), said);
  assert.ok(!said.includes(en['sign_out.changes_waiting'].replace('{count}', 0)), said);
  await page.screenshot({ path: join(outputDir, 'sign-out-photos-warning-360.png'), fullPage: true });
  // She signs out anyway: her photo leaves the phone with her records.
  const keptPhotos = () => page.evaluate(async () => {
    const cache = await caches.open('photos-v1');
    return (await cache.keys()).map((r) => new URL(r.url).pathname.split('/')[2]);
  });
  assert.ok((await keptPhotos()).includes(hash));
  await page.click('.warning button');
  await page.waitForURL('**/sign-in');
  assert.deepEqual(await keptPhotos(), []);
  await context.close();
});
