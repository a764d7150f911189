// The portal's service worker, served as /sw.js (scope: the whole portal) by
// themes.views_shell, which puts its settings in front of this file:
// self.DANGKE_SHELL = {version, shell, offline, static}.
//
// - install: keep the shell (CSS, scripts, icons, theme colours, the offline page)
//   in a cache named after the static files' hash, so a deploy names a new one;
// - the portal's static files: cache first (kept on first use);
// - pages: network first; when the network fails, the kept offline page. Pages are
//   never stored: they are a member's own;
// - everything else (the API, signed media and segment URLs, the admin, any POST
//   such as a heartbeat) is not touched: the browser fetches it as without a worker.

const { version, shell, offline, static: staticPrefix } = self.DANGKE_SHELL;
const PREFIX = "dangke-shell-";
const CACHE = `${PREFIX}${version}`;
const PASS_THROUGH = ["/api/", "/admin/", "/django-admin/", "/media/", "/documents/", "/sw.js"];
const REVALIDATED = ["/theme.css"]; // the site's colours: kept, and refreshed behind

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(shell.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith(PREFIX) && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

// 长辈模式 changed (portal.js says so): keep the offline page in the new size.
self.addEventListener("message", (event) => {
  if (event.data?.type === "refresh-offline") {
    event.waitUntil(
      caches.open(CACHE).then((cache) => cache.add(new Request(offline, { cache: "reload" }))),
    );
  }
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PASS_THROUGH.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === "navigate") {
    event.respondWith(pageOrOffline(request));
  } else if (REVALIDATED.includes(url.pathname)) {
    event.respondWith(keptAndRefreshed(event, request));
  } else if (url.pathname.startsWith(staticPrefix) && !request.headers.has("range")) {
    event.respondWith(cacheFirst(request));
  }
});

async function pageOrOffline(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const kept = await caches.match(offline, { cacheName: CACHE });
    if (kept) return kept;
    throw error;
  }
}

function keep(cache, request, response) {
  if (response.ok && response.type === "basic") {
    return cache.put(request, response.clone());
  }
  return Promise.resolve();
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  await keep(cache, request, response);
  return response;
}

async function keptAndRefreshed(event, request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  const fresh = fetch(request).then(async (response) => {
    await keep(cache, request, response);
    return response;
  });
  if (kept) {
    event.waitUntil(fresh.catch(() => undefined));
    return kept;
  }
  return fresh;
}
