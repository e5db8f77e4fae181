// Sawda's service worker: after one visit, the studio opens and works with no
// network, a cold reload included.
//
// The server serves this file as /sw.js with a first line
//   const SAWDA = { release, files, pages };
// naming this release (a hash of the app bundle's content), the bundle's
// files (under /pkg/<release>/) and the pages kept for offline use
// (server/src/http/release.rs). Each release has its own cache, so a page of one
// release never gets another release's wasm.
//
// - Install: keep the release's files and pages, all or nothing, asking
//   again when a request fails.
// - Update: a new worker waits until the page asks it to take over (the
//   "new version" notice), so an open page is never switched under its feet.
// - Pages: from the network when it answers within a few seconds (and kept,
//   unless `keepable` says no), else the kept copy, else the "no connection"
//   page. Signing out removes every kept page but the offline ones
//   (app/src/device/account.rs). A page it answers loses its preloads of the
//   lazy pages' chunks: they are in this cache, and on a slow phone each preload
//   costs the page's thread some 10 ms before it can draw (the studio's 40
//   held her storefront back by half a second).
// - The bundle: from the cache; it never changes under its name.
// - The API is never cached: the app's own store handles offline data.

/* global SAWDA */
const CACHE = `sawda-${SAWDA.release}`;
const PAGE_TIMEOUT_MS = 4000;

// A request of the install that fails (a dropped connection on 2G, a socket
// the server closed) fails the whole install, and the browser throws the
// worker away; so the install asks again, a few times, before it gives up.
const INSTALL_ATTEMPTS = 4;

async function keepAll(cache, paths) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cache.addAll(paths);
    } catch (error) {
      if (attempt >= INSTALL_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await keepAll(cache, SAWDA.files);
    await keepAll(cache, SAWDA.pages);
    // The first worker takes over at once: there is nothing to be out of step with.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith('sawda-') && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'take-over') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (path.startsWith('/api/') || path.startsWith('/language/') || path === '/sw.js' || path === '/healthz') return;
  if (request.mode === 'navigate') {
    event.respondWith(page(event, url));
  } else if (path.startsWith('/pkg/') || SAWDA.files.includes(path)) {
    event.respondWith(kept(request, path));
  }
});

// Opened once: a page asks for some 50 of the bundle's files at once.
let releaseCache;
const ownCache = () => (releaseCache ??= caches.open(CACHE));

async function kept(request, path) {
  const cache = await ownCache();
  // By path, in this release's cache only: an exact key is looked up, where
  // `ignoreSearch` or every cache at once would be a scan per file.
  const cached = await cache.match(path, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && path.startsWith(`/pkg/${SAWDA.release}/`)) await cache.put(path, response.clone());
  return response;
}

// Whether a page may be kept on the phone, where whoever holds it next can
// open it offline. Not with a query (it may carry a one-time code), not one
// the server marked for one person (`private`) or for nobody (`no-store`),
// and no storefront or product page: her preview of her own storefront
// lives at the same address buyers later use.
function keepable(url, response) {
  if (!response.ok || response.redirected || response.type !== 'basic' || url.search !== '') return false;
  if (url.pathname.startsWith('/s/')) return false;
  const control = (response.headers.get('cache-control') || '').toLowerCase();
  return !/(^|[\s,])(no-store|private)([\s,=]|$)/.test(control);
}

async function page(event, url) {
  return withoutPreloads(await keptOrFetched(event, url));
}

// The lazy pages' chunks (`chunk_N.wasm`, `split_*.wasm`), not the first module.
const PRELOAD = /<link [^>]*href="[^"]*\/(chunk|split)_[^"/]*\.wasm"[^>]*>/g;

async function withoutPreloads(response) {
  const type = response.headers.get('content-type') || '';
  if (!response.ok || response.redirected || response.type !== 'basic' || !type.startsWith('text/html')) return response;
  const html = (await response.text()).replace(PRELOAD, '');
  const headers = new Headers(response.headers);
  // The text is decoded now; its compressed length no longer holds.
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(html, { status: response.status, statusText: response.statusText, headers });
}

async function keptOrFetched(event, url) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(event.request).then(async (response) => {
    if (keepable(url, response)) await cache.put(url.pathname, response.clone());
    return response;
  });
  event.waitUntil(fromNetwork.catch(() => undefined));
  try {
    return await Promise.race([
      fromNetwork,
      new Promise((_, reject) => setTimeout(() => reject(new Error('slow')), PAGE_TIMEOUT_MS)),
    ]);
  } catch (_) {
    const copy = await cache.match(url.pathname, { ignoreVary: true });
    if (copy) return copy;
    try {
      return await fromNetwork;
    } catch (_) {
      return (await cache.match('/offline', { ignoreVary: true })) || Response.error();
    }
  }
}
