// The live room: history from the items API (older pages load as the reader scrolls up,
// or with the "Load older messages" button), live items over the websocket,
// reconnection with backoff that resumes from the last seq seen, and the indicator,
// action and status panels kept up to date from the room items as they arrive.
// Text is only ever set with textContent: room content is never parsed as HTML.
(function () {
  "use strict";

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  // Times in the page's language (the one the site is shown in), not the browser's default,
  // and in the person's own time zone (the one the server renders the page in: its meta), to
  // the second and naming the zone: in a crisis everyone reads the same clock.
  var pageLang = document.documentElement.lang || undefined;
  var zoneMeta = document.querySelector('meta[name="time-zone"]');
  var pageZone = (zoneMeta && zoneMeta.content) || undefined;

  function formatDate(date, options) {
    var withZone = Object.assign({timeZone: pageZone, timeZoneName: "short"}, options);
    try {
      return date.toLocaleString(pageLang, withZone);
    } catch (e) {  // a language tag or zone the browser does not know
      return date.toLocaleString(undefined, Object.assign({timeZoneName: "short"}, options));
    }
  }

  function timeText(iso) {
    return formatDate(new Date(iso), {hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }

  function dateTimeText(iso) {
    return formatDate(new Date(iso), {year: "numeric", month: "short", day: "numeric",
                                      hour: "2-digit", minute: "2-digit"});
  }

  // The wall-clock time now in an IANA zone, or "" when the browser does not know the zone.
  function localTime(zone) {
    try {
      return new Date().toLocaleTimeString(pageLang, {hour: "2-digit", minute: "2-digit", timeZone: zone});
    } catch (e) {
      return "";
    }
  }

  // The room and the composer take what is left of the screen below where the layout starts,
  // so both are in view without scrolling the page (incidents.css). Not below a floor: on a
  // very short screen the page scrolls instead of the list vanishing.
  function fitToScreen(layout) {
    var floor = 16 * parseFloat(getComputedStyle(document.documentElement).fontSize);
    function fit() {
      var top = layout.getBoundingClientRect().top + window.scrollY;
      var height = Math.max(floor, window.innerHeight - top - 8);
      layout.style.setProperty("--room-height", height + "px");
      layout.classList.add("is-sized");
    }
    fit();
    window.addEventListener("resize", fit);
  }

  // The skip link and the "/" key (documented under the composer) put the focus in it; "/"
  // only when the person is not typing somewhere else.
  function composerShortcuts(body) {
    var skip = document.getElementById("skip-to-composer");
    if (skip) {
      skip.addEventListener("click", function (event) { event.preventDefault(); body.focus(); });
    }
    document.addEventListener("keydown", function (event) {
      // The key that types "/" on a US layout too: on an Arabic layout it types another letter.
      var slash = event.key === "/" || (event.code === "Slash" && !event.shiftKey);
      if (!slash || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
      var target = event.target;
      if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
      if (body.closest("[hidden]")) { return; }
      event.preventDefault();
      body.focus();
    });
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
    var viewer = JSON.parse(document.getElementById("room-viewer").textContent);
    var list = document.getElementById("room-items");
    var status = document.getElementById("room-connection");
    var older = document.getElementById("room-older");
    var presence = document.getElementById("room-presence");
    var composer = document.getElementById("room-composer");
    var body = document.getElementById("room-body");
    var errorBox = document.getElementById("room-error");
    var announcer = document.getElementById("room-announcer");
    var itemsUrl = room.dataset.itemsUrl;
    var panels = makePanels(strings, viewer, room, showClosed);
    var renderedSeq = Number(room.dataset.renderedSeq || 0);
    var firstSeq = null, lastSeq = 0, socket = null, attempt = 0, stopped = false, everConnected = false;
    var hasMore = false, loading = null, observer = null;
    var pending = {}; // client_id -> {body, element}: re-sent after a reconnect until acknowledged
    var layout = document.getElementById("room-layout");
    if (layout) { fitToScreen(layout); }
    if (body) { composerShortcuts(body); }

    function render(item) {
      var li = document.createElement("li");
      li.className = "room-item room-item-" + item.kind;
      li.dataset.seq = item.seq;
      var meta = document.createElement("div");
      meta.className = "room-meta";
      var who = item.author ? item.author.name : strings.system;
      if (item.organization) { who += " · " + item.organization.name; }
      var whoSpan = document.createElement("span");
      whoSpan.dir = "auto";
      whoSpan.textContent = who;
      meta.appendChild(whoSpan);
      if (item.author && item.author.id === viewer.user_id) {
        li.classList.add("room-item-own");
        meta.appendChild(document.createTextNode(" "));
        var you = document.createElement("span");
        you.className = "room-you";
        you.textContent = strings.you;
        meta.appendChild(you);
      }
      meta.appendChild(document.createTextNode(" · "));
      var time = document.createElement("time");
      time.dateTime = item.created_at;
      time.textContent = timeText(item.created_at);
      meta.appendChild(time);
      var text = document.createElement("div");
      text.className = "room-body";
      text.dir = "auto";
      text.textContent = item.body;
      li.appendChild(meta); li.appendChild(text);
      return li;
    }

    function announce(item) {
      var who = item.author ? item.author.name : strings.system;
      var body = item.body.length > 200 ? item.body.slice(0, 200) + "…" : item.body;
      announcer.textContent = fmt(strings.new_item, {who: who, body: body});
    }

    // Live items: shown, applied to the panels and announced (own messages only shown).
    function append(item) {
      if (item.seq <= lastSeq) { return; }
      var own = false;
      if (item.client_id && pending[item.client_id]) {
        pending[item.client_id].element.remove();
        delete pending[item.client_id];
        own = true;
      }
      panels.apply(item);
      if (!own) { announce(item); }
      var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
      list.appendChild(render(item));
      if (atBottom) { list.scrollTop = list.scrollHeight; }
      lastSeq = item.seq;
      if (firstSeq === null) { firstSeq = item.seq; }
    }

    // One page of older items, put above what is shown without moving what the reader sees.
    function loadOlder() {
      if (loading) { return loading; }
      var initial = firstSeq === null;
      var url = itemsUrl + "?limit=50" + (initial ? "" : "&before=" + firstSeq);
      loading = fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (page) {
          var anchor = list.firstChild;
          var heightBefore = list.scrollHeight, topBefore = list.scrollTop;
          page.results.forEach(function (item) {
            if (firstSeq !== null && item.seq >= firstSeq) { return; }
            // Items stored after the page was rendered are not in its panels yet.
            if (item.seq > renderedSeq) { panels.apply(item); }
            list.insertBefore(render(item), anchor);
          });
          if (page.results.length) {
            firstSeq = page.results[0].seq;
            lastSeq = Math.max(lastSeq, page.results[page.results.length - 1].seq);
          }
          hasMore = page.has_more;
          if (!hasMore && document.activeElement === older) { list.focus(); }
          // Before scrolling: the button's line changes the height the list is given (incidents.css).
          older.hidden = !hasMore;
          // The first page opens at the newest message; later ones keep the reader's place.
          list.scrollTop = initial ? list.scrollHeight : topBefore + (list.scrollHeight - heightBefore);
          loading = null;
          watchTop();
        }, function (error) { loading = null; throw error; });
      return loading;
    }

    // The oldest item shown is the sentinel: scrolling up to it loads the page before it. (No
    // element of its own: the list holds only items.) Observing the new oldest item after each
    // page reports it at once if it is still in view, so a short page is followed by the next.
    function watchTop() {
      if (!("IntersectionObserver" in window)) { return; }  // the button still works
      if (!observer) {
        observer = new IntersectionObserver(function (entries) {
          if (hasMore && entries.some(function (e) { return e.isIntersecting; })) {
            loadOlder().catch(function () { older.hidden = false; });
          }
        }, {root: list, rootMargin: "200px 0px 0px 0px"});
      }
      observer.disconnect();
      if (hasMore && list.firstElementChild) { observer.observe(list.firstElementChild); }
    }

    // Who is in the room: the whole list arrives on joining (and with each heartbeat), then
    // only who joined and who left ("presence_change").
    var present = {};  // user id -> {id, name}

    function showPresence() {
      presence.textContent = "";
      Object.keys(present).map(function (id) { return present[id]; })
        .sort(function (a, b) { return a.name.localeCompare(b.name); })
        .forEach(function (u) {
          var li = document.createElement("li");
          var name = document.createElement("bdi");
          name.textContent = u.name;
          li.appendChild(name);
          // Older servers send only id and name (PRODUCT.md): the details are added, never required.
          var details = [];
          if (u.organization) { details.push(u.organization); }
          var local = u.time_zone ? localTime(u.time_zone) : "";
          if (local) { details.push(fmt(strings.local_time, {time: local, zone: u.time_zone})); }
          if (details.length) {
            var detail = document.createElement("span");
            detail.className = "presence-detail";
            detail.dir = "auto";
            detail.textContent = details.join(" · ");
            li.appendChild(detail);
          }
          presence.appendChild(li);
        });
    }
    // Local times move on: shown again every half minute.
    setInterval(showPresence, 30000);

    function setPresence(users) {
      present = {};
      users.forEach(function (u) { present[u.id] = u; });
      showPresence();
    }

    function changePresence(frame) {
      frame.joined.forEach(function (u) { present[u.id] = u; });
      frame.left.forEach(function (u) { delete present[u.id]; });
      showPresence();
    }

    // The incident was closed while the room was open: the server keeps the connection, so say it here.
    function showClosed() {
      if (socket && socket.readyState === WebSocket.OPEN) { status.textContent = strings.room_closed; }
    }

    function send(clientId) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({type: "message", client_id: clientId, body: pending[clientId].body}));
      }
    }

    // The server sends a frame at least every 30 s; silence for longer means a dead connection.
    var SILENCE_MS = 70000;
    var retryTimer = null, watchdog = null;

    function watch(ws) {
      clearTimeout(watchdog);
      watchdog = setTimeout(function () { if (ws === socket) { ws.close(); } }, SILENCE_MS);
    }

    function scheduleReconnect(text) {
      var delay = Math.min(30, Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      status.textContent = text || fmt(strings.reconnecting, {s: Math.ceil(delay)});
      clearTimeout(retryTimer);
      retryTimer = setTimeout(function () { if (!stopped) { connect(); } }, delay * 1000);
    }

    function connect() {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      // Without a proxy the ws process group listens on a port of its own (WEBSOCKET_PORT).
      var wsPort = document.querySelector('meta[name="websocket-port"]');
      var host = wsPort ? location.hostname + ":" + wsPort.content : location.host;
      var ws = new WebSocket(proto + host + room.dataset.wsPath + "?after=" + lastSeq);
      socket = ws;
      ws.onopen = function () {
        // A closed incident's room stays connected (items are still appended) but is live no more.
        if (!room.dataset.open) { status.textContent = strings.room_closed; }
        else { status.textContent = everConnected ? fmt(strings.resumed, {seq: lastSeq}) : strings.live; }
        everConnected = true;
        attempt = 0;
        watch(ws);
        Object.keys(pending).forEach(send);
      };
      ws.onmessage = function (event) {
        if (ws !== socket) { return; }
        watch(ws);
        var frame = JSON.parse(event.data);
        if (frame.type === "item") { append(frame); }
        else if (frame.type === "presence") { setPresence(frame.users); }
        else if (frame.type === "presence_change") { changePresence(frame); }
        else if (frame.type === "error") {
          if (frame.client_id && pending[frame.client_id]) {
            pending[frame.client_id].element.remove();
            delete pending[frame.client_id];
          }
          // A reader's page has no composer, so no error box (views/room.py: may_post).
          if (errorBox) { errorBox.textContent = frame.detail; errorBox.hidden = false; }
        }
      };
      ws.onclose = function (event) {
        if (ws !== socket) { return; }  // a connection already replaced
        clearTimeout(watchdog);
        if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
          stopped = true;
          status.textContent = strings["closed_" + event.code];
          if (composer) { composer.hidden = true; }
          return;
        }
        scheduleReconnect(navigator.onLine === false ? strings.offline : null);
      };
    }

    // Going offline may leave a dead socket open for minutes: close it at once, and
    // reconnect as soon as the network is back instead of waiting out the backoff.
    window.addEventListener("offline", function () {
      if (socket && !stopped) { socket.close(); }
    });
    window.addEventListener("online", function () {
      if (stopped || (socket && socket.readyState <= WebSocket.OPEN)) { return; }
      clearTimeout(retryTimer);
      attempt = 0;
      connect();
    });

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
        element.setAttribute("aria-hidden", "true");
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
    older.addEventListener("click", function () {
      loadOlder().catch(function () { status.textContent = strings.load_failed; });
    });

    function boot() {
      loadOlder().then(connect, function () {
        status.textContent = strings.load_failed;
        setTimeout(boot, 3000);
      });
    }
    boot();
  }

  // The indicator, action and acknowledgement panels, the status banner and the commander line.
  // Every update is idempotent: the page was rendered with some items already applied.
  // `viewer` says whose actions this user may mark done (views/room.py: room_viewer).
  function makePanels(strings, viewer, room, onClosed) {
    var indicators = document.getElementById("indicator-list");
    var actions = document.getElementById("action-list");
    var banner = document.getElementById("status-banner");

    function el(tag, className, text) {
      var node = document.createElement(tag);
      if (className) { node.className = className; }
      if (text !== undefined) { node.textContent = text; }
      return node;
    }

    function dropEmpty(list) {
      var empty = list.querySelector(".panel-empty");
      if (empty) { empty.remove(); }
    }

    // A form from a <template>, pointed at one indicator or action (the template uses id 0).
    function formFor(templateId, segment, id) {
      var template = document.getElementById(templateId);
      if (!template || !room.dataset.open) { return null; }
      var form = template.content.firstElementChild.cloneNode(true);
      form.action = form.getAttribute("action").replace("/" + segment + "/0/", "/" + segment + "/" + id + "/");
      form.querySelectorAll("[id]").forEach(function (node) { node.id = node.id.replace(/-0$/, "-" + id); });
      form.querySelectorAll("label[for]").forEach(function (node) {
        node.htmlFor = node.htmlFor.replace(/-0$/, "-" + id);
      });
      return form;
    }

    function indicator(item) {
      var d = item.data;
      if (d.list) {
        // A shared list is one item, not one per indicator: say so and offer to reload.
        if (!indicators.querySelector('[data-list-item="' + Number(item.seq) + '"]')) {
          var note = el("li", "indicator-list-note", fmt(strings.list_shared, {n: Number(d.added)}) + " ");
          note.dataset.listItem = Number(item.seq);
          var reload = el("button", "button button-small", strings.reload);
          reload.type = "button";
          reload.addEventListener("click", function () { window.location.reload(); });
          note.appendChild(reload);
          dropEmpty(indicators);
          indicators.appendChild(note);
        }
        return;
      }
      var id = Number(d.indicator);
      var li = indicators.querySelector('[data-indicator="' + id + '"]');
      if (!li && typeof d.value === "string") {
        li = el("li");
        li.dataset.indicator = id;
        var code = el("code", "indicator-value", d.value);
        code.dir = "auto";
        li.appendChild(code);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "muted indicator-kind", "(" + (strings.indicator_kinds[d.kind] || d.kind) + ")"));
        li.appendChild(el("ul", "platform-statuses"));
        var form = formFor("platform-form-template", "indicators", id);
        if (form) {
          form.querySelector(".platform-label").textContent = fmt(strings.platform_for, {indicator: d.value});
          form.querySelector(".status-label").textContent = fmt(strings.status_for, {indicator: d.value});
          form.querySelector(".set-button").setAttribute("aria-label", fmt(strings.set_status_for, {indicator: d.value}));
          li.appendChild(form);
        }
        dropEmpty(indicators);
        indicators.appendChild(li);
      }
      if (li && d.platform && d.status) {
        var list = li.querySelector(".platform-statuses");
        var row = list.querySelector('[data-platform="' + Number(d.platform) + '"]');
        if (!row) {
          row = el("li");
          row.dataset.platform = Number(d.platform);
          list.appendChild(row);
        }
        var name = d.platform_name || (item.organization ? item.organization.name : "");
        // The name isolated, as the page renders it: a Latin name keeps its colon in Arabic.
        row.textContent = "";
        row.appendChild(el("bdi", "", name));
        row.appendChild(document.createTextNode(": " + (strings.platform_statuses[d.status] || d.status)));
      }
    }

    function action(item) {
      var d = item.data;
      var id = Number(d.action);
      var li = actions.querySelector('[data-action="' + id + '"]');
      if (!li && typeof d.title === "string") {
        li = el("li");
        li.dataset.action = id;
        var title = el("span", "action-title", d.title);
        title.dir = "auto";
        li.appendChild(title);
        var meta = el("span", "muted", "— ");
        var org = el("span", "", d.assigned_name || "");
        org.dir = "auto";
        meta.appendChild(org);
        if (typeof d.owner === "string" && d.owner) {
          meta.appendChild(document.createTextNode(", "));
          var owner = el("span", "action-owner", d.owner);
          owner.dir = "auto";
          meta.appendChild(owner);
        }
        meta.appendChild(document.createTextNode(" ("));
        meta.appendChild(el("span", "action-status"));
        meta.appendChild(document.createTextNode(")"));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(meta);
        if (typeof d.due_at === "string" && d.due_at) {
          var due = el("span", "muted action-due", strings.due + " ");
          var when = el("time", "", dateTimeText(d.due_at));
          when.dateTime = d.due_at;
          due.appendChild(when);
          li.appendChild(document.createTextNode(" "));
          li.appendChild(due);
          if (new Date(d.due_at) < new Date()) {
            li.appendChild(document.createTextNode(" "));
            li.appendChild(el("strong", "overdue", strings.overdue));
          }
        }
        var form = mayComplete(d.assigned) ? formFor("done-form-template", "actions", id) : null;
        if (form) {
          form.querySelector(".done-title").textContent = d.title;
          li.appendChild(form);
        }
        dropEmpty(actions);
        actions.appendChild(li);
      }
      if (li && d.status) {
        li.dataset.status = d.status;
        li.querySelector(".action-status").textContent = d.status === "done" ? strings.done : strings.open;
        if (d.status === "done") {
          var done = li.querySelector(".done-form");
          if (done) { done.remove(); }
          var overdue = li.querySelector(".overdue");
          if (overdue) { overdue.remove(); }
        }
      }
    }

    // The server refuses the others (permissions.can_complete_action): offer it only to those it accepts.
    function mayComplete(organizationId) {
      return viewer.completes_any_action || viewer.completes_for.indexOf(Number(organizationId)) !== -1;
    }

    function closeRoom() {
      if (!room.dataset.open) { return; }
      room.dataset.open = "";
      document.querySelectorAll("#room-composer, .room-open-only").forEach(function (node) { node.hidden = true; });
      onClosed();
    }

    // An organisation acknowledged the alert (by the email link or in the room): its row says so.
    function acknowledged(item) {
      var row = document.querySelector('#acknowledgement-board [data-organization="' + Number(item.data.acknowledged) + '"]');
      if (!row || row.dataset.acknowledged === "1") { return; }
      row.dataset.acknowledged = "1";
      var state = row.querySelector(".ack-state");
      state.textContent = strings.acknowledged + " ";
      var time = el("time", "", timeText(item.created_at));
      time.dateTime = item.created_at;
      state.appendChild(time);
      if (item.author) {
        state.appendChild(document.createTextNode(" "));
        state.appendChild(el("span", "muted", "— " + item.author.name));
      }
      var form = row.querySelector(".acknowledge-form");
      if (form) { form.remove(); }
      // Nobody needs calling any more: the call tree goes with the button.
      var tree = row.querySelector(".call-tree");
      if (tree) { tree.remove(); }
    }

    function status(item) {
      var value = item.data.status;
      if (!strings.statuses[value]) { return; }
      document.getElementById("banner-status").textContent = strings.statuses[value];
      // Not a regular expression on className: it would take "status-banner" for the status.
      Object.keys(strings.statuses).forEach(function (key) { banner.classList.remove("status-" + key); });
      banner.classList.add("status-" + value);
      if (value === "closed") { closeRoom(); }
    }

    function system(item) {
      var d = item.data;
      if (d.change === "tier") {
        document.getElementById("banner-tier").textContent = fmt(strings.tier, {tier: Number(d.tier)});
      } else if (d.change === "tlp" && strings.tlps[d.tlp]) {
        var tlp = document.getElementById("banner-tlp");
        tlp.textContent = strings.tlps[d.tlp];
        tlp.className = "tlp tlp-" + d.tlp.replace(/[^a-z]/g, "");
      } else if (d.change === "commander" && typeof d.commander_name === "string") {
        document.getElementById("commander-name").textContent = d.commander_name;
      } else if (d.acknowledged) {
        acknowledged(item);
      }
    }

    var handlers = {indicator: indicator, action: action, status: status, system: system};
    return {
      apply: function (item) {
        var handler = handlers[item.kind];
        if (handler && item.data && typeof item.data === "object") { handler(item); }
      }
    };
  }

  // The owner menu offers the people of the organisation chosen above it (the server checks it too).
  function ownersFollowOrganisation() {
    var organisation = document.getElementById("action-org");
    var owner = document.getElementById("action-owner");
    if (!organisation || !owner) { return; }
    function follow() {
      owner.querySelectorAll("optgroup").forEach(function (group) {
        var mine = group.dataset.organization === organisation.value;
        group.hidden = !mine;
        group.disabled = !mine;
      });
      var chosen = owner.options[owner.selectedIndex];
      if (chosen && chosen.parentNode.disabled) { owner.value = ""; }
    }
    organisation.addEventListener("change", follow);
    follow();
  }

  // A form post comes back to the panel it was made in, its fragment naming the element to
  // focus (views/room.py). Browsers scroll there but do not all move the focus: do it here.
  function focusReturnTarget() {
    var id = location.hash ? decodeURIComponent(location.hash.slice(1)) : "";
    var target = id && document.getElementById(id);
    if (target && target.closest(".panel") && document.activeElement !== target) { target.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusReturnTarget();
    ownersFollowOrganisation();
    var room = document.getElementById("room");
    if (room) { start(room); }
  });
})();
