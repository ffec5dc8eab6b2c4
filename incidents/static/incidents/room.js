// The live room: history from the items API, live items over the websocket,
// reconnection with backoff that resumes from the last seq seen.
// Text is only ever set with textContent: room content is never parsed as HTML.
(function () {
  "use strict";

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function start(room) {
    var strings = JSON.parse(document.getElementById("room-strings").textContent);
    var list = document.getElementById("room-items");
    var status = document.getElementById("room-connection");
    var older = document.getElementById("room-older");
    var presence = document.getElementById("room-presence");
    var composer = document.getElementById("room-composer");
    var body = document.getElementById("room-body");
    var errorBox = document.getElementById("room-error");
    var itemsUrl = room.dataset.itemsUrl;
    var firstSeq = null, lastSeq = 0, socket = null, attempt = 0, stopped = false, everConnected = false;
    var pending = {}; // client_id -> {body, element}: re-sent after a reconnect until acknowledged

    function render(item) {
      var li = document.createElement("li");
      li.className = "room-item room-item-" + item.kind;
      li.dataset.seq = item.seq;
      var meta = document.createElement("div");
      meta.className = "room-meta";
      var who = item.author ? item.author.name : strings.system;
      if (item.organization) { who += " · " + item.organization.name; }
      meta.textContent = who + " · ";
      var time = document.createElement("time");
      time.dateTime = item.created_at;
      time.textContent = new Date(item.created_at).toLocaleTimeString();
      meta.appendChild(time);
      var text = document.createElement("div");
      text.className = "room-body";
      text.textContent = item.body;
      li.appendChild(meta); li.appendChild(text);
      return li;
    }

    function append(item) {
      if (item.seq <= lastSeq) { return; }
      if (item.client_id && pending[item.client_id]) {
        pending[item.client_id].element.remove();
        delete pending[item.client_id];
      }
      var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
      list.appendChild(render(item));
      if (atBottom) { list.scrollTop = list.scrollHeight; }
      lastSeq = item.seq;
      if (firstSeq === null) { firstSeq = item.seq; }
    }

    function loadOlder() {
      var url = itemsUrl + "?limit=50" + (firstSeq !== null ? "&before=" + firstSeq : "");
      return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (page) {
          var anchor = list.firstChild;
          page.results.forEach(function (item) {
            if (firstSeq !== null && item.seq >= firstSeq) { return; }
            list.insertBefore(render(item), anchor);
          });
          if (page.results.length) {
            firstSeq = page.results[0].seq;
            lastSeq = Math.max(lastSeq, page.results[page.results.length - 1].seq);
          }
          older.hidden = !page.has_more;
        });
    }

    function showPresence(users) {
      presence.textContent = "";
      users.forEach(function (u) {
        var li = document.createElement("li"); li.textContent = u.name; presence.appendChild(li);
      });
    }

    function send(clientId) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({type: "message", client_id: clientId, body: pending[clientId].body}));
      }
    }

    function connect() {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(proto + location.host + room.dataset.wsPath + "?after=" + lastSeq);
      socket.onopen = function () {
        status.textContent = everConnected ? fmt(strings.resumed, {seq: lastSeq}) : strings.live;
        everConnected = true;
        attempt = 0;
        Object.keys(pending).forEach(send);
      };
      socket.onmessage = function (event) {
        var frame = JSON.parse(event.data);
        if (frame.type === "item") { append(frame); }
        else if (frame.type === "presence") { showPresence(frame.users); }
        else if (frame.type === "error") {
          if (frame.client_id && pending[frame.client_id]) {
            pending[frame.client_id].element.remove();
            delete pending[frame.client_id];
          }
          errorBox.textContent = frame.detail; errorBox.hidden = false;
        }
      };
      socket.onclose = function (event) {
        if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
          stopped = true;
          status.textContent = strings["closed_" + event.code];
          if (composer) { composer.hidden = true; }
          return;
        }
        var delay = Math.min(30, Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
        attempt += 1;
        status.textContent = fmt(strings.reconnecting, {s: Math.ceil(delay)});
        setTimeout(function () { if (!stopped) { connect(); } }, delay * 1000);
      };
    }

    if (composer) {
      composer.addEventListener("submit", function (event) {
        event.preventDefault();
        var text = body.value;
        if (!text.trim()) { return; }
        errorBox.hidden = true;
        var clientId = uuid();
        var element = render({seq: 0, kind: "chat", author: null, organization: null, body: text,
                              created_at: new Date().toISOString()});
        element.classList.add("room-item-pending");
        element.querySelector(".room-meta").textContent = strings.pending;
        list.appendChild(element);
        pending[clientId] = {body: text, element: element};
        body.value = "";
        send(clientId);
      });
      body.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          composer.requestSubmit();
        }
      });
    }
    older.addEventListener("click", function () { loadOlder(); });

    function boot() {
      loadOlder().then(connect, function () {
        status.textContent = strings.load_failed;
        setTimeout(boot, 3000);
      });
    }
    boot();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var room = document.getElementById("room");
    if (room) { start(room); }
  });
})();
