// Where the menu and the sign-in send people: an entrepreneur never meets the
// coordinators' desk, a coordinator sent to sign in from the desk comes back
// to it (with and without the page's script), and a coordinator who opens
// the studio, which has nothing for her, is taken to her desk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startSawda, launchBrowser, phone, ready, api, texts, signUpEntrepreneurs, typeInto, slowCpu,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const ZAMIRA = { phone: '+998901000002', name: 'Zamira', password: 'coordinator-pass' };
const DILNOZA = { phone: '+998903001177', name: 'Dilnoza', password: 'qovun-murabbo-1' };
const SHOTS = '/tmp/h24/shots/desk';
const LAPTOP = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };

let sawda;
let browser;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  await signUpEntrepreneurs(sawda.url, ADMIN, [DILNOZA]);
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  const made = await api(sawda.url, 'POST', '/coordinators', { cookie: admin.cookie, body: { ...ZAMIRA, districts: ['nukus'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

/** The main menu's links as she reads them: text and address. */
async function menu(page) {
  return page.locator('.main-nav a').evaluateAll((links) => links.map((a) => [a.textContent, a.getAttribute('href')]));
}

/** Signs in on the page key by key, as a thumb does. */
async function signInByHand(page, who) {
  await typeInto(page, 'input[name="phone"]', who.phone, { delay: 40 });
  await typeInto(page, 'input[name="password"]', who.password, { delay: 40 });
  await page.click('form button[type="submit"]');
}

test('an entrepreneur is never offered the desk, and told where her work is if she opens it', async () => {
  const uz = texts.uz;
  const her = await phone(browser, { locale: 'uz-UZ' });
  const { page } = her;
  await page.goto(`${sawda.url}/sign-in`);
  await ready(page);
  // Her cheap phone: typing and the pages after sign-in at a quarter of the speed.
  await slowCpu(page, 4);
  await signInByHand(page, DILNOZA);
  await page.waitForURL('**/studio');
  await ready(page);
  await page.waitForFunction(() => document.querySelector('.main-nav a[href="/studio"]') !== null);
  const links = await menu(page);
  assert.ok(!links.some(([, href]) => href === '/review'), `no desk in her menu: ${JSON.stringify(links)}`);
  assert.ok(links.some(([text, href]) => href === '/studio' && text === uz['nav.studio']));
  // Going on to another page does not bring it back.
  await page.click('.main-nav a[href="/account"]');
  await page.waitForURL('**/account');
  await page.locator('.account-name').waitFor();
  assert.ok(!(await menu(page)).some(([, href]) => href === '/review'));

  // The home page's card for coordinators, or an old link: she is told, in her language, where to go.
  await page.goto(`${sawda.url}/review`);
  await ready(page);
  await page.locator('.desk-not-hers').waitFor();
  assert.equal(await page.textContent('.desk-not-hers p'), uz['desk.not_hers']);
  assert.equal(await page.getAttribute('.desk-not-hers a', 'href'), '/studio');
  assert.equal(await page.locator('.problem:not(:empty)').count(), 0, 'no permission error');
  await page.screenshot({ path: join(SHOTS, 'review-for-entrepreneur-uz-360.png'), fullPage: true });
  assert.deepEqual(her.problems.filter((p) => !/status of 403/.test(p)), []);
  await her.context.close();
});

test('a coordinator signed out at the desk signs in and is back at the queue, then the studio sends her to it', async () => {
  const ru = texts.ru;
  const she = await phone(browser, { locale: 'ru-RU', ...LAPTOP });
  const { page } = she;
  await page.goto(`${sawda.url}/review`);
  await ready(page);
  await page.waitForURL(/\/sign-in\?next=%2Freview$/);
  await ready(page);
  await signInByHand(page, ZAMIRA);
  await page.waitForURL(/\/review$/);
  await ready(page);
  await page.locator('.desk-counts').waitFor();
  assert.equal(await page.textContent('h1'), ru['review.title']);
  const links = await menu(page);
  assert.ok(links.some(([text, href]) => href === '/review' && text === ru['nav.review']), JSON.stringify(links));
  assert.ok(!links.some(([, href]) => href === '/studio'), `no studio in her menu: ${JSON.stringify(links)}`);
  await page.screenshot({ path: join(SHOTS, 'menu-coordinator-ru-1280.png') });

  // The studio has no storefront for her: she lands on her desk, not on empty forms.
  await page.goto(`${sawda.url}/studio`);
  await page.waitForURL(/\/review$/);
  await page.locator('.desk-counts').waitFor();
  assert.equal(await page.locator('#storefront-name').count(), 0);
  assert.deepEqual(she.problems.filter((p) => !/status of 401/.test(p)), [], 'only the desk asking before she signed in');
  await she.context.close();
});

test('without the script, the sign-in form leads back to the desk too, and never to another site', async () => {
  const { context, page } = await phone(browser, { locale: 'ru-RU', javaScriptEnabled: false });
  await page.goto(`${sawda.url}/sign-in?next=%2Freview`);
  await signInByHand(page, ZAMIRA);
  await page.waitForURL(/\/review$/);
  await context.close();

  const tricked = await phone(browser, { locale: 'ru-RU', javaScriptEnabled: false });
  await tricked.page.goto(`${sawda.url}/sign-in?next=%2F%2Fevil.example%2Freview`);
  await signInByHand(tricked.page, ZAMIRA);
  await tricked.page.waitForURL(/\/account$/);
  assert.ok(tricked.page.url().startsWith(sawda.url));
  await tricked.context.close();
});
