import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSawda, launchBrowser, phone, ready, api, texts, outputDir, typeInto, signUpEntrepreneurs,
  expectStatus, signInOnPage, slowCpu,
} from './support.mjs';

const ADMIN = { phone: '+998901000001', name: 'Programme admin', password: 'admin-password-1' };
const COORDINATOR = { phone: '+998901000002', name: 'Zamira', password: 'coordinator-pass' };
const ENTREPRENEUR = { phone: '90 300 40 50', normalised: '+998903004050', name: 'Gulnar', password: 'sesame-cookies' };

let sawda;
let browser;

before(async () => {
  sawda = await startSawda({ admin: ADMIN });
  browser = await launchBrowser();
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  assert.equal(admin.status, 200, JSON.stringify(admin.body));
  const created = await api(sawda.url, 'POST', '/coordinators', {
    cookie: admin.cookie,
    body: { ...COORDINATOR, districts: ['chimbay'] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
});

after(async () => {
  await browser?.close();
  await sawda?.stop();
});

async function signIn(page, who) {
  await page.goto(`${sawda.url}/sign-in`);
  await ready(page);
  await page.fill('input[name="phone"]', who.phone);
  await page.fill('input[name="password"]', who.password);
  await page.click('form button[type="submit"]');
}

test('a coordinator invites, a new entrepreneur signs up on a phone, signs out and in again', async () => {
  // The coordinator, on a laptop.
  const coordinator = await phone(browser, { locale: 'en-GB', viewport: { width: 1024, height: 800 }, isMobile: false, hasTouch: false });
  await signIn(coordinator.page, COORDINATOR);
  await coordinator.page.waitForURL('**/account');
  await ready(coordinator.page);
  await coordinator.page.click('a[href="/invitations"]');
  await coordinator.page.waitForURL('**/invitations');
  await ready(coordinator.page);
  await typeInto(coordinator.page, 'input[name="workshop"]', 'Sesame biscuits, Chimbay');
  await coordinator.page.fill('input[name="date"]', '2026-12-01');
  await typeInto(coordinator.page, 'input[name="seats"]', '3');
  await coordinator.page.click('form button[type="submit"]');
  await coordinator.page.waitForSelector('li.invitation[data-state="open"]');
  const codes = await coordinator.page.locator('li.invitation .code').allTextContents();
  assert.equal(codes.length, 3);
  assert.match(codes[0], /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
  await coordinator.page.screenshot({ path: join(outputDir, 'invitations-coordinator.png'), fullPage: true });

  // The printable sheet, as the coordinator prints it.
  const sheetPath = await coordinator.page.getAttribute('li.invitation a.print', 'href');
  const sheet = await coordinator.context.newPage();
  await sheet.setViewportSize({ width: 794, height: 1123 });
  await sheet.goto(`${sawda.url}${sheetPath}`);
  assert.equal(await sheet.locator('.slip').count(), 3);
  assert.equal(await sheet.locator('.slip svg').count(), 3);
  await sheet.screenshot({ path: join(outputDir, 'invitation-sheet-a4.png'), fullPage: true });
  await sheet.pdf({ path: join(outputDir, 'invitation-sheet.pdf'), format: 'A4' });
  assert.deepEqual(coordinator.problems, []);
  await coordinator.context.close();

  // The entrepreneur, on a 360 px phone, in Uzbek, following the QR code's link.
  const entrepreneur = await phone(browser, { locale: 'uz-UZ' });
  const { page } = entrepreneur;
  await page.goto(`${sawda.url}/sign-up?code=${codes[0]}`);
  await ready(page);
  assert.equal(await page.inputValue('input[name="code"]'), codes[0], 'the code comes filled in from the link');
  assert.equal(await page.locator('h1').textContent(), texts.uz['sign_up.title']);

  // A mistyped phone is refused with a message in Uzbek, and nothing is created.
  await page.fill('input[name="phone"]', '12345');
  await page.fill('input[name="name"]', ENTREPRENEUR.name);
  await page.fill('input[name="password"]', ENTREPRENEUR.password);
  await page.click('form button[type="submit"]');
  await page.waitForSelector('.problem:not(:empty)');
  assert.equal(await page.textContent('.problem'), texts.uz['error.bad_phone']);

  await page.fill('input[name="phone"]', ENTREPRENEUR.phone);
  await page.screenshot({ path: join(outputDir, 'sign-up-360-uz.png'), fullPage: true });
  await page.click('form button[type="submit"]');
  await page.waitForURL('**/studio');

  await page.goto(`${sawda.url}/account`);
  await ready(page);
  await page.waitForSelector('.account-name');
  assert.equal(await page.textContent('.account-name'), ENTREPRENEUR.name);
  assert.equal(await page.textContent('.account-role'), texts.uz['role.entrepreneur']);
  await page.screenshot({ path: join(outputDir, 'account-360-uz.png'), fullPage: true });

  await page.click('button:has-text("' + texts.uz['account.sign_out'] + '")');
  await page.waitForURL('**/sign-in');
  const me = await api(sawda.url, 'GET', '/me', { cookie: (await entrepreneur.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') });
  assert.equal(me.status, 401, 'signed out on the server too');

  await signIn(page, { phone: ENTREPRENEUR.normalised, password: ENTREPRENEUR.password });
  await page.waitForURL('**/studio');
  assert.deepEqual(entrepreneur.problems.filter((p) => !/status of (401|422)/.test(p)), []);
  await entrepreneur.context.close();

  // The code is spent.
  const reuse = await api(sawda.url, 'POST', '/auth/sign-up', {
    body: { code: codes[0], phone: '+998903004051', name: 'Other', password: 'other-password' },
  });
  assert.equal(reuse.body.code, 'invitation_invalid');
});

test('a wrong password gets a clear, translated answer', async () => {
  const { context, page } = await phone(browser, { locale: 'ru-RU' });
  await signIn(page, { phone: COORDINATOR.phone, password: 'not-the-password' });
  await page.waitForSelector('.problem:not(:empty)');
  assert.equal(await page.textContent('.problem'), texts.ru['error.invalid_credentials']);
  assert.match(page.url(), /\/sign-in$/);
  await context.close();
});

// Before the script: on 2G the form shows up to a minute before the page's
// script has arrived, and a tap then sends the form as the browser sends it.

const en = texts.en;

/** Every address the page asked for or showed, to be sure none holds `secret`. */
function addressesOf(page) {
  const seen = [];
  page.on('request', (request) => seen.push(request.url()));
  page.on('framenavigated', (frame) => seen.push(frame.url()));
  return seen;
}

function assertNoSecretIn(addresses, secret) {
  assert.ok(addresses.length > 0);
  for (const address of addresses) {
    assert.ok(!address.includes(encodeURIComponent(secret)) && !address.includes(secret) && !address.includes('password='), address);
  }
}

/** Whether the browser's cookies sign `phoneNumber` in, asked of the server. */
async function signedInAs(context, phoneNumber) {
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const me = await api(sawda.url, 'GET', '/me', { cookie });
  return me.status === 200 && me.body.phone === phoneNumber;
}

/** Signs the admin in and makes a workshop of `seats` codes; the codes and the admin's cookie. */
async function invite(seats) {
  const admin = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: ADMIN.phone, password: ADMIN.password } });
  const workshop = await api(sawda.url, 'POST', '/invitations', {
    cookie: admin.cookie,
    body: { name: 'Before the script', district: 'chimbay', date: '2026-12-01', seats },
  });
  assert.equal(workshop.status, 201, JSON.stringify(workshop.body));
  return { codes: workshop.body.invitations.map((i) => i.code), adminCookie: admin.cookie };
}

/** Problems other than those these tests cause on purpose: refused requests. */
function realProblems(problems) {
  return problems.filter((p) => !/Failed to load resource|status of (401|422)|net::ERR/.test(p));
}

test('without the script, she signs in with the form, and a wrong password keeps her phone', async () => {
  const [gulbahor] = await signUpEntrepreneurs(sawda.url, ADMIN, [
    { phone: '+998903004060', name: 'Gulbahor', password: 'melon-jam-2026' },
  ]);
  const { context, page } = await phone(browser, { locale: 'en-GB', javaScriptEnabled: false });
  const addresses = addressesOf(page);
  await page.goto(`${sawda.url}/sign-in`);
  await typeInto(page, 'input[name="phone"]', '90 300 40 60');
  await typeInto(page, 'input[name="password"]', 'melon-jam-2025');
  await page.click('form button[type="submit"]');
  await page.waitForLoadState('load');
  assert.equal(await page.textContent('.problem'), en['error.invalid_credentials']);
  assert.equal(await page.inputValue('input[name="phone"]'), '90 300 40 60', 'her phone is kept');
  assert.equal(await page.inputValue('input[name="password"]'), '', 'the password is not written back');
  await page.screenshot({ path: join(outputDir, 'sign-in-no-script-error-360.png'), fullPage: true });
  assert.ok(!(await signedInAs(context, gulbahor.phone)));

  await typeInto(page, 'input[name="password"]', 'melon-jam-2026');
  await page.click('form button[type="submit"]');
  await page.waitForURL('**/studio');
  assert.ok(await signedInAs(context, gulbahor.phone), 'signed in');
  assertNoSecretIn(addresses, 'melon-jam-202');
  await context.close();
});

test('without the script, she signs up from the QR link; a mistake keeps the code, her name and phone', async () => {
  const { codes } = await invite(1);
  const { context, page } = await phone(browser, { locale: 'en-GB', javaScriptEnabled: false });
  const addresses = addressesOf(page);
  await page.goto(`${sawda.url}/sign-up?code=${codes[0]}`);
  assert.equal(await page.inputValue('input[name="code"]'), codes[0], 'the code is in the form from the first byte');
  await typeInto(page, 'input[name="phone"]', '12345');
  await typeInto(page, 'input[name="name"]', 'Aysulu');
  await typeInto(page, 'input[name="password"]', 'liquorice-tea-9');
  await page.click('form button[type="submit"]');
  await page.waitForLoadState('load');
  assert.equal(await page.textContent('.problem'), en['error.bad_phone']);
  assert.equal(await page.inputValue('input[name="code"]'), codes[0]);
  assert.equal(await page.inputValue('input[name="name"]'), 'Aysulu');
  assert.equal(await page.inputValue('input[name="phone"]'), '12345');
  assert.equal(await page.inputValue('input[name="password"]'), '');
  await page.screenshot({ path: join(outputDir, 'sign-up-no-script-error-360.png'), fullPage: true });

  await typeInto(page, 'input[name="phone"]', '90 300 40 61');
  await typeInto(page, 'input[name="password"]', 'liquorice-tea-9');
  await page.click('form button[type="submit"]');
  await page.waitForURL('**/studio');
  assert.ok(await signedInAs(context, '+998903004061'));
  assertNoSecretIn(addresses, 'liquorice-tea-9');
  await context.close();
});

test('without the script, a reset code sets her new password', async () => {
  const [nargiza] = await signUpEntrepreneurs(sawda.url, ADMIN, [
    { phone: '+998903004062', name: 'Nargiza', password: 'sesame-bread-1' },
  ]);
  const { adminCookie } = await invite(1);
  const issued = await api(sawda.url, 'POST', `/accounts/${nargiza.id}/reset-code`, { cookie: adminCookie, body: {} });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  const { context, page } = await phone(browser, { locale: 'en-GB', javaScriptEnabled: false });
  const addresses = addressesOf(page);
  await page.goto(`${sawda.url}/reset-password`);
  await typeInto(page, 'input[name="phone"]', '+998903004062');
  await typeInto(page, 'input[name="code"]', 'AAAA-AAAA');
  await typeInto(page, 'input[name="password"]', 'sesame-bread-2');
  await page.click('form button[type="submit"]');
  await page.waitForLoadState('load');
  assert.equal(await page.textContent('.problem'), en['error.reset_code_invalid']);
  assert.equal(await page.inputValue('input[name="phone"]'), '+998903004062');

  await typeInto(page, 'input[name="code"]', issued.body.code);
  await typeInto(page, 'input[name="password"]', 'sesame-bread-2');
  await page.click('form button[type="submit"]');
  await page.waitForSelector('.notice');
  assert.equal(await page.textContent('.notice'), en['reset.done']);
  const signedIn = await api(sawda.url, 'POST', '/auth/sign-in', { body: { phone: nargiza.phone, password: 'sesame-bread-2' } });
  assert.equal(signedIn.status, 200);
  assertNoSecretIn(addresses, 'sesame-bread-');
  await context.close();
});

test('a refused sign-in keeps everything she typed, the password too, and no connection says so (4x CPU)', async () => {
  const [dilnoza] = await signUpEntrepreneurs(sawda.url, ADMIN, [
    { phone: '+998903004063', name: 'Dilnoza', password: 'apricot-jam-11' },
  ]);
  const { context, page, problems } = await phone(browser, { locale: 'en-GB', serviceWorkers: 'block' });
  await slowCpu(page);
  // Sign-in is drawn without the app (app/src/shell.rs): its form works as soon as it shows.
  await page.goto(`${sawda.url}/sign-in`, { waitUntil: 'domcontentloaded' });
  await page.evaluate(() => { window.sawdaMark = 'this page'; });
  await typeInto(page, 'input[name="phone"]', '90 300 40 63');
  await typeInto(page, 'input[name="password"]', 'apricot-jam-12');
  await page.click('form button[type="submit"]');
  await page.waitForFunction((said) => document.querySelector('.problem[role="alert"]')?.textContent === said,
    en['error.invalid_credentials']);
  assert.equal(await page.evaluate(() => window.sawdaMark), 'this page', 'refused without leaving the page');
  assert.equal(await page.inputValue('input[name="phone"]'), '90 300 40 63');
  assert.equal(await page.inputValue('input[name="password"]'), 'apricot-jam-12', 'her password stays to correct');

  // No connection: she is told, and nothing she typed goes.
  await context.setOffline(true);
  await typeInto(page, 'input[name="password"]', 'apricot-jam-11');
  await page.click('form button[type="submit"]');
  await page.waitForFunction((said) => document.querySelector('.problem[role="alert"]')?.textContent === said,
    en['error.offline']);
  assert.equal(await page.inputValue('input[name="password"]'), 'apricot-jam-11');
  assert.equal(await page.isEnabled('form button[type="submit"]'), true, 'she can send it again');

  await context.setOffline(false);
  await page.click('form button[type="submit"]');
  await page.waitForURL('**/studio');
  assert.ok(await signedInAs(context, dilnoza.phone));
  assert.deepEqual(realProblems(problems), []);
  await context.close();
});

test('signed in without the script on a phone that remembers someone else, the studio opens her own store', async () => {
  const [first, second] = await signUpEntrepreneurs(sawda.url, ADMIN, [
    { phone: '+998903004064', name: 'Feruza', password: 'walnut-halva-1' },
    { phone: '+998903004065', name: 'Sanobar', password: 'walnut-halva-2' },
  ]);
  const { context, page, problems } = await phone(browser, { locale: 'en-GB', serviceWorkers: 'block' });
  // Her sister signed in on this family phone with the script; her session has since ended.
  await signInOnPage(page, sawda.url, { phone: first.phone, password: 'walnut-halva-1' });
  await ready(page);
  await typeInto(page, '#storefront-name', 'Feruza walnut halva');
  await expectStatus(page, en['sync.all_saved']);
  await context.clearCookies();
  // From now on, every frame: her sister's storefront is never on screen, not
  // even for a moment (as text before the app, or in the app's field).
  await page.addInitScript(() => {
    const watch = () => {
      const shown = [document.querySelector('.first-screen-name')?.textContent, document.querySelector('#storefront-name')?.value];
      if (shown.includes('Feruza walnut halva')) sessionStorage.setItem('sister-seen', location.pathname);
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  });

  // The sign-in page's script never arrives; the studio's does.
  const refuse = (route) => route.abort();
  await page.route(/\.wasm$/, refuse);
  await page.goto(`${sawda.url}/sign-in`);
  await typeInto(page, 'input[name="phone"]', second.phone);
  await typeInto(page, 'input[name="password"]', 'walnut-halva-2');
  await page.unroute(/\.wasm$/, refuse);
  await page.click('form button[type="submit"]');
  await page.waitForURL('**/studio');
  problems.length = 0; // the refused script's own complaints
  await ready(page);
  await expectStatus(page, en['sync.all_saved']);
  const remembered = await page.evaluate(() => JSON.parse(localStorage.getItem('sawda.account')));
  assert.equal(remembered.id, second.id, 'the phone now remembers who signed in');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('sister-seen')), null, "her sister's storefront was shown");
  assert.equal(await page.inputValue('#storefront-name'), '');
  assert.deepEqual(realProblems(problems), []);
  await context.close();
});
