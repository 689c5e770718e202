/* lpip dashboard: new notes and statements, and the counts per table and round, arrive by
 * server-sent events without reloading the page. The browser's EventSource reconnects by
 * itself (sending the last event id), and the feed ignores an item it already shows.
 */
(function () {
  'use strict';

  var status = document.getElementById('live-status');
  var feed = document.getElementById('feed');
  if (!status || !feed || !window.EventSource) { return; }
  var csrf = document.getElementById('dashboard-csrf');
  var workshop = status.dataset.workshop;
  var arrived = 0;

  function hidden(name, value) {
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    return input;
  }

  // Built with the DOM, never with HTML strings: the text is whatever someone typed.
  function feedItem(c) {
    var li = document.createElement('li');
    li.dataset.contributionId = String(c.id);
    var label = document.createElement('span');
    label.className = 'muted';
    label.textContent = (c.kind === 'note' ? 'Note' : 'Statement') +
      (c.round ? ' · round ' + c.round : '') + (c.table ? ' · table ' + c.table : '');
    var text = document.createElement('span');
    text.className = 'text';
    text.dir = 'auto';  // keeps its own direction, isolated from the label beside it
    text.textContent = c.text;
    var form = document.createElement('form');
    form.method = 'post';
    form.action = '/workshops/' + workshop + '/contributions/' + Number(c.id) + '/status';
    form.append(hidden('csrf_token', csrf ? csrf.value : ''), hidden('back', 'dashboard'), hidden('status', 'hidden'));
    var button = document.createElement('button');
    button.type = 'submit';
    button.className = 'secondary';
    button.textContent = 'Hide';
    form.appendChild(button);
    li.append(label, ' ', text, form);
    return li;
  }

  function showCounts(rows) {
    document.querySelectorAll('#counts td[id^="count-"]').forEach(function (cell) { cell.textContent = '0'; });
    rows.forEach(function (row) {
      var cell = document.getElementById('count-' + row.table + '-' + row.round);
      if (cell) { cell.textContent = String(row.notes); }
    });
  }

  var source = new EventSource(status.dataset.events);
  status.lpipSource = source;  // the room's values below listen on the same stream
  source.addEventListener('open', function () {
    status.textContent = arrived ? 'Live: ' + arrived + ' new since this page loaded.' : 'Live: new notes appear below as they arrive.';
  });
  source.addEventListener('error', function () {
    status.textContent = 'Connection lost: reconnecting…';
  });
  source.addEventListener('contribution', function (event) {
    var c = JSON.parse(event.data);
    if (feed.querySelector('[data-contribution-id="' + Number(c.id) + '"]')) { return; }
    feed.prepend(feedItem(c));
    arrived += 1;
    status.textContent = 'Live: ' + arrived + ' new since this page loaded.';
  });
  source.addEventListener('counts', function (event) {
    showCounts(JSON.parse(event.data));
  });
}());

/* The room's live values: who has joined, the open round, votes and dots (server-sent events
 * on the same stream). Numbers only are written into the page; statement texts come with it.
 */
(function () {
  'use strict';

  var status = document.getElementById('live-status');
  var source = status && status.lpipSource;
  if (!source) { return; }

  function set(id, value) {
    var node = document.getElementById(id);
    if (node) { node.textContent = String(value); }
  }

  source.addEventListener('joined', function (event) {
    var j = JSON.parse(event.data);
    set('joined', j.joined);
    set('expected', j.expected || '?');
    var burst = document.getElementById('burst');
    if (burst) { burst.hidden = !j.burst; }
  });
  source.addEventListener('room', function (event) {
    var room = JSON.parse(event.data);
    set('open-round', room.round ? 'Round ' + room.round.number + ' open' : 'No round open');
  });
  source.addEventListener('tallies', function (event) {
    JSON.parse(event.data).forEach(function (t) {
      var row = document.querySelector('#tallies tr[data-statement="' + Number(t.contribution_id) + '"]');
      if (!row) {  // a statement made since the page loaded: built with the DOM, its text as text
        row = document.createElement('tr');
        row.dataset.statement = String(t.contribution_id);
        ['text', 'agree', 'disagree', 'pass'].forEach(function (name) {
          var cell = document.createElement('td');
          cell.className = name;
          if (name === 'text') { cell.dir = 'auto'; cell.textContent = t.text; }
          row.appendChild(cell);
        });
        document.querySelector('#tallies tbody').appendChild(row);
      }
      row.querySelector('.agree').textContent = String(t.agree);
      row.querySelector('.disagree').textContent = String(t.disagree);
      row.querySelector('.pass').textContent = String(t.pass);
    });
  });
  source.addEventListener('dots', function (event) {
    JSON.parse(event.data).forEach(function (d) {
      var item = document.querySelector('#dots li[data-priority="' + Number(d.contribution_id) + '"]');
      if (!item) { return; }
      item.querySelector('.dots').textContent = String(d.dots);
      item.querySelector('.people').textContent = String(d.people);
    });
  });
}());
