// The studio offline: edits saved on the phone survive a cold reload with no
// network, reach the server when it returns, reach her other phone, and two
// phones editing different fields offline both keep their edit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, ready, api, texts, outputDir, signUpEntrepreneurs, signInOnPage, expectStatus, openSection, typeInto,
  keptForOffline,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const AYSULU = { phone: '+998903001122', name: 'Aysulu', password: 'aral-honey-2026' };
const BERDAQ = { phone: '+998903001133', name: 'Berdaq', password: 'tugai-bees-2026' };
const ZAMIRA = { phone: '+998901000002', name: 'Zamira', password: 'coordinator-pass' };
const en = texts.en;

let sawda;
let browser;
let aysulu;
let berdaq;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  [aysulu, berdaq] = await signUpEntrepreneurs(sawda.url, ADMIN, [AYSULU, BERDAQ]);
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  const made = await api(sawda.url, 'POST', '/coordinators', { cookie: admin.cookie, body: { ...ZAMIRA, districts: ['nukus'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

const waitingText = (n) => en['sync.waiting'].replace('{count}', n);
const offlineText = (n) => en['sync.offline'].replace('{count}', n);


/** In the page: fills the site's storage (a database of its own) until the browser refuses; its error's name. */
async function fillStorage() {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('filler', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('blocks');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const put = (key, size) => new Promise((resolve) => {
    const tx = db.transaction('blocks', 'readwrite');
    tx.objectStore('blocks').put(new Uint8Array(size).map((_, i) => (i * 7 + key) & 255), key);
    tx.oncomplete = () => resolve(null);
    tx.onabort = () => resolve(tx.error?.name ?? 'aborted');
  });
  let n = 0;
  let refused = null;
  for (let size = 256 * 1024; size >= 256; size = Math.floor(size / 2)) {
    for (;;) {
      refused = await put(n++, size);
      if (refused) break;
    }
  }
  db.close();
  return refused;
}

/** In the page: whose stores are in the device's database. */
async function storedPeople() {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('sawda');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const keys = await new Promise((resolve) => {
    const request = db.transaction('heads').objectStore('heads').getAllKeys();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return keys;
}

/** Opens the studio on a new phone signed in as Aysulu, with the service worker in control. */
async function studioPhone() {
  const device = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(device.page, sawda.url, AYSULU);
  await ready(device.page);
  await expectStatus(device.page, en['sync.all_saved']);
  await keptForOffline(device.page);
  return device;
}

/** The storefront as the server holds it, read through the sync API with her session. */
async function storefrontOnServer(who = aysulu) {
  const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${who.id}&cursor=0&limit=1000`, { cookie: who.cookie });
  assert.equal(pulled.status, 200);
  const storefront = pulled.body.changes.map((c) => c.record).find((r) => r.kind === 'storefront');
  return storefront && Object.fromEntries(Object.entries(storefront.fields).map(([k, v]) => [k, v.v]));
}

test('edits made offline survive a cold reload and reach the server when the network returns', async () => {
  const { context, page, problems } = await studioPhone();
  await context.setOffline(true);
  await typeInto(page, '#storefront-name', 'Aral honey');
  await typeInto(page, '#storefront-story', 'Wild flowers of the Amudarya delta, harvested by hand.');
  await page.click('button.suggestion');
  await page.selectOption('#storefront-district', 'moynaq');
  await page.selectOption('#storefront-category', 'food');
  await typeInto(page, '#storefront-telegram', '@aral_honey');
  await page.check('input[name="payment"][value="click"]');
  await typeInto(page, '#payment-note-click', 'Click: 90 123 45 67');
  await page.check('input[name="delivery"][value="pickup"]');
  await page.check('input[name="delivery"][value="post_uzbekistan"]');
  // A value that breaks the rules says why, in place, and is not saved.
  await typeInto(page, '#storefront-instagram', 'aral..honey');
  assert.equal(await page.locator('#storefront-instagram ~ .problem').textContent(), en['field.instagram']);
  await typeInto(page, '#storefront-instagram', '');
  await expectStatus(page, offlineText(1));

  // A cold reload with no network: the service worker serves the page and
  // the bundle, and the store on the phone has everything.
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue('#storefront-name'), 'Aral honey');
  assert.equal(await page.inputValue('#storefront-story'), 'Wild flowers of the Amudarya delta, harvested by hand.');
  assert.equal(await page.inputValue('#storefront-slug'), 'aral-honey');
  assert.equal(await page.inputValue('#storefront-district'), 'moynaq');
  assert.equal(await page.inputValue('#storefront-telegram'), 'aral_honey');
  assert.equal(await page.inputValue('#payment-note-click'), 'Click: 90 123 45 67');
  assert.ok(await page.isChecked('input[name="delivery"][value="post_uzbekistan"]'));
  await expectStatus(page, offlineText(1));
  await page.screenshot({ path: join(outputDir, 'studio-offline-360.png'), fullPage: true });
  // A page never visited gets the "no connection" page, with a way back.
  await page.goto(`${sawda.url}/market`);
  assert.equal(await page.locator('h1').textContent(), en['offline.title']);
  await page.goto(`${sawda.url}/studio`);
  await ready(page);
  assert.equal(await page.inputValue('#storefront-name'), 'Aral honey');

  assert.equal(await storefrontOnServer(), undefined, 'nothing reached the server while offline');
  await context.setOffline(false);
  await expectStatus(page, en['sync.all_saved']);
  await page.screenshot({ path: join(outputDir, 'studio-all-saved-360.png'), fullPage: true });
  assert.deepEqual(await storefrontOnServer(), {
    name: 'Aral honey',
    story: 'Wild flowers of the Amudarya delta, harvested by hand.',
    slug: 'aral-honey',
    district: 'moynaq',
    category: 'food',
    telegram: 'aral_honey',
    instagram: null,
    payment: [{ method: 'click', note: 'Click: 90 123 45 67' }],
    delivery: ['pickup', 'post_uzbekistan'],
  });
  assert.deepEqual(problems.filter((p) => !p.includes('net::ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('her second phone receives the edits; both phones edit different fields offline and both edits stay', async () => {
  const first = await studioPhone();
  const second = await studioPhone();
  assert.equal(await second.page.inputValue('#storefront-name'), 'Aral honey', 'pulled on opening');

  await first.context.setOffline(true);
  await second.context.setOffline(true);
  await typeInto(first.page, '#storefront-name', 'Aral delta honey');
  await typeInto(second.page, '#storefront-story', 'From our family apiary near Moynaq.');
  await expectStatus(first.page, offlineText(1));
  await expectStatus(second.page, offlineText(1));

  await first.context.setOffline(false);
  await expectStatus(first.page, en['sync.all_saved']);
  await second.context.setOffline(false);
  await expectStatus(second.page, en['sync.all_saved']);
  // The first phone hears of the second's edit when it next syncs (here: it comes back into view).
  await first.page.reload();
  await ready(first.page);
  for (const { page } of [first, second]) {
    await page.waitForFunction(
      () => document.querySelector('#storefront-name')?.value === 'Aral delta honey'
        && document.querySelector('#storefront-story')?.value === 'From our family apiary near Moynaq.',
      null,
      { timeout: 20_000 },
    );
  }
  const server = await storefrontOnServer();
  assert.equal(server.name, 'Aral delta honey');
  assert.equal(server.story, 'From our family apiary near Moynaq.');
  await first.context.close();
  await second.context.close();
});

test('an address another storefront holds is refused alone: the rest stays, and she puts it back to change it', async () => {
  const { context, page } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, BERDAQ);
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  // Offline, his storefront in one go, with the address Aysulu's storefront holds.
  await context.setOffline(true);
  await typeInto(page, '#storefront-name', 'Honey of the tugai');
  await typeInto(page, '#storefront-story', 'Our bees fly over the tugai forest.');
  await typeInto(page, '#storefront-slug', 'aral-honey');
  // She leaves the field (while she is in it, what she types is never rewritten).
  await page.keyboard.press('Tab');
  await expectStatus(page, offlineText(1));
  await context.setOffline(false);
  const refusal = page.locator('li.refusal');
  await refusal.waitFor({ timeout: 30_000 });
  const line = en['sync.refused_field'].replace('{field}', en['storefront.slug']).replace('{reason}', en['field.slug_taken']);
  assert.equal(await refusal.locator('span').first().textContent(), line);
  assert.equal(await refusal.locator('.refusal-typed').textContent(), en['sync.you_typed'].replace('{typed}', 'aral-honey'));
  await refusal.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(outputDir, 'studio-refused-address-360.png') });
  // Only the address was refused: his name and story are here and on the server.
  assert.equal(await page.inputValue('#storefront-name'), 'Honey of the tugai');
  assert.equal(await page.inputValue('#storefront-story'), 'Our bees fly over the tugai forest.');
  assert.equal(await page.inputValue('#storefront-slug'), '');
  const kept = await storefrontOnServer(berdaq);
  assert.equal(kept.name, 'Honey of the tugai');
  assert.equal(kept.story, 'Our bees fly over the tugai forest.');
  assert.equal(kept.slug, undefined);
  // Put back into the form, changed there, and it goes.
  await refusal.locator('button', { hasText: en['action.put_back'] }).click();
  assert.equal(await page.inputValue('#storefront-slug'), 'aral-honey');
  await typeInto(page, '#storefront-slug', 'tugai-honey');
  await expectStatus(page, en['sync.all_saved']);
  assert.equal(await page.locator('li.refusal').count(), 0);
  assert.equal((await storefrontOnServer(berdaq)).slug, 'tugai-honey');
  await context.close();
});

test('two tabs of one phone share the store without losing an edit', async () => {
  const { context, page } = await studioPhone();
  const other = await context.newPage();
  await other.goto(`${sawda.url}/studio`);
  await ready(other);
  await context.setOffline(true);
  await typeInto(page, '#storefront-name', 'Aral honey, two tabs');
  // The other tab hears of it through the storage event.
  await other.waitForFunction(() => document.querySelector('#storefront-name')?.value === 'Aral honey, two tabs');
  await typeInto(other, '#storefront-story', 'Written in the second tab.');
  await page.waitForFunction(() => document.querySelector('#storefront-story')?.value === 'Written in the second tab.');
  await context.setOffline(false);
  await expectStatus(page, en['sync.all_saved']);
  await expectStatus(other, en['sync.all_saved']);
  const server = await storefrontOnServer();
  assert.equal(server.name, 'Aral honey, two tabs');
  assert.equal(server.story, 'Written in the second tab.');
  await context.close();
});

test('a full phone storage refuses the new edit clearly, keeps the queued ones and still syncs them', async () => {
  const { context, page } = await studioPhone();
  await context.setOffline(true);
  await typeInto(page, '#storefront-name', 'Queued before the storage filled');
  await expectStatus(page, offlineText(1));
  // The story as the earlier tests left it on the server.
  const storyBefore = await page.inputValue('#storefront-story');
  // A phone with little room left: the site's quota set just above what it
  // uses, then the rest filled, as photos or other data would.
  const cdp = await context.newCDPSession(page);
  const { usage } = await page.evaluate(() => navigator.storage.estimate());
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: sawda.url, quotaSize: usage + 512 * 1024 });
  const probe = await page.evaluate(fillStorage);
  assert.equal(probe, 'QuotaExceededError');
  await typeInto(page, '#storefront-story', 'This story does not fit any more');
  await expectStatus(page, en['sync.storage_full']);
  await page.screenshot({ path: join(outputDir, 'studio-storage-full-360.png'), fullPage: true });
  // Another edit while full is refused the same way, before it is tried.
  await typeInto(page, '#storefront-story', 'Nor does this one');
  await expectStatus(page, en['sync.storage_full']);
  // Still full, the network returns: the queued edit reaches the server, and
  // the phone keeps that it did (the room kept for sync takes the answer in).
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  for (let i = 0; (await storefrontOnServer())?.name !== 'Queued before the storage filled'; i++) {
    assert.ok(i < 60, 'the queued edit reached the server');
    await page.waitForTimeout(500);
  }
  await page.waitForFunction(async () => {
    const db = await new Promise((resolve) => { indexedDB.open('sawda').onsuccess = (e) => resolve(e.target.result); });
    const outboxes = await new Promise((resolve) => {
      db.transaction('outboxes').objectStore('outboxes').getAll().onsuccess = (e) => resolve(e.target.result);
    });
    db.close();
    return outboxes.every((row) => JSON.parse(row).queue.length === 0);
  }, null, { timeout: 30_000, polling: 500 });
  assert.equal(await page.textContent('.sync-status-text'), en['sync.storage_full']);
  // Room again, and a reload: the synced edit is there, the refused ones are not, and nothing waits.
  await page.evaluate(() => new Promise((resolve) => { indexedDB.deleteDatabase('filler').onsuccess = resolve; }));
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: sawda.url });
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue('#storefront-name'), 'Queued before the storage filled');
  assert.equal(await page.inputValue('#storefront-story'), storyBefore);
  await expectStatus(page, en['sync.all_saved']);
  // And her edits are saved again.
  await typeInto(page, '#storefront-story', 'Room again for the story');
  await expectStatus(page, en['sync.all_saved']);
  assert.equal((await storefrontOnServer()).story, 'Room again for the story');
  await context.close();
});

test('signing out with edits waiting warns first, then clears them from the shared phone', async () => {
  const { context, page } = await studioPhone();
  // The network is up but sync cannot get through (a captive portal, say).
  await page.route('**/api/v1/sync/**', (route) => route.abort('failed'));
  await typeInto(page, '#storefront-name', 'Not sent yet');
  await expectStatus(page, en['sync.retrying'].replace('{count}', 1));
  await page.screenshot({ path: join(outputDir, 'studio-retrying-360.png'), fullPage: true });
  await page.goto(`${sawda.url}/account`);
  await ready(page);
  await page.click('button:has-text("' + en['account.sign_out'] + '")');
  const warning = page.locator('.warning');
  await warning.waitFor();
  assert.match(await warning.textContent(), /Changes not yet sent: 1/);
  await page.screenshot({ path: join(outputDir, 'sign-out-warning-360.png'), fullPage: true });
  await page.click('.warning button');
  await page.waitForURL('**/sign-in');
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('sawda.store') || k === 'sawda.account'));
  assert.deepEqual(left, []);
  assert.deepEqual(await page.evaluate(storedPeople), []);
  await context.close();
});

test('her session ended: the studio shows her data read-only, and her queue goes once she signs in again', async () => {
  const { context, page } = await studioPhone();
  await context.setOffline(true);
  await typeInto(page, '#storefront-name', 'Typed before the session ended');
  await expectStatus(page, offlineText(1));
  // Her session ends on the server (as after a password reset, or its time running out).
  const cookie = (await context.cookies(sawda.url)).map((c) => `${c.name}=${c.value}`).join('; ');
  assert.equal((await api(sawda.url, 'POST', '/auth/sign-out', { cookie, body: {} })).status, 204);
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expectStatus(page, en['sync.signed_out'].replace('{count}', 1));
  // What is on the phone stays in view, and nothing can change under no session.
  assert.equal(await page.inputValue('#storefront-name'), 'Typed before the session ended');
  assert.ok(await page.locator('#storefront-name').isDisabled());
  await openSection(page, en['studio.section.products']);
  assert.ok(await page.locator('button:has-text("' + en['products.add'] + '")').isDisabled());
  await openSection(page, en['studio.section.storefront']);
  assert.equal(await page.textContent('.read-only-notice'), en['studio.read_only']);
  await page.screenshot({ path: join(outputDir, 'studio-read-only-360.png'), fullPage: true });
  // Opened again: the person this phone remembers, still read-only.
  await page.goto(`${sawda.url}/studio`);
  await ready(page);
  await expectStatus(page, en['sync.signed_out'].replace('{count}', 1));
  assert.equal(await page.inputValue('#storefront-name'), 'Typed before the session ended');
  assert.ok(await page.locator('#storefront-name').isDisabled());
  // Signed in again: editable, and the queue reaches the server.
  await page.click('.sync-status a[href="/sign-in"]');
  await page.waitForURL('**/sign-in');
  await signInOnPage(page, sawda.url, AYSULU);
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  assert.ok(await page.locator('#storefront-name').isEnabled());
  assert.equal(await page.locator('.read-only-notice').count(), 0);
  assert.equal((await storefrontOnServer()).name, 'Typed before the session ended');
  await context.close();
});

test('signing out without a connection says so, and keeps her signed in with everything on the phone', async () => {
  const { context, page } = await studioPhone();
  await page.goto(`${sawda.url}/account`);
  await ready(page);
  await page.locator('.account-name').waitFor();
  await context.setOffline(true);
  await page.click('button:has-text("' + en['account.sign_out'] + '")');
  await page.locator('.sign-out-problem').waitFor();
  assert.equal(await page.textContent('.sign-out-problem'), en['sign_out.offline']);
  await page.screenshot({ path: join(outputDir, 'sign-out-offline-360.png'), fullPage: true });
  assert.deepEqual(await page.evaluate(storedPeople), [aysulu.id]);
  // Opened offline, the account page shows who this phone remembers.
  await page.reload();
  await ready(page);
  assert.equal(await page.textContent('.account-name'), AYSULU.name);
  // With a signal again, signing out works.
  await context.setOffline(false);
  await page.click('button:has-text("' + en['account.sign_out'] + '")');
  await page.waitForURL('**/sign-in');
  assert.deepEqual(await page.evaluate(storedPeople), []);
  await context.close();
});

test('the studio and its status speak Karakalpak', async () => {
  const { context, page, problems } = await phone(browser, { locale: 'kaa' });
  await signInOnPage(page, sawda.url, AYSULU);
  await ready(page);
  await expectStatus(page, texts.kaa['sync.all_saved']);
  assert.equal(await page.locator('.storefront-editor h2').textContent(), texts.kaa['storefront.heading']);
  await openSection(page, texts.kaa['studio.section.products']);
  assert.equal(await page.locator('.products h2').textContent(), texts.kaa['products.heading']);
  await openSection(page, texts.kaa['studio.section.storefront']);
  // Offline, the other languages' texts come from what the service worker kept.
  await keptForOffline(page);
  await context.setOffline(true);
  await typeInto(page, '#storefront-name', 'Aral balı');
  await expectStatus(page, texts.kaa['sync.offline'].replace('{count}', 1));
  await page.screenshot({ path: join(outputDir, 'studio-offline-kaa-360.png'), fullPage: true });
  // Switching language works offline too: the service worker kept every language's texts.
  await page.click('.language-switcher a[hreflang="ru"]');
  await page.waitForFunction(() => document.documentElement.lang === 'ru');
  await expectStatus(page, texts.ru['sync.offline'].replace('{count}', 1));
  assert.equal(await page.locator('.storefront-editor h2').textContent(), texts.ru['storefront.heading']);
  await page.click('.language-switcher a[hreflang="kaa"]');
  await page.waitForFunction(() => document.documentElement.lang === 'kaa');
  await context.setOffline(false);
  await expectStatus(page, texts.kaa['sync.all_saved']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('products are made, ordered and kept offline, then reach the server', async () => {
  const { context, page, problems } = await studioPhone();
  await context.setOffline(true);
  await openSection(page, en['studio.section.products']);
  await page.click('button:has-text("' + en['products.add'] + '")');
  await typeInto(page, '#product-name', 'Melon jam');
  await typeInto(page, '#product-price-som', '25 000');
  await typeInto(page, '#product-unit', 'jar, 500 g');
  await typeInto(page, '#product-price-usd-cents', '2.5');
  // A price with letters says why and is not saved.
  await typeInto(page, '#product-stock', 'twelve');
  assert.equal(await page.locator('#product-stock ~ .problem').textContent(), en['field.whole_number']);
  await typeInto(page, '#product-stock', '12');
  await page.click('button:has-text("' + en['products.done'] + '")');
  await page.click('button:has-text("' + en['products.add'] + '")');
  await typeInto(page, '#product-name', 'Sesame biscuits');
  await typeInto(page, '#product-price-som', '18000');
  await typeInto(page, '#product-unit', 'box of 12');
  await page.selectOption('#product-availability', 'made_to_order');
  await page.check('input[name="handmade"]');
  await page.click('button:has-text("' + en['products.done'] + '")');
  // The biscuits go first.
  await page.locator('li.product').nth(1).locator('button[aria-label="' + en['products.up'] + '"]').click();
  const names = () => page.locator('li.product .product-name').allTextContents();
  assert.deepEqual(await names(), ['Sesame biscuits', 'Melon jam']);
  await page.screenshot({ path: join(outputDir, 'studio-products-360.png'), fullPage: true });

  await page.reload();
  await ready(page);
  await openSection(page, en['studio.section.products']);
  assert.deepEqual(await names(), ['Sesame biscuits', 'Melon jam']);
  assert.match(await page.locator('li.product .product-price').nth(1).textContent(), /25[\s\u00a0\u202f,.]?000/);
  await context.setOffline(false);
  await expectStatus(page, en['sync.all_saved']);

  const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${aysulu.id}&cursor=0&limit=1000`, { cookie: aysulu.cookie });
  const products = pulled.body.changes.map((c) => c.record).filter((r) => r.kind === 'product' && !r.deleted)
    .map((r) => Object.fromEntries(Object.entries(r.fields).map(([k, v]) => [k, v.v])))
    .sort((a, b) => a.position - b.position);
  assert.equal(products.length, 2);
  assert.equal(products[0].name, 'Sesame biscuits');
  assert.equal(products[0].availability, 'made_to_order');
  assert.equal(products[0].handmade, true);
  assert.equal(products[1].name, 'Melon jam');
  assert.equal(products[1].price_som, 25000);
  assert.equal(products[1].price_usd_cents, 250);
  assert.equal(products[1].stock, 12);
  assert.equal(products[1].unit, 'jar, 500 g');

  // Deleting one: gone here and on the server.
  await page.locator('li.product').nth(1).locator('button:has-text("' + en['products.edit'] + '")').click();
  await page.click('button:has-text("' + en['products.delete'] + '")');
  assert.deepEqual(await names(), ['Sesame biscuits']);
  await expectStatus(page, en['sync.all_saved']);
  assert.deepEqual(problems.filter((p) => !p.includes('net::ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('a shared phone: another person signing in on a second tab gets nothing of hers, and her queue waits for her', async () => {
  const { context, page } = await studioPhone();
  // Her edit waits: sync cannot get through from her tab for now.
  await page.route('**/api/v1/sync/**', (route) => route.abort('failed'));
  await typeInto(page, '#storefront-name', 'Aysulu, waiting on a shared phone');
  await expectStatus(page, en['sync.retrying'].replace('{count}', 1));
  // Berdaq signs in on another tab of the same browser (the session cookie is now his).
  const other = await context.newPage();
  await signInOnPage(other, sawda.url, BERDAQ);
  await ready(other);
  await expectStatus(other, en['sync.all_saved']);
  // Her tab gets through now, with his session: refused, and it stops, keeping her edit.
  await page.unroute('**/api/v1/sync/**');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expectStatus(page, en['sync.signed_out'].replace('{count}', 1));
  await page.screenshot({ path: join(outputDir, 'shared-phone-signed-out-360.png'), fullPage: false });
  assert.notEqual((await storefrontOnServer(berdaq))?.name, 'Aysulu, waiting on a shared phone');
  assert.notEqual((await storefrontOnServer(aysulu))?.name, 'Aysulu, waiting on a shared phone');
  // Nothing of his is in her store, nor hers in his.
  const owners = await page.evaluate(ownersOfStoredRecords);
  assert.deepEqual(owners[aysulu.id], [aysulu.id]);
  assert.deepEqual(owners[berdaq.id] ?? [berdaq.id], [berdaq.id]);
  // Meanwhile she changes the story from her other phone.
  const second = await studioPhone();
  await typeInto(second.page, '#storefront-story', 'Written on her other phone.');
  await expectStatus(second.page, en['sync.all_saved']);
  await second.context.close();
  // She signs in again on the shared phone: her queue drains, the story arrives.
  await other.close();
  await signInOnPage(page, sawda.url, AYSULU);
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  assert.equal(await page.inputValue('#storefront-name'), 'Aysulu, waiting on a shared phone');
  assert.equal(await page.inputValue('#storefront-story'), 'Written on her other phone.');
  const server = await storefrontOnServer(aysulu);
  assert.equal(server.name, 'Aysulu, waiting on a shared phone');
  assert.equal(server.story, 'Written on her other phone.');
  await context.close();
});

test('a shared phone: a coordinator signing in on the same tab sends nothing of hers, and her queue waits for her', async () => {
  const { context, page } = await studioPhone();
  await page.route('**/api/v1/sync/**', (route) => route.abort('failed'));
  await typeInto(page, '#storefront-name', 'Aysulu, before the coordinator');
  await expectStatus(page, en['sync.retrying'].replace('{count}', 1));
  // The coordinator signs in on this very tab (at a workshop, on her phone).
  await signInOnPage(page, sawda.url, ZAMIRA, '**/account');
  await ready(page);
  await page.unroute('**/api/v1/sync/**');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.locator('.account-name').waitFor();
  assert.equal(await page.textContent('.account-name'), ZAMIRA.name);
  // Given time to sync, nothing of hers went with the coordinator's session; her queue is kept.
  await page.waitForTimeout(3_000);
  assert.notEqual((await storefrontOnServer(aysulu))?.name, 'Aysulu, before the coordinator');
  assert.deepEqual(await page.evaluate(storedPeople), [aysulu.id]);
  // The studio is not the coordinator's: it sends her to the desk, and shows none of Aysulu's work.
  await page.goto(`${sawda.url}/studio`);
  await page.waitForURL('**/review');
  await ready(page);
  assert.equal(await page.locator('#storefront-name').count(), 0);
  assert.ok(!(await page.textContent('body')).includes('Aysulu, before the coordinator'));
  // Aysulu signs in again: her edit goes.
  await signInOnPage(page, sawda.url, AYSULU);
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  assert.equal(await page.inputValue('#storefront-name'), 'Aysulu, before the coordinator');
  assert.equal((await storefrontOnServer(aysulu)).name, 'Aysulu, before the coordinator');
  await context.close();
});

/** In the page: for each person's key prefix, the owners of the records stored under it. */
async function ownersOfStoredRecords() {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('sawda');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const rows = await new Promise((resolve) => {
    const tx = db.transaction('records');
    const keys = tx.objectStore('records').getAllKeys();
    const values = tx.objectStore('records').getAll();
    tx.oncomplete = () => resolve(keys.result.map((k, i) => [k, JSON.parse(values.result[i])]));
  });
  db.close();
  const owners = {};
  for (const [key, record] of rows) {
    const person = key.slice(0, key.lastIndexOf('/'));
    owners[person] = [...new Set([...(owners[person] ?? []), record.owner])];
  }
  return owners;
}

/** In the page: the addresses of the pages the service worker keeps (its `sawda-…` caches), sorted. */
async function keptPages() {
  const paths = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith('sawda-')) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if ((response.headers.get('content-type') ?? '').startsWith('text/html')) paths.push(new URL(request.url).pathname);
    }
  }
  return paths.sort();
}

test('a shared phone: her preview is never kept by the service worker, and signing out clears the pages it kept', async () => {
  const DILBAR = { phone: '+998903001144', name: 'Dilbar', password: 'kelin-stitch-2026' };
  await signUpEntrepreneurs(sawda.url, ADMIN, [DILBAR]);
  const { context, page } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, DILBAR);
  await ready(page);
  await keptForOffline(page);
  await typeInto(page, '#storefront-name', 'Kelin embroidery');
  await page.click('button.suggestion');
  await expectStatus(page, en['sync.all_saved']);
  const slug = await page.inputValue('#storefront-slug');
  assert.ok(slug.length > 0);
  // Her preview, before any coordinator has seen it: for her eyes only.
  await page.goto(`${sawda.url}/s/${slug}`);
  assert.match(await page.textContent('body'), /Preview: only you see this page/);
  await page.goto(`${sawda.url}/account`);
  await ready(page);
  assert.ok(!(await page.evaluate(keptPages)).some((path) => path.startsWith('/s/')), 'her preview is not kept');
  await page.click('button:has-text("' + en['account.sign_out'] + '")');
  await page.waitForURL('**/sign-in');
  // Only the pages every visitor gets for offline use stay; her account page went.
  assert.deepEqual(await page.evaluate(keptPages), ['/', '/offline', '/studio']);
  // The next person on this phone, offline, opens her address: not her preview.
  await context.setOffline(true);
  await page.goto(`${sawda.url}/s/${slug}`);
  const body = await page.textContent('body');
  assert.ok(!body.includes('Kelin embroidery') && !body.includes('Preview: only you see this page'), body);
  await context.close();
});

test('offline on a cold start, her storefront and products are on screen as text before the app, and nothing there takes typing', async () => {
  const GULNARA = { phone: '+998903001177', name: 'Gulnara', password: 'kegeyli-felt-2026' };
  await signUpEntrepreneurs(sawda.url, ADMIN, [GULNARA]);
  const { context, page, problems } = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(page, sawda.url, GULNARA);
  await ready(page);
  await typeInto(page, '#storefront-name', 'Kegeyli felt');
  await openSection(page, en['studio.section.products']);
  await page.click(`button:has-text("${en['products.add']}")`);
  await typeInto(page, '#product-name', 'Qaraqalpaq kiyiz');
  await expectStatus(page, en['sync.all_saved']);
  await keptForOffline(page);

  // The app's wasm is held back until the test lets it go: what is on screen
  // before it is the first screen alone.
  await holdBackTheApp(context);
  await context.setOffline(true);
  await page.goto(`${sawda.url}/studio`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#studio-first-screen .first-screen-name');
  assert.equal(await page.textContent('#studio-first-screen .first-screen-name'), 'Kegeyli felt');
  assert.deepEqual(await page.locator('#studio-first-screen li').allTextContents(), ['Qaraqalpaq kiyiz']);
  assert.equal(await page.locator('main input, main textarea, main select').count(), 0, 'no field to type into yet');
  await page.screenshot({ path: join(outputDir, 'studio-first-screen-360.png'), fullPage: true });

  // The app takes over: the same storefront, now in its fields, and hydration had nothing to complain of.
  await page.evaluate(() => window.__startApp());
  await ready(page);
  assert.equal(await page.inputValue('#storefront-name'), 'Kegeyli felt');
  assert.equal(await page.locator('#studio-first-screen').count(), 0);
  assert.deepEqual(problems.filter((p) => !p.includes('net::ERR_INTERNET_DISCONNECTED')), []);
  await context.close();

  // A phone with no store: the first screen shows nothing and makes no database.
  const stranger = await phone(browser, { locale: 'en-GB' });
  await holdBackTheApp(stranger.context);
  await stranger.page.goto(`${sawda.url}/studio`);
  await stranger.page.waitForFunction(() => window.__firstScreenDone);
  assert.equal(await stranger.page.locator('#studio-first-screen *').count(), 0);
  assert.deepEqual(await stranger.page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), []);
  await stranger.context.close();
});

/** Holds the app's wasm back in every page of `context` until the page calls `__startApp()`. */
async function holdBackTheApp(context) {
  await context.addInitScript(() => {
    let release;
    window.__appMayStart = new Promise((resolve) => { release = resolve; });
    window.__startApp = () => release();
    for (const name of ['instantiateStreaming', 'instantiate']) {
      const original = WebAssembly[name];
      WebAssembly[name] = async (...args) => { await window.__appMayStart; return original.apply(WebAssembly, args); };
    }
  });
}

test('offline before the service worker has kept another language, a tap on it says so and she stays on her page', async () => {
  const { context, page, problems } = await phone(browser, { locale: 'en-GB', serviceWorkers: 'block' });
  await page.goto(sawda.url);
  await ready(page);
  await context.setOffline(true);
  await page.click('.language-switcher a[hreflang="ru"]');
  await page.waitForSelector(`.language-offline:has-text("${en['language.offline']}")`);
  await page.screenshot({ path: join(outputDir, 'language-offline-360.png') });
  assert.equal(new URL(page.url()).pathname, '/', 'still on her page, not the browser error page');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  // Back online, the same tap switches in place.
  await context.setOffline(false);
  await page.click('.language-switcher a[hreflang="ru"]');
  await page.waitForFunction(() => document.documentElement.lang === 'ru');
  assert.equal(await page.locator('.language-offline').isHidden(), true, 'the notice is gone');
  // The refused fetch of the texts while offline is expected; nothing else.
  assert.deepEqual(problems.filter((p) => !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED/.test(p)), []);
  await context.close();
});
