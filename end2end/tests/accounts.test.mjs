import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSawda, launchBrowser, phone, ready, api, texts, outputDir, typeInto,
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
