// Loupe web UI: plain ES modules, no build step, talks only to /api/v1. The page's state (tab, query, filters,
// the open photo) lives in the URL, so reload, Back and a shared link all show the same thing.
const $ = (sel) => document.querySelector(sel);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const kb = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`);
/** EXIF dates have no time zone: Loupe stores the wall-clock time as UTC, so it is shown in UTC, without a zone. */
const wallClock = (iso, withTime = true) =>
  new Date(iso).toLocaleString(undefined, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
  });
const regionNames = new Intl.DisplayNames(undefined, { type: 'region' });
const countryName = (code) => {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
};

// ---- errors: what happened and what to do, in words, never "Failed to fetch"
class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}
function notice(text) {
  $('#notice-text').textContent = text;
  $('#notice').hidden = false;
}
$('#notice-close').addEventListener('click', () => ($('#notice').hidden = true));

const session = { auth: false, signedIn: true, asked: false };
async function api(path, options = {}) {
  let res;
  try {
    res = await fetch(path, options);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('The Loupe server cannot be reached. Is it still running? (Start it with `loupe serve`.)', 0);
  }
  if (res.status === 401) {
    session.signedIn = false;
    showAccount();
    if (!session.asked) openSignIn();
    throw new ApiError('Sign in to use this server (the Sign in button is at the top).', 401);
  }
  if (res.status === 204) return null;
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const message = body?.message ?? res.statusText;
    if (res.status >= 500)
      throw new ApiError(
        `The server failed: ${message} (HTTP ${res.status}). Its log says more; try again.`,
        res.status,
      );
    throw new ApiError(message, res.status);
  }
  return body;
}
const gone = (e) => e instanceof ApiError && e.status === 404;

// ---- signing in: a password field in a dialog; the server keeps the key in an HttpOnly cookie (scripts cannot
// read it) that images, uploads and the event stream send too. Asked once; after Cancel, the header button stays.
function showAccount() {
  $('#signin-open').hidden = !session.auth || session.signedIn;
  $('#signout').hidden = !session.auth || !session.signedIn;
  $('#account-user').textContent = session.auth && session.signedIn && session.user ? session.user : '';
}
function openSignIn() {
  session.asked = true;
  $('#signin-error').textContent = '';
  $('#signin-key').value = '';
  if (!$('#signin').open) $('#signin').showModal();
}
$('#signin-open').addEventListener('click', openSignIn);
$('#signin-cancel').addEventListener('click', () => $('#signin').close());
$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('#signin-key').value.trim();
  if (!key) return;
  const res = await fetch('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  }).catch(() => null);
  if (res?.ok) return location.reload();
  $('#signin-error').textContent =
    res?.status === 401
      ? 'That key is not valid: it is unknown or was revoked.'
      : 'The server cannot be reached. Try again.';
  $('#signin-key').select();
});
$('#signout').addEventListener('click', async () => {
  await fetch('/api/v1/session', { method: 'DELETE' }).catch(() => null);
  location.reload();
});
async function setupSession() {
  const s = await fetch('/api/v1/session')
    .then((r) => r.json())
    .catch(() => null);
  if (!s) return;
  Object.assign(session, { auth: s.auth, signedIn: s.signedIn, user: s.user });
  showAccount();
  if (s.auth && !s.signedIn) openSignIn();
}

// ---- the URL: tab, query, options, filters, gallery view and the open photo
const FILTER_FIELDS = [
  ['after', '#filter-after'],
  ['before', '#filter-before'],
  ['camera', '#filter-camera'],
  ['country', '#filter-country'],
  ['near', '#filter-near'],
  ['type', '#filter-type'],
  ['orientation', '#filter-orientation'],
  ['minWidth', '#filter-min-width'],
];
const OPTION_FIELDS = [
  ['q', '#search-query', ''],
  ['mode', '#search-mode', 'hybrid'],
  ['k', '#search-k', '20'],
  ['min', '#search-min', '0'],
  ['sort', '#search-sort', 'relevance'],
  ['folder', '#search-folder', ''],
  ['gfolder', '#gallery-folder', ''],
  ['order', '#gallery-order', 'taken'],
];
const state = () => new URLSearchParams(location.search);
function setUrl(params, push) {
  const url = `${location.pathname}${params.toString() ? `?${params}` : ''}`;
  if (url !== `${location.pathname}${location.search}`) history[push ? 'pushState' : 'replaceState'](null, '', url);
}
/** The controls' values into the URL (only what differs from the defaults). */
function saveControls(extra = {}, push = true) {
  const params = new URLSearchParams();
  params.set('tab', currentTab().id.replace('tab-', ''));
  for (const [key, sel, def] of OPTION_FIELDS) if ($(sel).value.trim() !== def) params.set(key, $(sel).value.trim());
  for (const [key, sel] of FILTER_FIELDS) if ($(sel).value.trim()) params.set(key, $(sel).value.trim());
  const has = [...document.querySelectorAll('#search-filters input[name=has]:checked')].map((c) => c.value);
  if (has.length) params.set('has', has.join(','));
  if ($('#gallery').classList.contains('list')) params.set('view', 'list');
  for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
  setUrl(params, push);
}
/** The URL into the controls. */
function restoreControls(params) {
  for (const [key, sel, def] of OPTION_FIELDS) $(sel).value = params.get(key) ?? def;
  for (const [key, sel] of FILTER_FIELDS) $(sel).value = params.get(key) ?? '';
  const has = new Set((params.get('has') ?? '').split(',').filter(Boolean));
  for (const c of document.querySelectorAll('#search-filters input[name=has]')) c.checked = has.has(c.value);
  if (FILTER_FIELDS.some(([k]) => params.has(k)) || has.size) $('#search-filters').open = true;
  setListView(params.get('view') === 'list');
  countFilters();
}

// ---- spaces: a key (or a server without auth) may open several libraries. The choice travels as a same-site
// cookie like the key, so images, uploads and the event stream work in the chosen space too.
function useSpace(name) {
  document.cookie = `loupe_space=${encodeURIComponent(name)}; path=/; SameSite=Strict`;
  location.reload(); // the URL keeps the tab and the search
  return new Promise(() => {});
}
async function setupSpaces() {
  const { items, current } = await api('/api/v1/spaces');
  const chosen = decodeURIComponent(document.cookie.match(/(?:^|; )loupe_space=([^;]*)/)?.[1] ?? '');
  // No space chosen yet (or one this key cannot open): take the first, once.
  if (!current && items.length && chosen !== items[0].name) return useSpace(items[0].name);
  const select = $('#space');
  select.replaceChildren(...items.map(({ name }) => el('option', { value: name, textContent: name })));
  select.value = current ?? '';
  $('#space-picker').hidden = items.length < 2;
  select.addEventListener('change', () => useSpace(select.value));
}
restoreControls(state()); // at once: what is typed while the page starts is kept
await setupSession();
await setupSpaces().catch(() => {}); // before anything else asks the server for this space's data

// ---- tabs (arrow keys, Home and End move between them, as the ARIA tabs pattern expects)
const tabs = [...document.querySelectorAll('[role=tab]')];
const currentTab = () => tabs.find((t) => t.getAttribute('aria-selected') === 'true') ?? tabs[0];
function selectTab(tab, { push = true } = {}) {
  const changed = tab !== currentTab();
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $('#' + t.getAttribute('aria-controls')).hidden = !on;
  }
  if (changed) clearSelection();
  if (tab.id === 'tab-gallery' && (changed || !$('#gallery .card'))) loadGallery(true);
  if (tab.id === 'tab-stats') loadStats();
  if (tab.id === 'tab-duplicates') loadDuplicates();
  if (tab.id === 'tab-map') loadMap();
  if (push) saveControls();
}
tabs.forEach((tab, i) => {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (e) => {
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length];
    next.focus();
    selectTab(next);
  });
});

// Dropping a file anywhere but a drop zone must not open it in the browser and leave the app.
for (const type of ['dragover', 'drop']) document.addEventListener(type, (e) => e.preventDefault());

// ---- folders for the filters
async function refreshFolders() {
  const stats = await api('/api/v1/stats');
  for (const select of [$('#search-folder'), $('#gallery-folder')]) {
    const current = select.value;
    select.replaceChildren(select.options[0]);
    for (const folder of Object.keys(stats.folders).filter(Boolean))
      select.append(el('option', { value: folder, textContent: folder }));
    if (current && !Object.hasOwn(stats.folders, current))
      select.append(el('option', { value: current, textContent: current }));
    select.value = current;
  }
  return stats;
}

// ---- photo grids: cards, selection (checkboxes, shift-click ranges) and arrow-key movement (a roving tabindex)
function card(item, { similarity, grid } = {}) {
  const name = item.filename ?? item.id;
  const img = el('img', {
    src: item.thumbnailUrl,
    alt: item.caption || name,
    loading: 'lazy',
    width: 320,
    height: 240,
  });
  const thumb = el('button', { className: 'thumb', type: 'button', ariaLabel: `Open ${name}`, tabIndex: -1 }, img);
  thumb.addEventListener('click', () => openViewer(item.id, listOf(grid)));
  const pick = el('input', { type: 'checkbox', className: 'pick', ariaLabel: `Select ${name}` });
  pick.addEventListener('click', (e) => choose(grid, li, pick.checked, e.shiftKey));
  const body = el('div', { className: 'body' });
  if (similarity !== undefined)
    body.append(el('span', { className: 'badge', textContent: `${similarity.toFixed(1)}%` }));
  body.append(el('span', { className: 'name', textContent: name, title: name }));
  if (item.folder) body.append(el('span', { className: 'folder', textContent: `in ${item.folder}` }));
  body.append(
    item.exif?.takenAt
      ? el('time', { className: 'when', dateTime: item.exif.takenAt, textContent: wallClock(item.exif.takenAt, false) })
      : el('span', { className: 'when undated', textContent: 'no date' }),
  );
  if (item.width)
    body.append(
      el('span', {
        className: 'size',
        textContent: `${item.width} × ${item.height}${item.bytes ? `, ${kb(item.bytes)}` : ''}`,
      }),
    );
  if (item.explain?.matched?.length)
    body.append(el('span', { className: 'matched', textContent: `words in ${item.explain.matched.join(', ')}` }));
  const caption = el('span', { className: 'caption', textContent: item.caption ?? '' });
  body.append(caption);
  const li = el('li', { className: 'card' }, thumb, pick, body);
  li.dataset.id = item.id;
  li.item = item;
  if (grid === $('#gallery')) {
    const edit = el('button', { type: 'button', textContent: 'Edit caption', ariaLabel: `Edit caption of ${name}` });
    edit.addEventListener('click', async () => {
      const text = prompt(`Caption for ${name}`, item.caption ?? '');
      if (text === null) return;
      try {
        const updated = await api(`/api/v1/images/${item.id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ caption: text }),
        });
        item.caption = updated.caption;
        caption.textContent = updated.caption ?? '';
        img.alt = updated.caption || name;
      } catch (e) {
        failedOn(li, e, 'Could not save the caption');
      }
    });
    const del = el('button', { type: 'button', textContent: 'Delete', ariaLabel: `Delete ${name}` });
    del.addEventListener('click', async () => {
      if (!confirm(`Delete ${name} from the library?`)) return;
      try {
        await api(`/api/v1/images/${item.id}`, { method: 'DELETE' });
        removeCards([item.id]);
      } catch (e) {
        failedOn(li, e, 'Could not delete it');
      }
    });
    body.append(el('div', { className: 'actions' }, edit, del));
  }
  return li;
}
/** An action on a photo that failed: a photo deleted elsewhere leaves the page; anything else is said. */
function failedOn(li, e, what) {
  if (gone(e)) {
    removeCards([li.dataset.id]);
    notice(
      `${li.item?.filename ?? 'That photo'} is no longer in the library (deleted elsewhere): it was taken off the page.`,
    );
  } else notice(`${what}: ${e.message}`);
}
const cardsOf = (grid) => [...grid.querySelectorAll(':scope > li.card')];
const listOf = (grid) => (grid ? cardsOf(grid).map((c) => c.item) : []);
/** Takes photos off every grid; focus moves to the next photo (or the one before), and empty month headings go. */
function removeCards(ids) {
  const focusWasIn = document.activeElement?.closest('li.card');
  for (const id of ids)
    for (const li of document.querySelectorAll(`li.card[data-id="${CSS.escape(id)}"]`)) {
      const grid = li.parentElement;
      const next = li.nextElementSibling?.matches('.card')
        ? li.nextElementSibling
        : (li.nextElementSibling?.nextElementSibling ?? li.previousElementSibling);
      li.remove();
      selected.delete(id);
      for (const heading of grid.querySelectorAll(':scope > li.month'))
        if (!heading.nextElementSibling || heading.nextElementSibling.matches('.month')) heading.remove();
      if (focusWasIn === li || !document.activeElement || document.activeElement === document.body) {
        const target = next?.matches?.('.card') ? next : grid.querySelector('li.card');
        if (target) focusCard(target);
      }
    }
  showSelection();
}
function focusCard(li) {
  for (const t of li.parentElement.querySelectorAll('button.thumb')) t.tabIndex = -1;
  const thumb = li.querySelector('button.thumb');
  thumb.tabIndex = 0;
  thumb.focus();
}
/** Arrow keys move between photos, by one or by a row; Home and End go to the first and last. */
function gridKeys(grid) {
  grid.addEventListener('keydown', (e) => {
    const from = e.target.closest?.('li.card');
    if (!from || !e.target.matches('button.thumb')) return;
    const cards = cardsOf(grid);
    const i = cards.indexOf(from);
    const perRow = Math.max(1, cards.filter((c) => c.offsetTop === cards[0].offsetTop).length);
    const to = {
      ArrowRight: i + 1,
      ArrowLeft: i - 1,
      ArrowDown: i + perRow,
      ArrowUp: i - perRow,
      Home: 0,
      End: cards.length - 1,
    }[e.key];
    if (to === undefined || !cards[to]) return;
    e.preventDefault();
    focusCard(cards[to]);
  });
  // The grid is one tab stop: its first photo until another is focused.
  new MutationObserver(() => {
    const thumbs = grid.querySelectorAll('button.thumb');
    if (thumbs.length && ![...thumbs].some((t) => t.tabIndex === 0)) thumbs[0].tabIndex = 0;
  }).observe(grid, { childList: true });
}
gridKeys($('#search-results'));
gridKeys($('#gallery'));

