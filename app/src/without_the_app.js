// The script of a page drawn without the app (app/src/shell.rs). It does what
// the app does on its own pages, in a few lines:
// - registers the service worker once the page has loaded, so the release is
//   kept for offline use while she reads or types;
// - keeps the language in step with the device (app/src/device/language.rs):
//   the page's language is remembered while the cookie names one, and one
//   remembered on the device comes back when the cookie is lost;
// - a language tapped keeps the address's query (a sign-up code), and offline
//   she stays on the page with a line saying so, not the browser's error page;
// - a form is sent without leaving the page: a refusal shows its reasons
//   beside what she typed (the password too, which the server never writes
//   back), and no connection says so; the server's own answer to the form is
//   the same page (server/src/api/account_forms.rs), so without this script,
//   or if it fails, the browser posts the form itself.
(() => {
  const offlineText = document.currentScript && document.currentScript.dataset.offline;
  const KEY = 'sawda.language';
  const CODES = ['kaa', 'uz', 'ru', 'en'];
  const here = () => location.pathname + location.search;
  const choose = (code) => `/language/${code}?next=${encodeURIComponent(here())}`;
  if ('serviceWorker' in navigator) {
    addEventListener('load', () => navigator.serviceWorker.register('/sw.js').catch(() => {}));
  }
  try {
    const shown = document.documentElement.lang;
    if (document.cookie.split(';').some((c) => c.trim().startsWith('sawda_lang='))) {
      localStorage.setItem(KEY, JSON.stringify(shown));
    } else {
      const saved = JSON.parse(localStorage.getItem(KEY));
      if (CODES.includes(saved) && saved !== shown && navigator.onLine) location.replace(choose(saved));
    }
  } catch (_) { /* storage off or unreadable: the server's choice stands */ }
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('.language-switcher a[hreflang]');
    if (!link) return;
    event.preventDefault();
    if (navigator.onLine) {
      location.assign(choose(link.hreflang));
    } else {
      const line = document.querySelector('.language-offline');
      if (line) line.hidden = false;
    }
  });
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (form.method !== 'post' || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    const alert = form.querySelector('.problem[role="alert"]');
    if (button) button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin',
      });
      // Signed in (or reset): the server sent her on; she follows.
      if (response.redirected) return location.assign(response.url);
      showProblems(form, new DOMParser().parseFromString(await response.text(), 'text/html'));
    } catch (_) {
      if (alert && offlineText) alert.textContent = offlineText;
    } finally {
      if (button) button.disabled = false;
    }
  });
  // The server's page drawn again names each field's problem and the form's:
  // they replace this page's, and nothing she typed is touched.
  function showProblems(form, drawn) {
    const again = drawn.querySelector('form[method="post"]');
    if (!again) throw new Error('no form in the answer');
    for (const input of form.querySelectorAll('.field input[name]')) {
      const field = input.closest('.field');
      const twin = again.querySelector(`input[name="${input.name}"]`);
      const problem = twin && twin.closest('.field').querySelector('.field-problem');
      const old = field.querySelector('.field-problem');
      if (old) old.remove();
      if (problem) field.append(document.importNode(problem, true));
      for (const name of ['aria-invalid', 'aria-describedby']) {
        const value = twin && twin.getAttribute(name);
        if (value === null || value === undefined) input.removeAttribute(name); else input.setAttribute(name, value);
      }
    }
    const alert = form.querySelector('.problem[role="alert"]');
    const said = again.querySelector('.problem[role="alert"]');
    if (alert) alert.textContent = said ? said.textContent : '';
  }
})();
