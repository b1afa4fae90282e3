// Loupe web UI: plain ES modules, no build step, talks only to /api/v1.
const $ = (sel) => document.querySelector(sel);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};

// A server with LOUPE_AUTH=on asks for an API key once. The server checks it and keeps it in an HttpOnly
// cookie (scripts cannot read it) that images, uploads and the event stream send too.
async function askForKey() {
  const key = window.prompt('This Loupe server needs an API key (make one with: loupe keys create --space NAME)');
  if (!key) return false;
  const res = await fetch('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: key.trim() }) });
  return res.ok;
}

async function api(path, options = {}, retried = false) {
  const res = await fetch(path, options);
  if (res.status === 401 && !retried && (await askForKey())) {
    location.reload();
    return new Promise(() => {});
  }
  if (res.status === 204) return null;
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.message ?? `HTTP ${res.status}`);
  return body;
}

// ---- spaces: a key (or a server without auth) may open several libraries. The choice travels as a
// same-site cookie like the key, so images, uploads and the event stream work in the chosen space too.
function useSpace(name) {
  document.cookie = `loupe_space=${encodeURIComponent(name)}; path=/; SameSite=Strict`;
  location.reload();
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
await setupSpaces().catch(() => {}); // before anything else asks the server for this space's data

// ---- tabs (arrow keys move between them, as the ARIA tabs pattern expects)
const tabs = [...document.querySelectorAll('[role=tab]')];
function selectTab(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $('#' + t.getAttribute('aria-controls')).hidden = !on;
  }
  if (tab.id === 'tab-gallery') loadGallery(true);
  if (tab.id === 'tab-stats') loadStats();
  if (tab.id === 'tab-duplicates') loadDuplicates();
}
tabs.forEach((tab, i) => {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (e) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = tabs[(i + step + tabs.length) % tabs.length];
    next.focus();
    selectTab(next);
  });
});

// ---- folders for the filters
async function refreshFolders() {
  const stats = await api('/api/v1/stats');
  for (const select of [$('#search-folder'), $('#gallery-folder')]) {
    const current = select.value;
    select.replaceChildren(select.options[0]);
    for (const folder of Object.keys(stats.folders).filter(Boolean)) select.append(el('option', { value: folder, textContent: folder }));
    select.value = current;
  }
  return stats;
}