// ---- selection and what can be done to many photos at once
const selected = new Map(); // id → item
let lastPicked = null;
function choose(grid, li, on, range) {
  const cards = cardsOf(grid);
  const span =
    range && lastPicked && cards.includes(lastPicked)
      ? cards.slice(
          Math.min(cards.indexOf(lastPicked), cards.indexOf(li)),
          Math.max(cards.indexOf(lastPicked), cards.indexOf(li)) + 1,
        )
      : [li];
  for (const c of span) {
    c.querySelector('input.pick').checked = on;
    c.classList.toggle('selected', on);
    if (on) selected.set(c.dataset.id, c.item);
    else selected.delete(c.dataset.id);
  }
  lastPicked = li;
  showSelection();
}
function clearSelection() {
  for (const c of document.querySelectorAll('li.card.selected')) {
    c.classList.remove('selected');
    c.querySelector('input.pick').checked = false;
  }
  selected.clear();
  lastPicked = null;
  showSelection();
}
function showSelection() {
  $('#selection-bar').hidden = selected.size === 0;
  $('#selection-count').textContent = `${plural(selected.size, 'photo')} selected`;
  for (const grid of [$('#search-results'), $('#gallery')]) grid.classList.toggle('selecting', selected.size > 0);
}
const activeGrid = () => (currentTab().id === 'tab-gallery' ? $('#gallery') : $('#search-results'));
$('#select-all').addEventListener('click', () => {
  for (const c of cardsOf(activeGrid())) {
    c.querySelector('input.pick').checked = true;
    c.classList.add('selected');
    selected.set(c.dataset.id, c.item);
  }
  showSelection();
});
$('#select-clear').addEventListener('click', clearSelection);
$('#select-delete').addEventListener('click', async () => {
  const ids = [...selected.keys()];
  if (
    !confirm(`Delete ${plural(ids.length, 'photo')} from the library? Files in your own folders stay where they are.`)
  )
    return;
  const failed = [];
  for (const id of ids)
    await api(`/api/v1/images/${id}`, { method: 'DELETE' }).catch((e) => {
      if (!gone(e)) failed.push(e.message);
    });
  removeCards(ids);
  if (failed.length) notice(`${plural(failed.length, 'photo')} could not be deleted: ${failed[0]}`);
});
async function retag(add) {
  const tag = prompt(add ? 'Tag to add to the selected photos' : 'Tag to take off the selected photos')?.trim();
  if (!tag) return;
  let changed = 0;
  for (const [id, item] of selected) {
    const tags = new Set(item.tags ?? []);
    if (add === tags.has(tag)) continue;
    add ? tags.add(tag) : tags.delete(tag);
    try {
      const updated = await api(`/api/v1/images/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tags: [...tags] }),
      });
      item.tags = updated.tags;
      changed++;
    } catch (e) {
      if (gone(e)) removeCards([id]);
      else return notice(`Could not change the tags: ${e.message}`);
    }
  }
  notice(`${add ? 'Added' : 'Took off'} “${tag}” ${add ? 'to' : 'from'} ${plural(changed, 'photo')}.`);
}
$('#select-tag-add').addEventListener('click', () => retag(true));
$('#select-tag-remove').addEventListener('click', () => retag(false));
$('#select-zip').addEventListener('click', () => {
  // A form post: the browser streams the zip straight to a download, however large.
  const form = el(
    'form',
    { method: 'POST', action: '/api/v1/images/zip', hidden: true },
    el('input', { type: 'hidden', name: 'ids', value: [...selected.keys()].join(',') }),
  );
  document.body.append(form);
  form.submit();
  form.remove();
});
$('#select-similar').addEventListener('click', () => {
  const ids = [...selected.keys()];
  const names = [...selected.values()].map((i) => i.filename ?? i.id);
  clearSelection();
  selectTab($('#tab-search'), { push: false });
  runSimilar(ids, ids.length === 1 ? names[0] : `${names.length} photos`);
});

// ---- the viewer: full screen, ←/→ through the list it was opened from, zoom, download, details, its own URL
const viewer = { id: null, list: [] };
async function openViewer(id, list = viewer.list, { push = true } = {}) {
  let item;
  try {
    item = await api(`/api/v1/images/${id}`);
  } catch (e) {
    if (gone(e)) {
      removeCards([id]);
      notice('That photo is no longer in the library (deleted elsewhere): it was taken off the page.');
    } else notice(`Could not open the photo: ${e.message}`);
    return;
  }
  viewer.id = id;
  viewer.list = list.length ? list : [item];
  const name = item.filename ?? id;
  $('#preview-title').textContent = name;
  // Browsers show JPEG, PNG, WebP, GIF and AVIF themselves; HEIC, TIFF, BMP and RAW come as a JPEG rendition.
  const shown = ['jpeg', 'png', 'webp', 'gif', 'avif'].includes(item.format)
    ? item.url
    : `/api/v1/images/${id}/preview`;
  Object.assign($('#preview-image'), { src: shown, alt: item.caption || name });
  setZoom(false);
  Object.assign($('#preview-download'), { href: item.url, download: name });
  const place = item.exif?.gps ? `${item.exif.gps.lat.toFixed(4)}, ${item.exif.gps.lon.toFixed(4)}` : null;
  const meta = [
    ['Caption', item.caption || '—'],
    ['Folder', item.folder || '—'],
    ['Taken', item.exif?.takenAt ? wallClock(item.exif.takenAt) : '—'],
    ['Camera', item.exif?.camera ?? '—'],
    ['Place', [item.exif?.country && countryName(item.exif.country), place].filter(Boolean).join(' · ') || '—'],
    [
      'Size',
      `${item.width} × ${item.height} ${item.format?.toUpperCase() ?? ''}${item.bytes ? `, ${kb(item.bytes)}` : ''}`,
    ],
    ['Tags', item.tags?.join(', ') || '—'],
    ['Objects', item.labels?.map((l) => `${l.label} ${Math.round(l.confidence * 100)}%`).join(', ') || '—'],
    ['Text in image', item.textInImage ? item.textInImage.slice(0, 400) : '—'],
    ['Paths', item.paths?.join('\n') || '—'],
  ];
  $('#preview-meta').replaceChildren(
    ...meta.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })]),
  );
  const at = viewer.list.findIndex((i) => i.id === id);
  $('#preview-prev').disabled = at <= 0;
  $('#preview-next').disabled = at < 0 || at >= viewer.list.length - 1;
  if (!$('#preview').open) {
    viewer.returnFocus = document.activeElement;
    $('#preview').showModal();
  }
  saveControls({ photo: id, similar: state().get('similar') }, push);
}
function step(by) {
  const at = viewer.list.findIndex((i) => i.id === viewer.id);
  const next = viewer.list[at + by];
  if (next) openViewer(next.id, viewer.list, { push: false });
}
function setZoom(on) {
  $('#preview').classList.toggle('zoomed', on);
  $('#preview-zoom').setAttribute('aria-pressed', String(on));
}
$('#preview-prev').addEventListener('click', () => step(-1));
$('#preview-next').addEventListener('click', () => step(1));
$('#preview-zoom').addEventListener('click', () => setZoom(!$('#preview').classList.contains('zoomed')));
$('#preview-image').addEventListener('click', () => setZoom(!$('#preview').classList.contains('zoomed')));
$('#preview-close').addEventListener('click', () => $('#preview').close());
$('#preview').addEventListener('keydown', (e) => {
  if (e.key === 'ArrowLeft') step(-1);
  else if (e.key === 'ArrowRight') step(1);
  else if (e.key === '+' || e.key === '-') setZoom(e.key === '+');
});
// A click on the dark space around the photo (or the backdrop) closes the viewer.
$('#preview').addEventListener('click', (e) => {
  if (e.target === $('#preview') || e.target.matches('.viewer-stage')) $('#preview').close();
});
$('#preview').addEventListener('close', () => {
  viewer.id = null;
  if (state().has('photo')) saveControls({ similar: state().get('similar') }, true);
  viewer.returnFocus?.focus?.();
});
$('#preview-similar').addEventListener('click', () => {
  const id = viewer.id;
  const name = $('#preview-title').textContent;
  $('#preview').close();
  selectTab($('#tab-search'), { push: false });
  runSimilar([id], name);
});

// ---- search: one request at a time (a newer search cancels the older), more results as you scroll
const search = { controller: null, label: '', make: null, k: 20, shown: 0 };
/** Runs a search: `make(k)` asks the server for the first k results. */
async function showResults(label, make, { more = false } = {}) {
  search.controller?.abort();
  const controller = new AbortController();
  search.controller = controller;
  if (!more) Object.assign(search, { label, make, k: Number($('#search-k').value) });
  const status = $('#search-status');
  status.textContent = more ? 'Loading more…' : 'Searching…';
  try {
    const { results, applied } = await make(search.k, controller.signal);
    if (controller !== search.controller) return; // a newer search has begun
    const filter = applied?.folder
      ? ` in folder “${applied.folder}”${applied.folderDetected ? ' (detected from your words)' : ''}`
      : '';
    const grid = $('#search-results');
    if (!more) grid.replaceChildren();
    const shownIds = new Set(cardsOf(grid).map((c) => c.dataset.id));
    for (const r of results) if (!shownIds.has(r.id)) grid.append(card(r, { similarity: r.similarity, grid }));
    const count = cardsOf(grid).length;
    status.textContent = `${label}: ${plural(count, 'result')}${filter}`;
    // A full page may have more behind it.
    $('#search-more').hidden = results.length < search.k || search.k >= MAX_K;
  } catch (e) {
    if (e.name === 'AbortError' || controller !== search.controller) return;
    $('#search-results').replaceChildren();
    $('#search-more').hidden = true;
    status.textContent = `Search failed: ${e.message}`;
  } finally {
    if (search.controller === controller) search.controller = null; // this one is over (an older one ending does not count)
  }
}
const MAX_K = 500;
function moreResults() {
  if (!search.make || search.controller) return; // nothing shown yet, or a request is on its way
  search.k = Math.min(MAX_K, search.k + Number($('#search-k').value));
  showResults(search.label, search.make, { more: true });
}
$('#search-more').addEventListener('click', moreResults);
new IntersectionObserver(
  (entries) => entries.some((e) => e.isIntersecting) && !$('#search-more').hidden && moreResults(),
).observe($('#search-more'));

class FilterError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}
// The filter controls, as the API's structured fields (only those set). Throws FilterError for a value that cannot be right.
function chosenFilters() {
  const f = {};
  const value = (id) => $(id).value.trim();
  if (value('#filter-after')) f.after = value('#filter-after');
  if (value('#filter-before')) f.before = value('#filter-before');
  if (f.after && f.before && f.after > f.before)
    throw new FilterError(
      '#filter-before',
      '“Taken after” is later than “Taken before”, so nothing can match: swap them.',
    );
  if (value('#filter-camera')) f.camera = value('#filter-camera');
  if (value('#filter-country')) f.country = value('#filter-country');
  if (value('#filter-near')) {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*(?:,\s*(\d+(?:\.\d+)?)\s*)?$/.exec(
      value('#filter-near'),
    );
    const [lat, lon, km] = m ? [Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : undefined] : [];
    if (!m || Math.abs(lat) > 90 || Math.abs(lon) > 180)
      throw new FilterError(
        '#filter-near',
        '“Near” takes a latitude, a longitude and an optional radius in km, e.g. 48.86,2.35,10.',
      );
    f.near = { lat, lon, ...(km ? { km } : {}) };
  }
  if (value('#filter-type')) f.type = value('#filter-type');
  if (value('#filter-orientation')) f.orientation = value('#filter-orientation');
  if (value('#filter-min-width')) f.minWidth = Number(value('#filter-min-width'));
  const has = [...document.querySelectorAll('#search-filters input[name=has]:checked')].map((c) => c.value);
  if (has.length) f.has = has;
  return f;
}
/** The filters, or null after showing what is wrong (the panel opened, the field marked). */
function checkedFilters() {
  for (const [, sel] of FILTER_FIELDS) $(sel).setCustomValidity('');
  try {
    return chosenFilters();
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    $('#search-options').open = true;
    $('#search-filters').open = true;
    $(e.field).setCustomValidity(e.message);
    $(e.field).setAttribute('aria-invalid', 'true');
    $(e.field).focus();
    $('#search-status').textContent = e.message;
    return null;
  }
}
function countFilters() {
  let n;
  try {
    n = Object.keys(chosenFilters()).length;
  } catch {
    n = 1; // a value being typed that is not right yet still counts as set
  }
  $('#search-filter-count').textContent = n ? `(${n} on)` : '';
  for (const [, sel] of FILTER_FIELDS) $(sel).removeAttribute('aria-invalid');
}
$('#search-filters').addEventListener('input', countFilters);
$('#filter-clear').addEventListener('click', () => {
  for (const input of document.querySelectorAll('#search-filters input, #search-filters select'))
    input.type === 'checkbox' ? (input.checked = false) : (input.value = '');
  countFilters();
});
/** The "At least %" cutoff, for every kind of search; undefined when unset. */
function minSimilarity() {
  const min = Number($('#search-min').value);
  return min > 0 && min <= 100 ? min : undefined;
}
/** Filters and sort, for a search by image or similar-to-id (the same fields as query parameters). */
function filterParams(filters) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters))
    params.set(
      k,
      k === 'near'
        ? [v.lat, v.lon, v.km].filter((x) => x !== undefined).join(',')
        : Array.isArray(v)
          ? v.join(',')
          : String(v),
    );
  if ($('#search-sort').value !== 'relevance') params.set('sort', $('#search-sort').value);
  if (minSimilarity() !== undefined) params.set('minSimilarity', String(minSimilarity()));
  return params;
}
function runTextSearch({ push = true } = {}) {
  const query = $('#search-query').value.trim();
  const filters = checkedFilters();
  if (!filters) return;
  // Filters alone are a search too: the images that pass them, newest first.
  if (!query && !Object.keys(filters).length) return;
  if (push) saveControls();
  const min = minSimilarity();
  const sort = $('#search-sort').value;
  const body = (k) => ({
    query,
    k,
    mode: $('#search-mode').value,
    ...($('#search-folder').value ? { folder: $('#search-folder').value } : {}),
    ...(min !== undefined ? { minSimilarity: min } : {}),
    ...(Object.keys(filters).length ? { filters } : {}),
    ...(sort !== 'relevance' ? { sort } : {}),
  });
  showResults(query ? `“${query}”` : 'Filtered', (k, signal) =>
    api('/api/v1/images/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body(k)),
      signal,
    }),
  );
}
$('#search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  runTextSearch();
});
function runSimilar(ids, label, { push = true } = {}) {
  const filters = checkedFilters();
  if (!filters) return;
  if (push) saveControls({ similar: ids.join(',') });
  const params = filterParams(filters);
  const path = ids.length === 1 ? `/api/v1/images/${ids[0]}/similar` : `/api/v1/images/similar`;
  if (ids.length > 1) params.set('ids', ids.join(','));
  showResults(`Similar to ${label}`, (k, signal) => {
    params.set('k', String(k));
    return api(`${path}?${params}`, { signal });
  });
}
function searchByFile(file) {
  const filters = checkedFilters();
  if (!filters) return;
  showResults(`Like ${file.name}`, (k, signal) => {
    const form = new FormData();
    form.append('file', file);
    form.append('k', String(k));
    if ($('#search-folder').value) form.append('folder', $('#search-folder').value);
    if (Object.keys(filters).length) form.append('filters', JSON.stringify(filters));
    if ($('#search-sort').value !== 'relevance') form.append('sort', $('#search-sort').value);
    if (minSimilarity() !== undefined) form.append('minSimilarity', String(minSimilarity()));
    return api('/api/v1/images/search/by-image', { method: 'POST', body: form, signal });
  });
}

function dropZone(zone, input, onFiles) {
  zone.addEventListener('click', () => input.click());
  zone.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), input.click()));
  zone.addEventListener('dragover', (e) => (e.preventDefault(), zone.classList.add('over')));
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    onFiles([...e.dataTransfer.files]);
  });
  input.addEventListener('change', () => (onFiles([...input.files]), (input.value = '')));
}
dropZone($('#search-drop'), $('#search-file'), (files) => files[0] && searchByFile(files[0]));

// ---- upload: bytes by XHR progress, then indexing by server-sent events; each drop is a batch of its own
const pending = new Map(); // job id → row updater
const events = new EventSource('/api/v1/events');
events.addEventListener('job', (e) => {
  const job = JSON.parse(e.data);
  pending.get(job.id)?.(job);
});

function newBatch(files) {
  const counts = { total: files.length, indexed: 0, failed: 0 };
  const list = el('ul', { className: 'uploads' });
  const heading = el('h3', {
    textContent: `${plural(files.length, 'file')}, ${new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`,
  });
  $('#upload-batches').prepend(el('li', { className: 'batch' }, heading, list));
  const update = () => {
    const finishedCount = counts.indexed + counts.failed;
    $('#upload-overall').hidden = false;
    $('#upload-progress').max = counts.total;
    $('#upload-progress').value = finishedCount;
    $('#upload-count').textContent =
      `${counts.indexed} indexed${counts.failed ? `, ${counts.failed} failed` : ''} of ${counts.total}${finishedCount < counts.total ? ` (${counts.total - finishedCount} to go)` : ''}`;
  };
  update();
  return { list, counts, update };
}

function uploadFile(file, batch) {
  const bar = el('progress', { max: 1, value: 0, ariaLabel: `Progress of ${file.name}` });
  const state = el('span', { className: 'state', textContent: 'uploading…' });
  const img = el('img', { alt: '' });
  const row = el('li', {}, img, el('div', {}, el('div', { className: 'name', textContent: file.name }), bar, state));
  row.dataset.name = file.name;
  batch.list.append(row);
  const finish = (ok, text, item) => {
    bar.value = 1;
    bar.hidden = !ok;
    state.textContent = text;
    state.className = `state ${ok ? 'done' : 'failed'}`;
    row.dataset.state = ok ? 'done' : 'failed';
    if (item?.thumbnailUrl) Object.assign(img, { src: item.thumbnailUrl, alt: item.caption || file.name });
    batch.counts[ok ? 'indexed' : 'failed']++;
    batch.update();
  };
  return new Promise((resolve) => {
    const form = new FormData();
    form.append('file', file);
    if ($('#upload-folder').value) form.append('folder', $('#upload-folder').value);
    if ($('#upload-caption').value) form.append('caption', $('#upload-caption').value);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/images');
    xhr.upload.onprogress = (e) => e.lengthComputable && (bar.value = (e.loaded / e.total) * 0.5);
    xhr.onerror = () => (finish(false, 'the server cannot be reached: try again'), resolve());
    xhr.onload = async () => {
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null; /* not JSON: the status says what happened */
      }
      if (xhr.status === 401) openSignIn();
      if (xhr.status !== 201 || !body?.images?.length) {
        finish(
          false,
          body?.message ?? body?.errors?.[0]?.message ?? `the server answered ${xhr.status} ${xhr.statusText}`,
        );
        return resolve();
      }
      const record = body.images[0];
      const done = async () => {
        const item = await api(`/api/v1/images/${record.id}`).catch(() => record);
        if (item.status === 'failed') finish(false, item.message ?? 'indexing failed');
        else
          finish(
            true,
            `${record.duplicate ? 'already in the library' : 'indexed'}${item.caption ? ' — ' + item.caption : ''}`,
            item,
          );
        resolve();
      };
      if (record.status === 'ready') return done();
      bar.value = 0.6;
      state.textContent = 'indexing…';
      pending.set(
        record.id,
        (job) => (pending.delete(record.id), job.status === 'failed' ? (finish(false, job.error), resolve()) : done()),
      );
      // The job may have ended before we listened.
      const now = await api(`/api/v1/images/${record.id}`).catch(() => null);
      if (now && now.status !== 'pending' && now.status !== 'running' && pending.has(record.id))
        pending.get(record.id)({ status: now.status, error: now.message });
    };
    xhr.send(form);
  });
}

async function uploadAll(files) {
  if (!files.length) return;
  const batch = newBatch(files);
  const queue = [...files];
  // Three uploads at a time: the server batches their indexing.
  await Promise.all(
    [0, 1, 2].map(async () => {
      while (queue.length) await uploadFile(queue.shift(), batch);
    }),
  );
  refreshFolders().catch(() => {});
}
dropZone($('#upload-drop'), $('#upload-files'), uploadAll);

// ---- gallery: pages of 40, more on scroll; by date taken, a heading per month, undated photos last, a timeline
const gallery = { cursor: null, loading: false, month: null, before: null };
const monthOf = (item) =>
  item.exif?.takenAt
    ? new Date(item.exif.takenAt).toLocaleDateString(undefined, { timeZone: 'UTC', year: 'numeric', month: 'long' })
    : 'No date';
async function loadGallery(reset = false) {
  if (gallery.loading && !reset) return;
  gallery.loading = true;
  const order = $('#gallery-order').value;
  if (reset) {
    Object.assign(gallery, { cursor: null, month: null });
    $('#gallery').replaceChildren();
    loadTimeline(order);
  }
  $('#gallery-newest').hidden = !gallery.before;
  try {
    const folder = $('#gallery-folder').value;
    const params = new URLSearchParams({ limit: '40', order });
    if (folder) params.set('folder', folder);
    if (gallery.cursor) params.set('cursor', gallery.cursor);
    else if (gallery.before) params.set('before', gallery.before);
    const page = await api(`/api/v1/images?${params}`);
    for (const item of page.items) {
      const month = monthOf(item);
      if (order === 'taken' && month !== gallery.month) {
        gallery.month = month;
        $('#gallery').append(el('li', { className: 'month' }, el('h3', { textContent: month })));
      }
      $('#gallery').append(card(item, { grid: $('#gallery') }));
    }
    gallery.cursor = page.nextCursor;
    $('#gallery-more').hidden = !page.nextCursor;
    $('#gallery-status').textContent = $('#gallery .card') ? '' : 'No images yet: add some under Upload & Index.';
  } catch (e) {
    $('#gallery-status').textContent = `Could not load the gallery: ${e.message}`;
  } finally {
    gallery.loading = false;
  }
}
/** Years and months with photos, to jump to (by date taken). */
async function loadTimeline(order) {
  const nav = $('#timeline');
  if (order !== 'taken') return (nav.hidden = true);
  const folder = $('#gallery-folder').value;
  const { months, undated } = await api(
    `/api/v1/images/timeline${folder ? `?folder=${encodeURIComponent(folder)}` : ''}`,
  ).catch(() => ({ months: [], undated: 0 }));
  const years = Map.groupBy ? Map.groupBy(months, (m) => m.month.slice(0, 4)) : new Map();
  const links = [];
  for (const [year, list] of years) {
    links.push(
      el('button', {
        type: 'button',
        className: 'year',
        textContent: year,
        title: `${plural(
          list.reduce((n, m) => n + m.count, 0),
          'photo',
        )}`,
        onclick: () => jumpTo(list[0].month),
      }),
    );
    for (const m of list) {
      const label = new Date(`${m.month}-01T00:00:00Z`).toLocaleDateString(undefined, {
        timeZone: 'UTC',
        month: 'short',
      });
      links.push(
        el('button', {
          type: 'button',
          className: 'month-link',
          textContent: label,
          ariaLabel: `${label} ${year}: ${plural(m.count, 'photo')}`,
          onclick: () => jumpTo(m.month),
        }),
      );
    }
  }
  if (undated)
    links.push(
      el('button', { type: 'button', className: 'year', textContent: 'No date', onclick: () => jumpTo('undated') }),
    );
  nav.replaceChildren(...links);
  nav.hidden = links.length < 2;
}
/** Starts the gallery at a month (its newest photo first): "2021-03", or "undated". */
function jumpTo(month) {
  if (month === 'undated') gallery.before = '0001-01-02';
  else {
    const [y, m] = month.split('-').map(Number);
    gallery.before = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  }
  loadGallery(true).then(() => $('#gallery .card button.thumb')?.focus());
}
$('#gallery-newest').addEventListener('click', () => {
  gallery.before = null;
  loadGallery(true);
});
$('#gallery-more').addEventListener('click', () => loadGallery());
new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && gallery.cursor && loadGallery()).observe(
  $('#gallery-more'),
);
for (const sel of ['#gallery-folder', '#gallery-order'])
  $(sel).addEventListener('change', () => {
    gallery.before = null;
    saveControls({}, false);
    loadGallery(true);
  });
function setListView(list) {
  $('#gallery').classList.toggle('list', list);
  $('#view-grid').setAttribute('aria-pressed', String(!list));
  $('#view-list').setAttribute('aria-pressed', String(list));
}
for (const [id, list] of [
  ['#view-grid', false],
  ['#view-list', true],
])
  $(id).addEventListener('click', () => (setListView(list), saveControls({}, false)));

// ---- duplicates: each group side by side; keep one, delete the others (Loupe's records, never the user's files)
async function loadDuplicates() {
  const status = $('#duplicates-status');
  status.textContent = 'Looking for duplicates…';
  try {
    const { groups } = await api('/api/v1/duplicates');
    $('#duplicates').replaceChildren(...groups.map(duplicateGroup));
    const near = groups.filter((g) => g.kind === 'near').length;
    status.textContent = groups.length
      ? `${plural(near, 'group')} of near copies${groups.length > near ? `, ${plural(groups.length - near, 'file')} stored at several paths` : ''}`
      : 'No duplicates found.';
  } catch (e) {
    status.textContent = `Could not look for duplicates: ${e.message}`;
  }
}
function duplicateGroup(group, index) {
  const name = `keep-${index}`;
  // The largest picture is kept unless the user picks another.
  const best = group.images.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), group.images[0]);
  const members = group.images.map((image) => {
    const label = `${image.filename}, ${image.width} × ${image.height}`;
    const radio = el('input', {
      type: 'radio',
      name,
      value: image.id,
      checked: image.id === best.id,
      ariaLabel: `Keep ${label}`,
    });
    const meta = [
      ['Size', `${image.width} × ${image.height} ${image.format.toUpperCase()}, ${kb(image.bytes)}`],
      ['Taken', image.exif?.takenAt ? wallClock(image.exif.takenAt) : '—'],
      ['Paths', image.paths.join('\n') || image.filename],
    ];
    const li = el(
      'li',
      { className: 'member' },
      el('img', { src: image.thumbnailUrl, alt: image.caption || image.filename, loading: 'lazy' }),
      el('dl', {}, ...meta.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })])),
      ...(group.kind === 'near' ? [el('label', { className: 'keep-choice' }, radio, ' Keep this one')] : []),
    );
    li.dataset.id = image.id;
    li.classList.toggle('keep', image.id === best.id);
    return li;
  });
  const title =
    group.kind === 'exact'
      ? `The same file at ${group.images[0].paths.length} paths (stored once; nothing to delete)`
      : `${group.images.length} near copies (differ by up to ${group.maxDistance} of 64 bits)`;
  const section = el(
    'li',
    { className: 'group' },
    el('h3', { textContent: title }),
    el('ul', { className: 'members' }, ...members),
  );
  section.dataset.kind = group.kind;
  section.addEventListener('change', () =>
    members.forEach((m) => m.classList.toggle('keep', m.querySelector('input')?.checked)),
  );
  if (group.kind === 'near') {
    const del = el('button', { type: 'button', textContent: 'Delete the others' });
    del.addEventListener('click', async () => {
      const keep = section.querySelector(`input[name=${name}]:checked`)?.value;
      const others = group.images.filter((i) => i.id !== keep);
      if (
        !keep ||
        !confirm(
          `Delete ${others.length} cop${others.length === 1 ? 'y' : 'ies'} from the library? Files in your folders stay where they are.`,
        )
      )
        return;
      try {
        for (const other of others)
          await api(`/api/v1/images/${other.id}`, { method: 'DELETE' }).catch((e) =>
            gone(e) ? null : Promise.reject(e),
          );
      } catch (e) {
        notice(`Could not delete every copy: ${e.message}`);
      }
      loadDuplicates();
    });
    section.append(del);
  }
  return section;
}

// ---- map: photos with GPS by country on an offline world outline; a place opens the photos taken near it
const NEAR_KM = 250;
async function loadMap() {
  const status = $('#map-status');
  try {
    const { places } = await api('/api/v1/images/places');
    const svgNs = 'http://www.w3.org/2000/svg';
    const most = Math.max(1, ...places.map((p) => p.count));
    $('#map-marks').replaceChildren(
      ...places.map((p) => {
        const mark = document.createElementNS(svgNs, 'circle');
        mark.setAttribute('cx', String(p.lon + 180));
        mark.setAttribute('cy', String(90 - p.lat));
        mark.setAttribute('r', String(1.5 + 4 * Math.sqrt(p.count / most)));
        mark.addEventListener('click', () => showPlace(p));
        return mark;
      }),
    );
    $('#places').replaceChildren(
      ...places.map((p) =>
        el(
          'li',
          {},
          el('button', {
            type: 'button',
            textContent: `${p.country ? countryName(p.country) : 'At sea or unmapped'}: ${plural(p.count, 'photo')}`,
            onclick: () => showPlace(p),
          }),
        ),
      ),
    );
    status.textContent = places.length ? '' : 'No photo has a GPS position yet.';
  } catch (e) {
    status.textContent = `Could not load the map: ${e.message}`;
  }
}
function showPlace(p) {
  for (const [, sel] of FILTER_FIELDS) $(sel).value = '';
  $('#filter-near').value = `${p.lat.toFixed(4)},${p.lon.toFixed(4)},${NEAR_KM}`;
  $('#search-query').value = '';
  $('#search-options').open = true;
  $('#search-filters').open = true;
  countFilters();
  selectTab($('#tab-search'), { push: false });
  runTextSearch();
}

// ---- stats: when the server cannot be reached, the last numbers stay with a warning saying how old they are
let statsShownAt = null;
async function loadStats() {
  let stats;
  try {
    stats = await refreshFolders();
  } catch (e) {
    $('#stats-warning').textContent =
      `${e.message}${statsShownAt ? ` The numbers below are from ${statsShownAt.toLocaleTimeString()}.` : ''}`;
    $('#stats-warning').hidden = false;
    return;
  }
  $('#stats-warning').hidden = true;
  statsShownAt = new Date();
  const table = (caption, head, rows) =>
    el(
      'div',
      { className: 'table-wrap' },
      el(
        'table',
        {},
        el('caption', { textContent: caption }),
        el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', textContent: h })))),
        el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { textContent: String(c) }))))),
      ),
    );
  const q = stats.queue;
  $('#stats').replaceChildren(
    el('p', { id: 'stats-images', textContent: plural(stats.images, 'image') }),
    el('p', { textContent: `Queue: ${q.pending} waiting, ${q.running} indexing, ${q.done} done, ${q.failed} failed` }),
    table(
      'Folders',
      ['folder', 'images'],
      Object.entries(stats.folders).map(([f, n]) => [f || '(root)', n]),
    ),
    table(
      'Models',
      ['model', 'dimensions', 'vectors'],
      stats.models.map((m) => [m.model, m.dim, m.count]),
    ),
    table(
      'Indexing passes',
      ['pass', 'model', 'done', 'pending'],
      stats.passes.map((p) => [p.pass, p.model ?? `off: ${p.unavailable}`, p.done, p.pending]),
    ),
  );
}
events.addEventListener('progress', () => !$('#panel-stats').hidden && loadStats());

// ---- start: the URL says what to show; Back and Forward show it again
async function applyUrl({ first = false } = {}) {
  const params = state();
  if (!first)
    restoreControls(params); // the first time, before anything was awaited (see below)
  // Folder choices exist only once the folders are loaded.
  else
    for (const [key, sel] of [
      ['folder', '#search-folder'],
      ['gfolder', '#gallery-folder'],
    ])
      if (params.get(key)) $(sel).value = params.get(key);
  const tab = tabs.find((t) => t.id === `tab-${params.get('tab')}`) ?? tabs[0];
  selectTab(tab, { push: false });
  if (tab.id === 'tab-search') {
    if (params.get('similar')) runSimilar(params.get('similar').split(','), 'the chosen photos', { push: false });
    else if (params.get('q') || FILTER_FIELDS.some(([k]) => params.has(k)) || params.has('has'))
      runTextSearch({ push: false });
  }
  const photo = params.get('photo');
  if (photo && photo !== viewer.id) openViewer(photo, [], { push: false });
  else if (!photo && $('#preview').open) $('#preview').close();
  if (first && matchMedia('(max-width: 600px)').matches && !FILTER_FIELDS.some(([k]) => params.has(k)))
    $('#search-options').open = false;
}
window.addEventListener('popstate', () => applyUrl());
await refreshFolders().catch(() => {});
await applyUrl({ first: true });
document.body.dataset.ready = 'true'; // for tests and scripts: the page has done what its URL asks
