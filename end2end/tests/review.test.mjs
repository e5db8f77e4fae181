// The OVOP review, the whole loop in real browsers against a real server:
// Gulnar submits her storefront offline and it syncs later; Zamira, her
// district's coordinator, asks for changes with a comment on the story at
// the desk; Gulnar reads it offline next to the field, fixes and resubmits
// in one tap; Zamira sees what changed and approves; the approved revision
// reaches Gulnar's phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, ready, api, texts, outputDir, signUpEntrepreneurs, signInOnPage, expectStatus,
  openSection, typeInto, slowCpu,
  keptForOffline,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const GULNAR = { phone: '+998903001155', name: 'Gulnar', password: 'sesame-cookies-1' };
const ZAMIRA = { phone: '+998901000002', name: 'Zamira', password: 'coordinator-pass' };
const en = texts.en;
const ru = texts.ru;

let sawda;
let browser;
let gulnar;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  [gulnar] = await signUpEntrepreneurs(sawda.url, ADMIN, [GULNAR]);
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  const made = await api(sawda.url, 'POST', '/coordinators', { cookie: admin.cookie, body: { ...ZAMIRA, districts: ['nukus'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

/** Her review as the server's sync holds it (what her phones pull). */
async function reviewOnServer() {
  const pulled = await api(sawda.url, 'GET', `/sync/pull?version=3&account=${gulnar.id}&cursor=0&limit=1000`, { cookie: gulnar.cookie });
  const storefront = pulled.body.changes.map((c) => c.record).find((r) => r.kind === 'storefront');
  return storefront?.fields.review?.v;
}

test('submitted offline, changes asked at the desk, read offline, fixed, resubmitted and approved', async () => {
  const her = await phone(browser, { locale: 'en-GB' });
  const { page } = her;
  await signInOnPage(page, sawda.url, GULNAR);
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  await keptForOffline(page);

  // Offline: her storefront, then "submit for review".
  await her.context.setOffline(true);
  await typeInto(page, '#storefront-name', 'Sesame biscuits of Nukus');
  await page.click('button.suggestion');
  await typeInto(page, '#storefront-story', 'Baked at home.');
  await page.selectOption('#storefront-district', 'nukus');
  await page.selectOption('#storefront-category', 'food');
  await page.check('input[name="payment"][value="cash_on_delivery"]');
  await page.check('input[name="delivery"][value="pickup"]');
  assert.equal(await page.textContent('.review-panel .review-standing'), en['review.note.draft']);
  await page.click(`.review-panel button:has-text("${en['review.submit']}")`);
  assert.equal(await page.textContent('.review-panel .review-standing'), en['review.sending']);
  await page.screenshot({ path: join(outputDir, 'studio-submitted-offline-360.png'), fullPage: true });
  assert.equal(await reviewOnServer(), undefined, 'nothing reached the server yet');

  // The signal returns: the submission syncs and the server stamps it.
  await her.context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expectStatus(page, en['sync.all_saved']);
  await page.waitForFunction((text) => document.querySelector('.review-panel .review-standing')?.textContent === text,
    en['review.note.submitted'], { timeout: 30_000 });
  const submitted = await reviewOnServer();
  assert.equal(submitted.state, 'submitted');
  assert.equal(submitted.revision, 1);

  // Zamira, at her desk on a laptop, in Russian.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru' });
  const zamira = await desk.newPage();
  const deskProblems = [];
  zamira.on('pageerror', (error) => deskProblems.push(error.message));
  await signInOnPage(zamira, sawda.url, ZAMIRA, '**/account');
  await zamira.goto(`${sawda.url}/review`);
  await ready(zamira);
  await zamira.locator('.desk-item').first().waitFor();
  assert.equal(await zamira.textContent('.desk-counts strong'), ru['desk.count'].replace('{n}', '1'));
  assert.equal(await zamira.textContent('.desk-item strong'), 'Sesame biscuits of Nukus');
  await zamira.screenshot({ path: join(outputDir, 'desk-queue-ru-1280.png'), fullPage: true });
  await zamira.click('.desk-item a');
  await zamira.locator('.decision').waitFor();
  assert.equal(await zamira.textContent('.listing h2'), 'Sesame biscuits of Nukus', 'the item as buyers would see it');
  assert.equal(await zamira.textContent('.desk-columns .hint'), ru['desk.first_review']);
  assert.ok((await zamira.locator('.diff tr[data-field="story"] td').last().textContent()).includes('Baked at home.'));
  // The checklist: the story does not say where the sesame comes from.
  for (const point of ['photos', 'description', 'price', 'packaging', 'food_safety']) {
    await zamira.check(`.check-point[data-point="${point}"] input[value="pass"]`);
  }
  await zamira.check('.check-point[data-point="origin"] input[value="needs_work"]');
  // The desk's comments, typed key by key on a slow machine.
  const slowDesk = await slowCpu(zamira, 4);
  await typeInto(zamira, '.check-point[data-point="origin"] input[type="text"]', 'Где растёт кунжут?');
  await zamira.click('.field-comments summary');
  await typeInto(zamira, '#comment-story', 'Tell buyers where the sesame grows and who bakes.');
  await slowDesk.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await zamira.screenshot({ path: join(outputDir, 'desk-review-ru-1280.png'), fullPage: true });
  await zamira.setViewportSize({ width: 360, height: 740 });
  await zamira.screenshot({ path: join(outputDir, 'desk-review-ru-360.png'), fullPage: true });
  await zamira.setViewportSize({ width: 1280, height: 900 });
  await zamira.click(`button:has-text("${ru['desk.request_changes']}")`);
  await zamira.waitForFunction((text) => document.querySelector('.review-item .notice')?.textContent.startsWith(text),
    ru['desk.decided'].split('{')[0]);
  const asked = await reviewOnServer();
  assert.equal(asked.state, 'changes_requested');
  assert.equal(asked.comments.story, 'Tell buyers where the sesame grows and who bakes.');

  // Gulnar's phone pulls the decision, then she reads it with no signal at all.
  await page.reload();
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  await page.locator('.section-tab .count').waitFor({ timeout: 30_000 });
  await her.context.setOffline(true);
  await page.reload();
  await ready(page);
  assert.equal(await page.textContent('.section-tab .count'), '1', 'a notice of new feedback');
  assert.equal(await page.textContent('.review-comment'), `${en['review.comment_from']} Tell buyers where the sesame grows and who bakes.`);
  await page.screenshot({ path: join(outputDir, 'studio-feedback-on-field-360.png'), fullPage: true });
  await openSection(page, en['studio.section.feedback']);
  assert.equal(await page.textContent('.feedback-item .review-standing'),
    en['review.note.changes'].replace('{name}', ZAMIRA.name));
  assert.equal(await page.locator('.checklist li[data-pass="false"]').count(), 1);
  assert.ok((await page.textContent('.checklist li[data-pass="false"]')).includes('Где растёт кунжут?'));
  await page.screenshot({ path: join(outputDir, 'studio-feedback-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(outputDir, 'studio-feedback-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });

  // She fixes the story offline and sends it again with one tap.
  await openSection(page, en['studio.section.storefront']);
  await typeInto(page, '#storefront-story', 'Sesame from our fields by the Amudarya; my sister and I bake every morning.');
  await page.click(`.review-panel button:has-text("${en['review.resubmit']}")`);
  assert.equal(await page.textContent('.review-panel .review-standing'), en['review.sending']);
  await her.context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expectStatus(page, en['sync.all_saved']);
  await page.waitForFunction((text) => document.querySelector('.review-panel .review-standing')?.textContent === text,
    en['review.note.submitted'], { timeout: 30_000 });

  // Zamira sees the new story and approves.
  await zamira.reload();
  await ready(zamira);
  await zamira.locator('.decision').waitFor();
  assert.ok((await zamira.locator('.diff tr[data-field="story"] td').last().textContent()).includes('by the Amudarya'));
  for (const point of ['origin', 'photos', 'description', 'price', 'packaging', 'food_safety']) {
    await zamira.check(`.check-point[data-point="${point}"] input[value="pass"]`);
  }
  await zamira.click(`button:has-text("${ru['desk.approve']}")`);
  await zamira.waitForFunction(() => document.querySelector('.review-item .badge')?.dataset.state === 'approved');
  const log = await zamira.locator('.review-log > li').allTextContents();
  assert.equal(log.length, 4, `submitted, changes, submitted, approved: ${log}`);
  await zamira.screenshot({ path: join(outputDir, 'desk-approved-ru-1280.png'), fullPage: true });
  // The same desk on a 360 px phone.
  await zamira.setViewportSize({ width: 360, height: 740 });
  await zamira.goto(`${sawda.url}/review`);
  await ready(zamira);
  await zamira.locator('.desk-counts').waitFor();
  await zamira.screenshot({ path: join(outputDir, 'desk-queue-ru-360.png'), fullPage: true });

  const approved = await reviewOnServer();
  assert.equal(approved.state, 'approved');
  assert.equal(approved.public_revision, 2, 'the approved revision is the second submission');
  await page.reload();
  await ready(page);
  await page.waitForFunction((text) => document.querySelector('.review-panel .review-standing')?.textContent === text,
    en['review.note.approved'], { timeout: 30_000 });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(outputDir, 'studio-approved-1280.png'), fullPage: true });
  assert.deepEqual(deskProblems, []);
  assert.deepEqual(her.problems.filter((p) => !p.includes('net::ERR_INTERNET_DISCONNECTED')), []);
  await desk.close();
  await her.context.close();
});
