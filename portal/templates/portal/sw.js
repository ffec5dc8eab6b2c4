// The service worker for Web Push (served at /sw.js so its scope is the whole site; no page is
// cached by it). A push carries {title, body, url, tag}, encrypted for this browser alone.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {body: event.data && event.data.text()}; }
  event.waitUntil(self.registration.showNotification(data.title || "Call Portal", {
    body: data.body || "",
    tag: data.tag,  // a repeated push replaces the first instead of alerting twice
    data: {url: data.url || "/notifications/"},
    requireInteraction: true
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL(event.notification.data.url || "/notifications/", self.location.origin).href;
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (var i = 0; i < windows.length; i += 1) {
      if (windows[i].url === target && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(target);
  }));
});
