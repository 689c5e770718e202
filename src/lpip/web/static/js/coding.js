/* lpip coding page: one contribution at a time, with Previous and Next (a phone shows one
 * contribution and its codes, not a page of thousands). Without JavaScript the page is the
 * whole list, as before. The contribution shown is the one in the address (#c123: where saving
 * lands) or else the first not yet coded.
 */
(function () {
  'use strict';

  var list = document.getElementById('coding-list');
  var stepper = document.getElementById('coding-stepper');
  if (!list || !stepper) { return; }
  var items = Array.prototype.slice.call(list.children);
  var position = document.getElementById('coding-position');
  var previous = stepper.querySelector('[data-step="-1"]');
  var next = stepper.querySelector('[data-step="1"]');
  var current = 0;

  function show(index, focus) {
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (item, i) { item.hidden = i !== current; });
    position.textContent = 'Contribution ' + (current + 1) + ' of ' + items.length;
    previous.disabled = current === 0;
    next.disabled = current === items.length - 1;
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, '', '#' + items[current].id);
    }
    if (focus) { items[current].querySelector('.text').focus(); }
  }

  function start() {
    var wanted = window.location.hash.slice(1);
    for (var i = 0; i < items.length; i += 1) {
      if (items[i].id === wanted) { return i; }
    }
    for (var j = 0; j < items.length; j += 1) {
      if (!items[j].classList.contains('coded')) { return j; }
    }
    return 0;
  }

  items.forEach(function (item) { item.querySelector('.text').tabIndex = -1; });
  stepper.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-step]');
    if (button && !button.disabled) { show(current + Number(button.dataset.step), true); }
  });
  list.classList.add('one-at-a-time');
  stepper.hidden = false;
  show(start(), false);
})();
