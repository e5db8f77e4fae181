// The coordinators' desk at 1280 px, where issue 24 found it hard (in
// Russian), and the accessibility of the app's pages: each page's own title
// in her language, labelled comment boxes, a skip link, and sign-up errors
// beside their fields, all at once (in Karakalpak).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, ready, api, texts, signUpEntrepreneurs, signInOnPage, expectStatus,
  typeInto, slowCpu, submitAralHoney,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const ZAMIRA = { phone: '+998901000002', name: 'Zamira', password: 'coordinator-pass' };
const GULNAR = { phone: '+998903001155', name: 'Gulnar', password: 'sesame-cookies-1' };
const SHOTS = '/tmp/h24/shots/desk';
const LAPTOP = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };
const LANGS = ['kaa', 'uz', 'ru', 'en'];
const ru = texts.ru;
const kaa = texts.kaa;

let sawda;
let browser;
let gulnar;
let adminCookie;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  [gulnar] = await signUpEntrepreneurs(sawda.url, ADMIN, [GULNAR]);
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  adminCookie = admin.cookie;
  const made = await api(sawda.url, 'POST', '/coordinators', { cookie: admin.cookie, body: { ...ZAMIRA, districts: ['moynaq', 'nukus'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

/** Words of the diff table drawn over more than one line (a word broken in the middle). */
async function brokenWords(page, cells = '.diff th, .diff td') {
  return page.evaluate((cells) => {
    const broken = [];
    for (const cell of document.querySelectorAll(cells)) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.data.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (lines.size > 1) broken.push(match[0]);
        }
      }
    }
    return broken;
  }, cells);
}

/** Screenshots of the page at 1280 and 360 px in each language. */
async function shootAllLanguages(page, name) {
  const path = new URL(page.url()).pathname;
  for (const lang of LANGS) {
    await page.goto(`${sawda.url}/language/${lang}?next=${encodeURIComponent(path)}`);
    await ready(page);
    await page.locator('.review-log li, .desk-counts').first().waitFor();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(SHOTS, `${name}-${lang}-1280.png`), fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: join(SHOTS, `${name}-${lang}-360.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('at the desk: words whole, labels for the coordinator, approve in two clicks, next item, the history says what failed', async () => {
  // Gulnar submits her storefront and a product from her phone.
  const her = await phone(browser, { locale: 'en-GB' });
  await signInOnPage(her.page, sawda.url, GULNAR);
  await ready(her.page);
  await expectStatus(her.page, texts.en['sync.all_saved']);
  await submitAralHoney(her.page);
  await her.context.close();
  const waiting = await api(sawda.url, 'GET', '/review/queue', { cookie: adminCookie });
  assert.equal(waiting.body.items?.length, 2, `her storefront and product wait: ${JSON.stringify(waiting.body)}`);

  const desk = await phone(browser, { locale: 'ru-RU', ...LAPTOP });
  const { page } = desk;
  await signInOnPage(page, sawda.url, ZAMIRA, /\/(account|review)$/);
  await page.goto(`${sawda.url}/review`);
  await ready(page);
  await page.locator('.desk-item').first().waitFor();
  assert.equal(await page.textContent('.desk-filters label:has(select[name="category"]) span'), ru['desk.field.category']);
  await page.click('.desk-item a:has-text("Aral honey")');
  await page.locator('.decision').waitFor();

  // What changed, read at 1280 px: no word cut in two, labels about her, not to her.
  assert.deepEqual(await brokenWords(page), []);
  assert.equal(await page.textContent('.diff tr[data-field="story"] th'), ru['desk.field.story']);
  assert.equal(await page.textContent('.diff tr[data-field="category"] th'), ru['desk.field.category']);
  const labels = [
    ...await page.locator('.diff th').allTextContents(),
    ...await page.locator('.field-comments label').allTextContents(),
  ];
  for (const label of labels) assert.doesNotMatch(label, /\b[Вв]аш|\b[Вв]ы\b/u, `"${label}" speaks to the entrepreneur`);

  // Every comment box of the checklist has its label.
  const unlabelled = await page.locator('.check-point input[type="text"]')
    .evaluateAll((boxes) => boxes.filter((box) => box.labels.length !== 1 || box.labels[0].textContent.trim() === '').length);
  assert.equal(unlabelled, 0);
  assert.equal(await page.locator('.check-point input[type="text"]').count(), 6);

  // Approving: "all points good", then "approve".
  await page.click(`button:has-text("${ru['desk.all_good']}")`);
  assert.equal(await page.locator('.check-point input[value="pass"]:checked').count(), 6);
  await page.click(`button:has-text("${ru['desk.approve']}")`);
  await page.waitForFunction(() => document.querySelector('.review-item .badge')?.dataset.state === 'approved');
  const saved = page.locator('.review-item .notice[role="status"]');
  assert.ok((await saved.textContent()).startsWith(ru['desk.decided'].split('{')[0]));
  assert.equal(await page.locator('.review-item .problem:not(:empty)').count(), 0, 'a saved decision is no error');
  const colour = await saved.evaluate((el) => getComputedStyle(el).color);
  const problemColour = await page.evaluate(() => {
    const probe = document.createElement('p');
    probe.className = 'problem';
    probe.textContent = 'x';
    document.body.append(probe);
    const colour = getComputedStyle(probe).color;
    probe.remove();
    return colour;
  });
  assert.notEqual(colour, problemColour, 'not in the red of errors');
  await page.screenshot({ path: join(SHOTS, 'desk-decided-ru-1280.png'), fullPage: true });

  // On to the next item without going back to the queue.
  assert.equal(await page.textContent('a.desk-next'), ru['desk.next']);
  await page.click('a.desk-next');
  await page.locator('.decision').waitFor();
  assert.equal(await page.textContent('h1'), 'Tugai flower honey');
  assert.deepEqual(await brokenWords(page), []);

  // The photo is too dark: the comment typed key by key on a slow laptop.
  await page.click(`button:has-text("${ru['desk.all_good']}")`);
  await page.check('.check-point[data-point="photos"] input[value="needs_work"]');
  const slow = await slowCpu(page, 4);
  await typeInto(page, '.check-point[data-point="photos"] input[type="text"]', 'Фото тёмное, снимите днём у окна');
  await slow.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await page.click(`button:has-text("${ru['desk.request_changes']}")`);
  await page.waitForFunction(() => document.querySelector('.review-item .badge')?.dataset.state === 'changes_requested');
  const last = page.locator('.review-log > li').last();
  const history = await last.textContent();
  assert.ok(history.includes(ru['check.photos']), `the failed point in the history: ${history}`);
  assert.ok(history.includes('Фото тёмное, снимите днём у окна'), `its comment in the history: ${history}`);
  assert.ok(!history.includes(ru['check.origin']), 'points that passed are not listed as failed');
  assert.equal(await page.locator('a.desk-next').count(), 0, 'nothing else waits');
  assert.deepEqual(await brokenWords(page), []);
  // On a phone too, the labels and headings keep their words whole.
  await page.setViewportSize({ width: 360, height: 740 });
  assert.deepEqual(await brokenWords(page, '.diff th'), []);
  await page.setViewportSize({ width: 1280, height: 900 });
  await shootAllLanguages(page, 'desk-item');
  await page.goto(`${sawda.url}/review`);
  await shootAllLanguages(page, 'desk-queue');
  assert.deepEqual(desk.problems, []);
  await desk.context.close();
});

test('every page has its own title in her language', async () => {
  const kaaPhone = { locale: 'kaa', extraHTTPHeaders: { 'accept-language': 'kaa' } };
  const title = (key) => `${kaa[key]} — ${kaa['app.name']}`;
  const seen = new Map();
  const check = async (page, path, key) => {
    await page.goto(`${sawda.url}${path}`);
    await ready(page);
    await page.waitForFunction((expected) => document.title === expected, title(key), { timeout: 10_000 })
      .catch(async () => assert.fail(`${path}: "${await page.title()}", expected "${title(key)}"`));
    seen.set(path, await page.title());
  };
  const visitor = await phone(browser, kaaPhone);
  for (const [path, key] of [['/sign-in', 'sign_in.title'], ['/sign-up', 'sign_up.title'], ['/reset-password', 'reset.title'],
    ['/offline', 'offline.title'], ['/no-such-page', 'not_found.title']]) {
    await check(visitor.page, path, key);
  }
  // The title is in the page as the server sends it, for a browser without the script.
  const html = await (await fetch(`${sawda.url}/sign-up`, { headers: { 'accept-language': 'kaa' } })).text();
  assert.match(html, new RegExp(`<title>${title('sign_up.title')}</title>`));
  await visitor.context.close();

  const admin = await phone(browser, kaaPhone);
  await signInOnPage(admin.page, sawda.url, ADMIN, /\/(account|review)$/);
  for (const [path, key] of [['/account', 'account.title'], ['/review', 'review.title'], ['/invitations', 'invitations.title'],
    ['/entrepreneurs', 'entrepreneurs.title'], ['/coordinators', 'coordinators.title']]) {
    await check(admin.page, path, key);
  }
  await admin.context.close();
  const her = await phone(browser, kaaPhone);
  await signInOnPage(her.page, sawda.url, GULNAR);
  await check(her.page, '/studio', 'studio.title');
  await her.context.close();
  assert.equal(new Set(seen.values()).size, seen.size, `all different: ${JSON.stringify([...seen])}`);
});

test('a skip link is the first stop of the keyboard and leads past the menu', async () => {
  for (const lang of LANGS) {
    const { context, page } = await phone(browser, { locale: lang, extraHTTPHeaders: { 'accept-language': lang } });
    await page.goto(`${sawda.url}/sign-in`);
    await ready(page);
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => {
      const el = document.activeElement;
      const box = el.getBoundingClientRect();
      return { cls: el.className, text: el.textContent, href: el.getAttribute('href'), width: box.width, top: box.top };
    });
    assert.equal(skip.cls, 'skip-link');
    assert.equal(skip.text, texts[lang]['nav.skip']);
    assert.ok(skip.width > 40 && skip.top >= 0, `seen when focused: ${JSON.stringify(skip)}`);
    await page.screenshot({ path: join(SHOTS, `skip-link-${lang}-360.png`) });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    const inMain = await page.evaluate(() => document.querySelector('main').contains(document.activeElement));
    assert.ok(inMain, 'the next stop is in the page, past the menu');
    await context.close();
  }
});

test('sign-up says every problem beside its field at once: a wrong code with a weak password (Karakalpak)', async () => {
  for (const javaScriptEnabled of [true, false]) {
    const { context, page } = await phone(browser, { locale: 'kaa', extraHTTPHeaders: { 'accept-language': 'kaa' }, javaScriptEnabled });
    if (javaScriptEnabled) await slowCpu(page, 4);
    await page.goto(`${sawda.url}/sign-up`);
    if (javaScriptEnabled) await ready(page);
    await typeInto(page, 'input[name="code"]', 'KKKK-2222', { delay: 40 });
    await typeInto(page, 'input[name="phone"]', '90 311 22 33', { delay: 40 });
    await typeInto(page, 'input[name="name"]', 'Ayjamal', { delay: 40 });
    await typeInto(page, 'input[name="password"]', 'qawın', { delay: 40 });
    await page.click('form button[type="submit"]');
    await page.locator('#field-password-problem:not(:empty)').waitFor();
    const beside = async (name) => page.locator(`#field-${name}`).evaluate((input) => {
      const problem = document.getElementById(input.getAttribute('aria-describedby')?.split(' ').find((id) => id.endsWith('-problem')));
      return {
        invalid: input.getAttribute('aria-invalid'),
        text: problem?.textContent ?? null,
        sameField: problem?.closest('.field') === input.closest('.field'),
      };
    });
    assert.deepEqual(await beside('code'), { invalid: 'true', text: kaa['error.invitation_invalid'], sameField: true }, `script ${javaScriptEnabled}`);
    assert.deepEqual(await beside('password'), { invalid: 'true', text: kaa['error.weak_password'], sameField: true });
    assert.equal((await beside('phone')).invalid, null, 'a good field is not marked');
    assert.equal(await page.inputValue('input[name="code"]'), 'KKKK-2222', 'what she typed is kept');
    await page.screenshot({ path: join(SHOTS, `sign-up-errors-kaa-360-${javaScriptEnabled ? 'script' : 'no-script'}.png`), fullPage: true });
    await context.close();
  }
});
