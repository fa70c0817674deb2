// Vigil's service worker: keeps the app shell (index.html and the built assets) so the dashboard opens
// when the network is slow or away, and shows Web Push alerts. It never caches API data: /api/ and
// /socket.io requests are not touched (the browser sends them to the server as if there were no worker).
const SHELL = "vigil-shell-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(["/", "/manifest.webmanifest", "/icons/icon-192.png"]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function isShell(url) {
  return url.pathname.startsWith("/assets/") || url.pathname.startsWith("/icons/");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/socket.io")) return; // never API data
  if (request.mode === "navigate") {
    // pages: the network first (a new build wins), the cached shell when offline
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            void caches.open(SHELL).then((cache) => cache.put("/", copy));
          }
          return response;
        })
        .catch(() => caches.match("/").then((cached) => cached || Response.error())),
    );
    return;
  }
  if (isShell(url)) {
    // built assets have content hashes in their names: the cache first, filled on first use
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(SHELL).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});

// A Web Push alert (backend/vigil/alerts/channels/webpush.py): title, body, the snapshot thumbnail and the
// incident's link; one notification per incident (tag), replaced by its updates.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: "Vigil", body: event.data ? event.data.text() : "" };
  }
  const title = typeof data.title === "string" ? data.title : "Vigil alert";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof data.body === "string" ? data.body : "",
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      image: typeof data.image === "string" ? data.image : undefined,
      tag: typeof data.tag === "string" ? data.tag : undefined,
      renotify: true,
      data: { url: typeof data.url === "string" ? data.url : "/incidents" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/incidents", self.location.origin);
  // only this dashboard's own pages open from a notification
  const url =
    target.origin === self.location.origin
      ? target.href
      : new URL(target.pathname, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if ("navigate" in client && client.url.startsWith(self.location.origin)) {
          return client.focus().then(() => client.navigate(url));
        }
      }
      return self.clients.openWindow(url);
    }),
  );
});