// ---- result cards and the preview
function card(item, { similarity, onDelete, editable } = {}) {
  const name = item.filename ?? item.id;
  const img = el('img', { src: item.thumbnailUrl, alt: item.caption || name, loading: 'lazy', width: 320, height: 240 });
  const thumb = el('button', { className: 'thumb', type: 'button', ariaLabel: `Open ${name}` }, img);
  thumb.addEventListener('click', () => openPreview(item.id));
  const body = el('div', { className: 'body' });
  if (similarity !== undefined) body.append(el('span', { className: 'badge', textContent: `${similarity.toFixed(1)}%` }));
  body.append(el('span', { className: 'name', textContent: name, title: name }));
  if (item.folder) body.append(el('span', { className: 'folder', textContent: `in ${item.folder}` }));
  if (item.exif?.takenAt)
    body.append(
      el('time', { className: 'when', dateTime: item.exif.takenAt, textContent: new Date(item.exif.takenAt).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) }),
    );
  if (item.explain?.matched?.length) body.append(el('span', { className: 'matched', textContent: `words in ${item.explain.matched.join(', ')}` }));
  const caption = el('span', { className: 'caption', textContent: item.caption ?? '' });
  body.append(caption);
  if (editable) {
    const actions = el('div', { className: 'actions' });
    const edit = el('button', { type: 'button', textContent: 'Edit caption', ariaLabel: `Edit caption of ${name}` });
    edit.addEventListener('click', async () => {
      const text = prompt(`Caption for ${name}`, item.caption ?? '');
      if (text === null) return;
      const updated = await api(`/api/v1/images/${item.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caption: text }) });
      item.caption = updated.caption;
      caption.textContent = updated.caption ?? '';
      img.alt = updated.caption || name;
    });
    const del = el('button', { type: 'button', textContent: 'Delete', ariaLabel: `Delete ${name}` });
    del.addEventListener('click', async () => {
      if (!confirm(`Delete ${name} from the library?`)) return;
      await api(`/api/v1/images/${item.id}`, { method: 'DELETE' });
      onDelete?.();
    });
    actions.append(edit, del);
    body.append(actions);
  }
  const li = el('li', { className: 'card' }, thumb, body);
  li.dataset.id = item.id;
  return li;
}

let previewId = null;
async function openPreview(id) {
  const item = await api(`/api/v1/images/${id}`);
  previewId = id;
  $('#preview-title').textContent = item.filename ?? id;
  Object.assign($('#preview-image'), { src: item.url, alt: item.caption || item.filename || 'image' });
  const meta = [
    ['Caption', item.caption || '—'],
    ['Folder', item.folder || '—'],
    ['Size', `${item.width} × ${item.height} ${item.format?.toUpperCase() ?? ''}`],
    ['Taken', item.exif?.takenAt ?? '—'],
    ['Camera', item.exif?.camera ?? '—'],
    ['Place', item.exif?.gps ? `${item.exif.gps.lat.toFixed(4)}, ${item.exif.gps.lon.toFixed(4)}${item.exif.country ? ` (${item.exif.country})` : ''}` : '—'],
    ['Tags', item.tags?.join(', ') || '—'],
    ['Objects', item.labels?.map((l) => `${l.label} ${Math.round(l.confidence * 100)}%`).join(', ') || '—'],
    ['Text in image', item.textInImage ? item.textInImage.slice(0, 400) : '—'],
  ];
  $('#preview-meta').replaceChildren(...meta.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })]));
  $('#preview').showModal();
}
$('#preview-similar').addEventListener('click', async () => {
  $('#preview').close();
  selectTab($('#tab-search'));
  const params = filterParams();
  params.set('k', $('#search-k').value);
  if (minSimilarity() !== undefined) params.set('minSimilarity', String(minSimilarity()));
  await showResults(`Similar to ${$('#preview-title').textContent}`, api(`/api/v1/images/${previewId}/similar?${params}`));
});

// ---- search
async function showResults(label, request) {
  const status = $('#search-status');
  status.textContent = 'Searching…';
  try {
    const { results, applied } = await request;
    const filter = applied?.folder ? ` in folder “${applied.folder}”${applied.folderDetected ? ' (detected from your words)' : ''}` : '';
    status.textContent = `${label}: ${results.length} result${results.length === 1 ? '' : 's'}${filter}`;
    $('#search-results').replaceChildren(...results.map((r) => card(r, { similarity: r.similarity })));
  } catch (e) {
    status.textContent = `Search failed: ${e.message}`;
  }
}
// The filter controls, as the API's structured fields (only those set).
function chosenFilters() {
  const f = {};
  const value = (id) => $(id).value.trim();
  if (value('#filter-after')) f.after = value('#filter-after');
  if (value('#filter-before')) f.before = value('#filter-before');
  if (value('#filter-camera')) f.camera = value('#filter-camera');
  if (value('#filter-country')) f.country = value('#filter-country');
  if (value('#filter-near')) {
    const [lat, lon, km] = value('#filter-near').split(',').map(Number);
    f.near = { lat, lon, ...(km ? { km } : {}) };
  }
  if (value('#filter-type')) f.type = value('#filter-type');
  if (value('#filter-orientation')) f.orientation = value('#filter-orientation');
  if (value('#filter-min-width')) f.minWidth = Number(value('#filter-min-width'));
  const has = [...document.querySelectorAll('#search-filters input[name=has]:checked')].map((c) => c.value);
  if (has.length) f.has = has;
  return f;
}
function countFilters() {
  const n = Object.keys(chosenFilters()).length;
  $('#search-filter-count').textContent = n ? `(${n} on)` : '';
}
$('#search-filters').addEventListener('input', countFilters);
$('#filter-clear').addEventListener('click', () => {
  for (const input of document.querySelectorAll('#search-filters input, #search-filters select')) input.type === 'checkbox' ? (input.checked = false) : (input.value = '');
  countFilters();
});
/** The "At least %" cutoff, for every kind of search; undefined when unset. */
function minSimilarity() {
  const min = Number($('#search-min').value);
  return min > 0 && min <= 100 ? min : undefined;
}
/** Filters and sort, for a search by image or similar-to-id (the same fields as query parameters). */
function filterParams() {
  const f = chosenFilters();
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) params.set(k, k === 'near' ? [v.lat, v.lon, v.km].filter((x) => x !== undefined).join(',') : Array.isArray(v) ? v.join(',') : String(v));
  if ($('#search-sort').value !== 'relevance') params.set('sort', $('#search-sort').value);
  return params;
}
$('#search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const query = $('#search-query').value.trim();
  const filters = chosenFilters();
  // Filters alone are a search too: the images that pass them, newest first.
  if (!query && !Object.keys(filters).length) return;
  const min = minSimilarity();
  const sort = $('#search-sort').value;
  const body = {
    query,
    k: Number($('#search-k').value),
    mode: $('#search-mode').value,
    ...($('#search-folder').value ? { folder: $('#search-folder').value } : {}),
    ...(min !== undefined ? { minSimilarity: min } : {}),
    ...(Object.keys(filters).length ? { filters } : {}),
    ...(sort !== 'relevance' ? { sort } : {}),
  };
  showResults(query ? `“${query}”` : 'Filtered', api('/api/v1/images/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
});
function searchByFile(file) {
  const form = new FormData();
  form.append('file', file);
  form.append('k', $('#search-k').value);
  if ($('#search-folder').value) form.append('folder', $('#search-folder').value);
  const filters = chosenFilters();
  if (Object.keys(filters).length) form.append('filters', JSON.stringify(filters));
  if ($('#search-sort').value !== 'relevance') form.append('sort', $('#search-sort').value);
  if (minSimilarity() !== undefined) form.append('minSimilarity', String(minSimilarity()));
  showResults(`Like ${file.name}`, api('/api/v1/images/search/by-image', { method: 'POST', body: form }));
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

// ---- upload: bytes by XHR progress, then indexing by server-sent events
const pending = new Map(); // job id → row updater
const events = new EventSource('/api/v1/events');
events.addEventListener('job', (e) => {
  const job = JSON.parse(e.data);
  pending.get(job.id)?.(job);
});

const uploads = { total: 0, finished: 0 };
function updateOverall() {
  $('#upload-overall').hidden = uploads.total === 0;
  $('#upload-progress').max = uploads.total || 1;
  $('#upload-progress').value = uploads.finished;
  $('#upload-count').textContent = `${uploads.finished} of ${uploads.total} done`;
}

function uploadFile(file) {
  const bar = el('progress', { max: 1, value: 0, ariaLabel: `Progress of ${file.name}` });
  const state = el('span', { className: 'state', textContent: 'uploading…' });
  const img = el('img', { alt: '' });
  const row = el('li', {}, img, el('div', {}, el('div', { className: 'name', textContent: file.name }), bar, state));
  row.dataset.name = file.name;
  $('#upload-list').append(row);
  uploads.total++;
  updateOverall();
  const finish = (ok, text, item) => {
    bar.value = 1;
    state.textContent = text;
    state.className = `state ${ok ? 'done' : 'failed'}`;
    row.dataset.state = ok ? 'done' : 'failed';
    if (item?.thumbnailUrl) Object.assign(img, { src: item.thumbnailUrl, alt: item.caption || file.name });
    uploads.finished++;
    updateOverall();
  };
  return new Promise((resolve) => {
    const form = new FormData();
    form.append('file', file);
    if ($('#upload-folder').value) form.append('folder', $('#upload-folder').value);
    if ($('#upload-caption').value) form.append('caption', $('#upload-caption').value);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/images');
    xhr.upload.onprogress = (e) => e.lengthComputable && (bar.value = (e.loaded / e.total) * 0.5);
    xhr.onerror = () => (finish(false, 'network error'), resolve());
    xhr.onload = async () => {
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null; /* not JSON: the status says what happened */
      }
      if (xhr.status !== 201 || !body?.images?.length) {
        finish(false, body?.message ?? body?.errors?.[0]?.message ?? `HTTP ${xhr.status}`);
        return resolve();
      }
      const record = body.images[0];
      const done = async () => {
        const item = await api(`/api/v1/images/${record.id}`).catch(() => record);
        if (item.status === 'failed') finish(false, item.message ?? 'indexing failed');
        else finish(true, `${record.duplicate ? 'already in the library' : 'indexed'}${item.caption ? ' — ' + item.caption : ''}`, item);
        resolve();
      };
      if (record.status === 'ready') return done();
      bar.value = 0.6;
      state.textContent = 'indexing…';
      pending.set(record.id, (job) => (pending.delete(record.id), job.status === 'failed' ? (finish(false, job.error), resolve()) : done()));
      // The job may have ended before we listened.
      const now = await api(`/api/v1/images/${record.id}`).catch(() => null);
      if (now && now.status !== 'pending' && now.status !== 'running' && pending.has(record.id)) pending.get(record.id)({ status: now.status, error: now.message });
    };
    xhr.send(form);
  });
}

async function uploadAll(files) {
  const queue = [...files];
  // Three uploads at a time: the server batches their indexing.
  await Promise.all(
    [0, 1, 2].map(async () => {
      while (queue.length) await uploadFile(queue.shift());
    }),
  );
  refreshFolders();
}
dropZone($('#upload-drop'), $('#upload-files'), uploadAll);

// ---- gallery: pages of 40, more on scroll or with the button
const gallery = { cursor: null, loading: false, month: null };
const monthOf = (item) => new Date(item.exif?.takenAt ?? item.createdAt).toLocaleDateString(undefined, { year: 'numeric', month: 'long' });
async function loadGallery(reset = false) {
  if (gallery.loading) return;
  gallery.loading = true;
  if (reset) {
    gallery.cursor = null;
    gallery.month = null;
    $('#gallery').replaceChildren();
  }
  try {
    const folder = $('#gallery-folder').value;
    const order = $('#gallery-order').value;
    const page = await api(`/api/v1/images?limit=40&order=${order}${folder ? '&folder=' + encodeURIComponent(folder) : ''}${gallery.cursor ? '&cursor=' + gallery.cursor : ''}`);
    for (const item of page.items) {
      // By date taken, a heading starts each month (images without a date count by when they were added).
      const month = monthOf(item);
      if (order === 'taken' && month !== gallery.month) {
        gallery.month = month;
        $('#gallery').append(el('li', { className: 'month', role: 'presentation' }, el('h3', { textContent: month })));
      }
      const li = card(item, { editable: true, onDelete: () => li.remove() });
      $('#gallery').append(li);
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
$('#gallery-more').addEventListener('click', () => loadGallery());
new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && gallery.cursor && loadGallery()).observe($('#gallery-more'));
$('#gallery-folder').addEventListener('change', () => loadGallery(true));
$('#gallery-order').addEventListener('change', () => loadGallery(true));
for (const [id, list] of [
  ['#view-grid', false],
  ['#view-list', true],
])
  $(id).addEventListener('click', () => {
    $('#gallery').classList.toggle('list', list);
    $('#view-grid').setAttribute('aria-pressed', String(!list));
    $('#view-list').setAttribute('aria-pressed', String(list));
  });

// ---- duplicates: each group side by side; keep one, delete the others (Loupe's records, never the user's files)
const kb = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`);
async function loadDuplicates() {
  const status = $('#duplicates-status');
  status.textContent = 'Looking for duplicates…';
  try {
    const { groups } = await api('/api/v1/duplicates');
    $('#duplicates').replaceChildren(...groups.map(duplicateGroup));
    status.textContent = groups.length ? `${groups.length} group${groups.length === 1 ? '' : 's'}` : 'No duplicates found.';
  } catch (e) {
    status.textContent = `Could not look for duplicates: ${e.message}`;
  }
}
function duplicateGroup(group, index) {
  const name = `keep-${index}`;
  // The largest picture is kept unless the user picks another.
  const best = group.images.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), group.images[0]);
  const members = group.images.map((image) => {
    const radio = el('input', { type: 'radio', name, value: image.id, checked: image.id === best.id });
    const meta = [
      ['Size', `${image.width} × ${image.height} ${image.format.toUpperCase()}, ${kb(image.bytes)}`],
      ['Taken', image.exif?.takenAt ? new Date(image.exif.takenAt).toLocaleString() : '—'],
      ['Paths', image.paths.join('\n') || image.filename],
    ];
    const li = el(
      'li',
      { className: 'member' },
      el('img', { src: image.thumbnailUrl, alt: image.caption || image.filename, loading: 'lazy' }),
      el('dl', {}, ...meta.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v, style: 'white-space: pre-line' })])),
      ...(group.kind === 'near' ? [el('label', {}, radio, ' Keep this one')] : []),
    );
    li.dataset.id = image.id;
    li.classList.toggle('keep', image.id === best.id);
    return li;
  });
  const title =
    group.kind === 'exact'
      ? `The same file at ${group.images[0].paths.length} paths (stored once; nothing to delete)`
      : `${group.images.length} near copies (differ by up to ${group.maxDistance} of 64 bits)`;
  const section = el('li', { className: 'group' }, el('h3', { textContent: title }), el('ul', { className: 'members' }, ...members));
  section.dataset.kind = group.kind;
  section.addEventListener('change', () => members.forEach((m) => m.classList.toggle('keep', m.querySelector('input')?.checked)));
  if (group.kind === 'near') {
    const del = el('button', { type: 'button', textContent: 'Delete the others' });
    del.addEventListener('click', async () => {
      const keep = section.querySelector(`input[name=${name}]:checked`)?.value;
      const others = group.images.filter((i) => i.id !== keep);
      if (!keep || !confirm(`Delete ${others.length} cop${others.length === 1 ? 'y' : 'ies'} from the library? Files in your folders stay where they are.`)) return;
      for (const other of others) await api(`/api/v1/images/${other.id}`, { method: 'DELETE' });
      loadDuplicates();
    });
    section.append(del);
  }
  return section;
}

// ---- stats
async function loadStats() {
  const stats = await refreshFolders();
  const table = (head, rows) =>
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { textContent: h })))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { textContent: String(c) }))))),
    );
  const q = stats.queue;
  $('#stats').replaceChildren(
    el('p', { id: 'stats-images', textContent: `${stats.images} images` }),
    el('p', { textContent: `Queue: ${q.pending} waiting, ${q.running} indexing, ${q.done} done, ${q.failed} failed` }),
    el('h2', { textContent: 'Folders' }),
    table(
      ['folder', 'images'],
      Object.entries(stats.folders).map(([f, n]) => [f || '(root)', n]),
    ),
    el('h2', { textContent: 'Models' }),
    table(
      ['model', 'dimensions', 'vectors'],
      stats.models.map((m) => [m.model, m.dim, m.count]),
    ),
    el('h2', { textContent: 'Indexing passes' }),
    table(
      ['pass', 'model', 'done', 'pending'],
      stats.passes.map((p) => [p.pass, p.model ?? `off: ${p.unavailable}`, p.done, p.pending]),
    ),
  );
}
events.addEventListener('progress', () => !$('#panel-stats').hidden && loadStats());

refreshFolders().catch(() => {});
