// The bell in the page header, kept current over /ws/notifications/ (README, "Notifications"),
// and the browser's own notifications when the person has allowed them (asked only on the
// notification centre's button: browsers refuse a prompt that no click asked for).
(function () {
  "use strict";
  var bell = document.querySelector("[data-notification-bell]");
  if (!bell || !window.WebSocket) { return; }
  var countBox = bell.querySelector("[data-unread-count]");
  var lastSeq = null, attempt = 0, socket = null, stopped = false, watchdog = null;
  var SILENCE_MS = 70000;  // the server sends a frame at least every 30 s

  function setCount(count) {
    countBox.textContent = String(count);
    countBox.classList.toggle("bell-count-zero", count === 0);
  }

  function canShow() {
    return "Notification" in window && Notification.permission === "granted";
  }

  function show(frame) {
    if (!canShow() || frame.read) { return; }
    var note = new Notification(frame.text, {tag: "call-portal-" + frame.id, lang: document.documentElement.lang,
                                             dir: document.documentElement.dir === "rtl" ? "rtl" : "ltr"});
    note.onclick = function () {
      window.focus();
      if (frame.url) { window.location.href = frame.url; }
      note.close();
    };
  }

  function watch(ws) {
    clearTimeout(watchdog);
    watchdog = setTimeout(function () { if (ws === socket) { ws.close(); } }, SILENCE_MS);
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    // The first connection asks for what is new from now on; a reconnection resumes after the last seq seen.
    var query = lastSeq === null ? "" : "?after=" + lastSeq;
    var ws = new WebSocket(proto + location.host + bell.dataset.streamPath + query);
    var live = false;  // frames before the first `unread` are a replay: counted, not shown again
    socket = ws;
    ws.onopen = function () { attempt = 0; watch(ws); };
    ws.onmessage = function (event) {
      if (ws !== socket) { return; }
      watch(ws);
      var frame = JSON.parse(event.data);
      if (frame.type === "unread") {
        setCount(frame.count);
        if (lastSeq === null) { lastSeq = 0; }
        live = true;
      } else if (frame.type === "notification") {
        lastSeq = frame.seq;
        if (live && !frame.read) {
          setCount(parseInt(countBox.textContent, 10) + 1);
          show(frame);
        }
      }
    };
    ws.onclose = function (event) {
      if (ws !== socket) { return; }
      clearTimeout(watchdog);
      if (event.code === 4401) { stopped = true; return; }  // signed out: nothing more to hear
      var delay = Math.min(30, Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(function () { if (!stopped) { connect(); } }, delay * 1000);
    };
  }
  connect();

  // The notification centre's "Show desktop alerts" button.
  var panel = document.querySelector("[data-desktop-alerts]");
  if (panel && "Notification" in window) {
    var button = panel.querySelector("[data-enable-desktop-alerts]");
    var status = panel.querySelector("[data-desktop-alerts-status]");
    var render = function () {
      var permission = Notification.permission;
      button.hidden = permission !== "default";
      status.textContent = permission === "granted" ? panel.dataset.textGranted
        : permission === "denied" ? panel.dataset.textDenied : "";
    };
    button.addEventListener("click", function () {
      var asked = Notification.requestPermission(render);
      if (asked && asked.then) { asked.then(function () { render(); subscribe(panel, status); }); }
    });
    panel.hidden = false;
    render();
    subscribe(panel, status);
  }

  // Web Push, once allowed: the service worker (/sw.js) shows alerts while no tab is open.
  // Where the browser's push service cannot be reached, the alerts above still work.
  function subscribe(box, status) {
    if (Notification.permission !== "granted" || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
    var key = box.dataset.pushKey.replace(/-/g, "+").replace(/_/g, "/");
    key += "===".slice((key.length + 3) % 4);
    var raw = atob(key), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).then(function (registration) {
      return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: bytes});
    }).then(function (subscription) {
      var token = box.querySelector("input[name=csrfmiddlewaretoken]").value;
      return fetch(box.dataset.subscribeUrl, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(subscription.toJSON()),
        headers: {"Content-Type": "application/json", "X-CSRFToken": token}
      });
    }).then(function (response) {
      if (response.ok) { status.textContent = box.dataset.textGranted + " " + box.dataset.textPush; }
    }).catch(function () { /* no push service reachable: in-page alerts only */ });
  }
})();
