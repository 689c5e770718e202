/* lpip live capture: no note is lost when the venue's wifi drops.
 *
 * A form marked `data-offline-queue` (the table host's note box, the participant's statement
 * box) does not post itself. Each submission gets a client-made id and goes into a queue kept
 * in localStorage BEFORE any network attempt, so closing the tab or losing the connection
 * cannot lose it. The queue is sent with fetch as JSON; the server stores a client id once
 * and answers a repeat with the item already stored, so a retry never makes a duplicate.
 * The queue is flushed on load, when the browser comes back online, and every few seconds.
 *
 * Without JavaScript the same forms post normally (the server made a client id for them).
 */
(function () {
  'use strict';

  var KEY = 'lpip.queue.v1';
  var RETRY_EVERY_MS = 8000;
  var memoryQueue = [];  // used when localStorage is unavailable (some private modes)
  var flushing = false;
  var portal = false;  // the last answer was a web page that was not lpip (e.g. a captive portal)

  // The words this script writes, in the page's language: base.html renders them from the
  // catalogue (lpip.web.i18n.js_strings) into #lpip-i18n; the English here is only for a page
  // without it. %(name)s placeholders are filled in here.
  var STRINGS = (function () {
    var node = document.getElementById('lpip-i18n');
    try { return node ? JSON.parse(node.dataset.strings) : {}; } catch (err) { return {}; }
  }());

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function say(key, english, values) {
    return fill(typeof STRINGS[key] === 'string' ? STRINGS[key] : english, values);
  }

  // A message with a count: one text per CLDR plural category of the page's language.
  function sayCount(key, count, one, other) {
    var forms = STRINGS[key];
    var text = null;
    if (forms && typeof forms === 'object') {
      var category = 'other';
      try { category = new Intl.PluralRules(document.documentElement.lang).select(count); } catch (err) { /* old browser */ }
      text = forms[category] || forms.other;
    }
    return fill(text || (count === 1 ? one : other), { count: count });
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; a venue server on plain http on the LAN has none.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function readQueue() {
    try {
      var stored = window.localStorage.getItem(KEY);
      return stored ? JSON.parse(stored) : [];
    } catch (err) {
      return memoryQueue.slice();
    }
  }

  function writeQueue(queue) {
    memoryQueue = queue.slice();
    try {
      window.localStorage.setItem(KEY, JSON.stringify(queue));
    } catch (err) {
      /* storage full or disabled: the queue lives in memory until the page closes */
    }
  }

  function enqueue(item) {
    var queue = readQueue();
    queue.push(item);
    writeQueue(queue);
  }

  function dequeue(clientId) {
    writeQueue(readQueue().filter(function (item) { return item.client_id !== clientId; }));
  }

  function updateItem(clientId, changes) {
    writeQueue(readQueue().map(function (item) {
      return item.client_id === clientId ? Object.assign({}, item, changes) : item;
    }));
  }

  // The token is in every form, and in the body's hx-headers for pages without one.
  function tokenIn(doc) {
    var field = doc.querySelector('input[name="csrf_token"]');
    if (field) { return field.value; }
    try {
      return JSON.parse(doc.body.getAttribute('hx-headers') || '{}')['X-CSRF-Token'] || '';
    } catch (err) {
      return '';
    }
  }

  function csrfToken() {
    return tokenIn(document);
  }

  function setCsrfToken(token) {
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (field) { field.value = token; });
    document.body.setAttribute('hx-headers', JSON.stringify({ 'X-CSRF-Token': token }));
  }

  // A session that expired while offline has a new CSRF token: read it from a fresh copy of the page.
  function refreshCsrfToken() {
    return fetch(window.location.href, { credentials: 'same-origin' })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var token = tokenIn(new DOMParser().parseFromString(html, 'text/html'));
        if (token) { setCsrfToken(token); }
      })
      .catch(function () { /* still offline: the next flush tries again */ });
  }

  function findPending(clientId) {
    return document.querySelector('li.pending[data-client-id="' + CSS.escape(clientId) + '"]');
  }

  function showPending(item) {
    var list = document.getElementById(item.list);
    if (!list || findPending(item.client_id)) { return; }
    var li = document.createElement('li');
    li.className = 'pending';
    li.dataset.clientId = item.client_id;
    var text = document.createElement('span');
    text.className = 'text';
    text.dir = 'auto';
    text.textContent = item.text;  // textContent: what people type is never read as HTML
    var state = document.createElement('span');
    state.className = 'queue-state muted';
    state.textContent = ' · ' + say('waiting', 'waiting to send');
    li.append(text, state);
    list.appendChild(li);
  }

  function settleSent(item, html) {
    var li = findPending(item.client_id);
    if (!li) { return; }
    if (!html) { li.classList.remove('pending'); li.querySelector('.queue-state').textContent = ' · ' + say('sent', 'sent'); return; }
    var template = document.createElement('template');
    template.innerHTML = html.trim();  // the server's own escaped fragment
    var fresh = template.content.firstElementChild;
    li.replaceWith(fresh);
    if (window.htmx) { window.htmx.process(fresh); }
  }

  function settleRefused(item, message) {
    var li = findPending(item.client_id);
    if (!li) { return; }
    li.classList.remove('pending');
    li.classList.add('error');
    li.querySelector('.queue-state').textContent = ' · ' + say('not_sent', 'NOT SENT: %(reason)s Copy the text if you want to keep it.', { reason: message });
  }

  function describeQueue() {
    var waiting = readQueue().length;
    if (!navigator.onLine) {
      return waiting
        ? sayCount('offline_queued', waiting,
          'You are offline. %(count)s item is kept on this device and will be sent when the connection returns.',
          'You are offline. %(count)s items are kept on this device and will be sent when the connection returns.')
        : say('offline', 'You are offline. What you add is kept on this device until the connection returns.');
    }
    if (waiting && portal) {
      return sayCount('portal', waiting,
        '%(count)s item is waiting to send: the network answered with a web page, not lpip (a wifi sign-in page?). Sign in to the wifi if it asks; nothing is lost.',
        '%(count)s items are waiting to send: the network answered with a web page, not lpip (a wifi sign-in page?). Sign in to the wifi if it asks; nothing is lost.');
    }
    return waiting
      ? sayCount('queued', waiting, '%(count)s item is waiting to send.', '%(count)s items are waiting to send.')
      : '';
  }

  function updateStatus() {
    var message = describeQueue();
    document.querySelectorAll('[data-queue-status]').forEach(function (el) {
      if (el.textContent !== message) { el.textContent = message; }
    });
  }

  function send(item) {
    return fetch(item.url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: JSON.stringify({ text: item.text, client_id: item.client_id, round_number: item.round_number || null })
    }).then(function (response) {
      var json = (response.headers.get('Content-Type') || '').indexOf('application/json') === 0;
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, ok: response.ok, json: json, body: body || {} };
      });
    }, function () {
      return { status: 0, ok: false, json: false, body: {} };  // no connection
    });
  }

  // Stored means lpip's own JSON answer: {"ok": true, "note": {"id": 12, "client_id": ...}}.
  // Anything else with a 2xx status (a captive portal's sign-in page, a proxy's HTML) is not.
  function stored(item, answer) {
    var body = answer.body;
    if (!answer.ok || !answer.json || !body || body.ok !== true) { return false; }
    return Object.keys(body).some(function (key) {
      var value = body[key];
      return value !== null && typeof value === 'object' && typeof value.id === 'number' &&
        value.client_id === item.client_id;
    });
  }

  // What to do with an answer: done, try again later, or give up and tell the person why.
  function judge(item, answer) {
    if (stored(item, answer)) { return 'sent'; }
    if (answer.ok || (answer.status >= 300 && answer.status < 400)) { portal = true; return 'retry'; }
    if (answer.status === 0 || answer.status === 429 || answer.status >= 500) { return 'retry'; }
    if (answer.status === 403 && !item.refreshed) { return 'refresh'; }
    return 'refused';
  }

  // One at a time, always the head of the stored queue (items added meanwhile are included).
  function flushNext() {
    var queue = readQueue();
    if (!queue.length || !navigator.onLine) { return Promise.resolve(); }
    var item = queue[0];
    return send(item).then(function (answer) {
      var verdict = judge(item, answer);
      if (verdict === 'retry') { return null; }
      portal = false;
      if (verdict === 'refresh') {
        updateItem(item.client_id, { refreshed: true });
        return refreshCsrfToken().then(flushNext);
      }
      dequeue(item.client_id);
      if (verdict === 'sent') {
        settleSent(item, answer.body.html);
      } else {
        settleRefused(item, answer.body.error || say('refused', 'the server refused it (%(status)s).', { status: answer.status }));
      }
      return flushNext();
    });
  }

  function flush() {
    if (flushing || !navigator.onLine) { updateStatus(); return Promise.resolve(); }
    flushing = true;
    updateStatus();
    return flushNext().then(function () {
      flushing = false;
      updateStatus();
    }, function () {
      flushing = false;
      updateStatus();
    });
  }

  function setUp(form) {
    var url = form.getAttribute('action');
    var listId = form.dataset.pendingList;
    var noun = form.dataset.noun || 'note';
    readQueue().forEach(function (item) { if (item.url === url) { showPending(item); } });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var box = form.elements.text;
      var text = box.value.trim();
      if (!text) {
        form.querySelector('[data-queue-status]').textContent = noun === 'statement'
          ? say('empty_statement', 'The statement is empty: write one idea, then send it.')
          : say('empty_note', 'The note is empty: write one idea, then send it.');
        box.focus();
        return;
      }
      // The round the note was written in travels with it, so a note sent late is filed there.
      var round = form.elements.round_number ? form.elements.round_number.value : null;
      var item = { url: url, list: listId, text: text, client_id: newClientId(), round_number: round, queued_at: new Date().toISOString() };
      enqueue(item);
      showPending(item);
      form.reset();
      box.focus();
      flush();
    });
  }

  // htmx does not swap error answers by default; show their message instead of nothing.
  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      var box = document.getElementById('capture-error');
      if (!box) {
        box = document.createElement('div');
        box.id = 'capture-error';
        document.getElementById('main').prepend(box);
      }
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      event.detail.target = box;
      event.detail.swapOverride = 'innerHTML';
    }
  });

  function start() {
    document.querySelectorAll('form[data-offline-queue]').forEach(setUp);
    window.addEventListener('online', flush);
    window.addEventListener('offline', updateStatus);
    window.setInterval(flush, RETRY_EVERY_MS);
    flush();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
