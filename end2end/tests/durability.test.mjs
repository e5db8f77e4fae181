// "Saved" on a phone means it survives the browser being killed a second
// later: the studio's store is in IndexedDB, written with strict durability,
// and the page says "saved on this phone" only once the write completed.
// The browser runs on a persistent profile, is killed with SIGKILL and
// started again on the same profile, offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSawda, persistentPhone, killProfile, ready, api, texts, outputDir, signUpEntrepreneurs, signInOnPage,
  expectStatus, makePng, typeInto,
  keptForOffline,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const AYSULU = { phone: '+998903001122', name: 'Aysulu', password: 'aral-honey-2026' };
const en = texts.en;
const offlineText = (n) => en['sync.offline'].replace('{count}', n);

let sawda;
let aysulu;
const profiles = [];

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  [aysulu] = await signUpEntrepreneurs(sawda.url, ADMIN, [AYSULU]);
});

after(async () => {
  await sawda?.stop();
  for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
});

async function storefrontOnServer() {
  const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${aysulu.id}&cursor=0&limit=1000`, {
    cookie: aysulu.cookie,
  });
  assert.equal(pulled.status, 200);
  const storefront = pulled.body.changes.map((c) => c.record).find((r) => r.kind === 'storefront');
  return storefront && Object.fromEntries(Object.entries(storefront.fields).map(([k, v]) => [k, v.v]));
}

/** A phone on `profile` with Aysulu's studio open, all saved, the service worker in control. */
async function studioOnProfile(profile) {
  const phone = await persistentPhone(profile, { locale: 'en-GB' });
  await signInOnPage(phone.page, sawda.url, AYSULU);
  await ready(phone.page);
  await expectStatus(phone.page, en['sync.all_saved']);
  await keptForOffline(phone.page);
  return phone;
}

/**
 * The network returns after the kill. The browser may have lost her session
 * cookie with it: then the studio says so, keeps the edit, and sends it once
 * she signs in again.
 */
async function backOnlineUntilAllSaved(context, page) {
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForFunction(
    (texts) => texts.includes(document.querySelector('.sync-status-text')?.textContent),
    [en['sync.all_saved'], en['sync.signed_out'].replace('{count}', 1)],
    { timeout: 30_000 },
  );
  if ((await page.locator('.sync-status-text').textContent()) !== en['sync.all_saved']) {
    await signInOnPage(page, sawda.url, AYSULU);
    await ready(page);
    await expectStatus(page, en['sync.all_saved']);
  }
}

test('an edit saved offline survives the browser killed one second later, and reaches the server', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'sawda-profile-'));
  profiles.push(profile);
  let { context, page } = await studioOnProfile(profile);
  await context.setOffline(true);
  await typeInto(page, '#storefront-name', 'Aral honey, kept through a kill');
  await expectStatus(page, offlineText(1));
  await new Promise((r) => setTimeout(r, 1_000));
  await killProfile(profile);

  ({ context, page } = await persistentPhone(profile, { locale: 'en-GB', offline: true }));
  await page.goto(`${sawda.url}/studio`);
  await ready(page);
  assert.equal(await page.inputValue('#storefront-name'), 'Aral honey, kept through a kill');
  await expectStatus(page, offlineText(1));
  await page.screenshot({ path: join(outputDir, 'studio-after-kill-360.png'), fullPage: false });
  await backOnlineUntilAllSaved(context, page);
  assert.equal((await storefrontOnServer()).name, 'Aral honey, kept through a kill');
  await context.close();
});

test('a photo added offline survives the browser killed one second later, and reaches the server', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'sawda-profile-'));
  profiles.push(profile);
  let { context, page } = await studioOnProfile(profile);
  await context.setOffline(true);
  await page.locator('.storefront-editor .photos input[type="file"]')
    .setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: makePng(1600, 900, 77) });
  await page.locator('.storefront-editor .photo[data-state="on-phone"]').waitFor();
  await expectStatus(page, offlineText(1));
  const hash = await page.getAttribute('.storefront-editor .photo', 'data-hash');
  await new Promise((r) => setTimeout(r, 1_000));
  await killProfile(profile);

  ({ context, page } = await persistentPhone(profile, { locale: 'en-GB', offline: true }));
  await page.goto(`${sawda.url}/studio`);
  await ready(page);
  await expectStatus(page, offlineText(1));
  assert.equal(await page.getAttribute('.storefront-editor .photo', 'data-hash'), hash);
  await page.locator('.storefront-editor .photo img').waitFor();
  assert.match(await page.getAttribute('.storefront-editor .photo img', 'src'), /^blob:/, 'the photo comes from the phone');
  await page.screenshot({ path: join(outputDir, 'studio-photo-after-kill-360.png'), fullPage: false });
  await backOnlineUntilAllSaved(context, page);
  assert.equal((await storefrontOnServer()).cover_photo, hash);
  const photo = await fetch(`${sawda.url}/photos/${hash}/large.jpg`);
  assert.equal(photo.status, 200);
  await context.close();
});

test('a store of the previous release in local storage moves into IndexedDB, through a reload midway', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'sawda-profile-'));
  profiles.push(profile);
  const { context, page } = await persistentPhone(profile, { locale: 'en-GB' });
  // The previous release kept her whole store under one local storage key:
  // here a product made offline, still queued (the format that release wrote).
  const device = '01HF7YAT000W3GE1R70W3GE1R7';
  const at = `${Date.now().toString(16).padStart(12, '0')}-0000-${device}`;
  const id = '01HF7YATZ8040G2081040G2081';
  const fields = { name: 'Jam from the old store', price_som: 21000, unit: 'jar', position: 1 };
  const old = {
    owner: aysulu.id,
    clock: at,
    records: [{ id, kind: 'product', owner: aysulu.id, fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { v, at }])) }],
    outbox: { queue: [{ mutation: { id, rec: id, kind: 'product', owner: aysulu.id, at, set: fields } }] },
    cursor: 0,
  };
  await page.goto(`${sawda.url}/sign-in`);
  await ready(page);
  await page.evaluate(([key, text]) => localStorage.setItem(key, text), [`sawda.store.v1.${aysulu.id}`, JSON.stringify(old)]);
  await context.setOffline(false);
  await page.route('**/api/v1/sync/**', (route) => route.abort('failed'));
  await signInOnPage(page, sawda.url, AYSULU);
  // Interrupted: reloaded as soon as the studio starts opening the store.
  await page.reload();
  await ready(page);
  await expectStatus(page, en['sync.retrying'].replace('{count}', 1));
  const stored = () => page.evaluate(storedRecordKeys);
  assert.deepEqual(await stored(), [`${aysulu.id}/${id}`]);
  const left = await page.evaluate((key) => localStorage.getItem(key), `sawda.store.v1.${aysulu.id}`);
  assert.equal(left, null, 'the old copy is deleted once the move is verified');
  // In IndexedDB: reloaded again, it is still there, and it reaches the server.
  await page.reload();
  await ready(page);
  await expectStatus(page, en['sync.retrying'].replace('{count}', 1));
  assert.deepEqual(await stored(), [`${aysulu.id}/${id}`]);
  await page.unroute('**/api/v1/sync/**');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expectStatus(page, en['sync.all_saved']);
  const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${aysulu.id}&cursor=0&limit=1000`, {
    cookie: aysulu.cookie,
  });
  const product = pulled.body.changes.map((c) => c.record).find((r) => r.id === id);
  assert.equal(product?.fields.name.v, 'Jam from the old store');
  await context.close();
});

/** In the page: the keys of the records stored in the device's database. */
async function storedRecordKeys() {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('sawda');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const keys = await new Promise((resolve) => {
    const request = db.transaction('records').objectStore('records').getAllKeys();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return keys;
}
