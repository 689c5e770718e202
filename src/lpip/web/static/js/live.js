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
    if (left <= 0) { timer.textContent = 'Time is up'; return; }
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = m + ':' + (s < 10 ? '0' : '') + s + ' left';
  }

  var source = new EventSource(root.dataset.roomEvents);
  source.addEventListener('room', function (event) {
    var room = JSON.parse(event.data);
    var number = room.round ? room.round.number : null;
    if (notice && number !== pageRound) {
      notice.textContent = '';
      var text = document.createElement('span');
      text.textContent = number === null
        ? 'The facilitator has closed round ' + pageRound + '. '
        : 'Round ' + number + ' is open now: ' + room.round.question + ' ';
      var link = document.createElement('a');
      link.href = window.location.pathname;
      link.textContent = number === null ? 'Reload the page' : 'Reload to write in round ' + number;
      notice.append(text, link, document.createTextNode(
        pageRound !== null ? '. A note you send from this page stays in round ' + pageRound + ', where it was written.' : '.'));
      notice.hidden = false;
    }
    if (document.getElementById('projector')) {
      set('projector-round', number === null ? 'No round open' : 'Round ' + number);
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
