// The studio's first screen, before the app: her storefront's name and her
// products, read from the phone's store and shown as text while the app
// loads (on a slow phone that is most of a second). Nothing here can be typed
// into, so nothing she types can be lost when the app takes over; the app
// replaces this when her stored records are on its fields.
//
// Inline in the studio's page (shell.rs), so it starts while the page is
// parsed. It only reads. The store is the app's (app/src/device/indexed_db.rs and
// store.rs: database `sawda` version 1, her records under `<her id>/…` in
// `records`, each a record as JSON); a phone with no store here gets nothing
// made, and anything unexpected shows nothing.
(() => {
  const SHOWN_PRODUCTS = 6;

  // Whom the server's session on this phone is for (the cookie `sawda_who`,
  // app::wire::SIGNED_IN_COOKIE): someone signed in with a form posted before
  // the script arrived is not the person this phone remembers, and must not
  // see that person's storefront.
  function signedInHere() {
    const pair = document.cookie.split(';').map((p) => p.trim().split('=')).find(([name]) => name === 'sawda_who');
    return pair && pair[1] ? pair[1] : null;
  }

  function remembered(db) {
    try {
      const account = JSON.parse(localStorage.getItem('sawda.account') || 'null');
      if (account && typeof account.id === 'string') return Promise.resolve(account.id);
    } catch (_) { /* local storage off: IndexedDB below */ }
    return request(db.transaction('device').objectStore('device').get('account'))
      .then((text) => (typeof text === 'string' ? JSON.parse(text).id : null));
  }

  async function whoIsHere(db) {
    const id = await remembered(db);
    const session = signedInHere();
    return session && session !== id ? null : id;
  }

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open('sawda', 1);
      // No store on this phone: make nothing (the app makes it, with its tables).
      req.onupgradeneeded = () => req.transaction.abort();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('blocked'));
    });
  }

  const value = (record, field) => record.fields?.[field]?.v;

  async function read() {
    const db = await open();
    try {
      const owner = await whoIsHere(db);
      if (!owner) return null;
      const range = IDBKeyRange.bound(`${owner}/`, `${owner}0`, false, true);
      const rows = await request(db.transaction('records').objectStore('records').getAll(range));
      const records = rows.map((row) => JSON.parse(row)).filter((record) => !record.deleted);
      const storefront = records.find((record) => record.kind === 'storefront');
      const products = records
        .filter((record) => record.kind === 'product' && typeof value(record, 'name') === 'string')
        .sort((a, b) => (value(a, 'position') ?? 0) - (value(b, 'position') ?? 0));
      return { name: storefront && value(storefront, 'name'), products: products.map((p) => value(p, 'name')) };
    } finally {
      db.close();
    }
  }

  function show(found) {
    const place = document.getElementById('studio-first-screen');
    if (!place || !place.isConnected || !found || typeof found.name !== 'string' || found.name.trim() === '') return;
    const name = document.createElement('p');
    name.className = 'first-screen-name';
    name.textContent = found.name;
    place.append(name);
    if (found.products.length > 0) {
      const list = document.createElement('ul');
      list.className = 'first-screen-products';
      for (const product of found.products.slice(0, SHOWN_PRODUCTS)) {
        const item = document.createElement('li');
        item.textContent = product;
        list.append(item);
      }
      place.append(list);
    }
  }

  const found = read().catch(() => null);
  let done;
  let waitedEnough;
  const shown = new Promise((resolve) => { done = resolve; });
  const cap = new Promise((resolve) => { waitedEnough = resolve; });
  // `__firstScreenDone` tells the browser tests it has finished, drawn or not.
  // The app waits until this screen has been painted, not only drawn: its
  // start is one long task, and a screen drawn just before it was seen only
  // after it (0.3 s later on a slow phone, in half the runs measured).
  const drawn = () => {
    setTimeout(waitedEnough, 400);
    found.then(show).finally(() => {
      window.__firstScreenDone = true;
      requestAnimationFrame(() => setTimeout(done, 0));
    });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawn, { once: true });
  else drawn();

  // The app's start (its wasm instance, then hydration) runs on the page's one
  // thread, and the store's answer would wait behind it: on a slow phone the
  // app itself was on screen before this. So the app's first module compiles
  // as it arrives, off the page's thread, and starts once this screen is drawn
  // (or at most 0.4 s after the page was parsed, should the store not answer;
  // counted from the parse, not from here, which on a slow phone was a race
  // with the store's answer). Only the first module's start waits.
  const streaming = WebAssembly.instantiateStreaming;
  const ready = Promise.race([shown, cap]);
  WebAssembly.instantiateStreaming = async (source, imports) => {
    WebAssembly.instantiateStreaming = streaming;
    const module = await WebAssembly.compileStreaming(source);
    await ready;
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };
})();
