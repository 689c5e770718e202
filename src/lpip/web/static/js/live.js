/* lpip live pages: the room's state (the open round) arrives by server-sent events.
 * Host and participant pages: when the facilitator opens another round, a notice says so
 * (a note already written stays in the round it was written in; reload to write in the new one).
 * Projector: the round's heading, question and timer follow the room.
 */
(function () {
  'use strict';

  var root = document.querySelector('[data-room-events]');
  if (!root || !window.EventSource) { return; }
  var pageRound = root.dataset.round ? Number(root.dataset.round) : null;
  var notice = document.getElementById('round-changed');
  var timer = document.getElementById('projector-timer');
  var ticking = null;

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

  function set(id, text) {
    var node = document.getElementById(id);
    if (node) { node.textContent = text; }
  }

  function tick() {
    if (!timer) { return; }
    var opened = Date.parse(timer.dataset.opened || '');
    var minutes = Number(timer.dataset.minutes || 0);
    if (!opened || !minutes) { timer.textContent = ''; return; }
    var left = Math.round((opened + minutes * 60000 - Date.now()) / 1000);
    if (left <= 0) { timer.textContent = say('time_up', 'Time is up'); return; }
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = say('time_left', '%(time)s left', { time: m + ':' + (s < 10 ? '0' : '') + s });
  }

  var source = new EventSource(root.dataset.roomEvents);
  source.addEventListener('room', function (event) {
    var room = JSON.parse(event.data);
    var number = room.round ? room.round.number : null;
    if (notice && number !== pageRound) {
      notice.textContent = '';
      var text = document.createElement('span');
      text.textContent = number === null
        ? say('round_closed', 'The facilitator has closed round %(number)s.', { number: pageRound })
        : say('round_open', 'Round %(number)s is open now: %(question)s', { number: number, question: room.round.question });
      var link = document.createElement('a');
      link.href = window.location.pathname;
      link.textContent = number === null
        ? say('reload', 'Reload the page.')
        : say('reload_round', 'Reload to write in round %(number)s.', { number: number });
      notice.append(text, ' ', link);
      if (pageRound !== null) {
        notice.append(' ', say('stays', 'A note you send from this page stays in round %(number)s, where it was written.', { number: pageRound }));
      }
      notice.hidden = false;
    }
    if (document.getElementById('projector')) {
      set('projector-round', number === null ? say('no_round', 'No round open') : say('round', 'Round %(number)s', { number: number }));
      set('projector-question', number === null ? '' : room.round.question);
      if (timer) {
        timer.dataset.opened = number === null ? '' : (room.round.opened_at || '');
        timer.dataset.minutes = number === null ? '' : String(room.round.minutes);
      }
      tick();
    }
  });
  if (timer && !ticking) { ticking = window.setInterval(tick, 1000); tick(); }
}());
