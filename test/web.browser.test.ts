/** The web UI in headless Chromium (Debian's chromium + playwright-core): upload, search, preview, similar, gallery, delete. */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launch, openApp } from './support/browser.js';
import sharp from 'sharp';
import { COCO_IMAGES, colourImage, photoWithExif, requireShared, tempDir } from './support/fixtures.js';
import { createKey } from '../src/app/access.js';
import { form, startTestServer, type TestServer } from './support/server.js';

describe('web UI in a real browser', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let files: string[];
  const shots = process.env.LOUPE_SCREENSHOTS; // a folder to keep screenshots in, for looking at the UI

  before(async () => {
    s = await startTestServer();
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    const dir = await tempDir();
    files = [];
    for (const c of ['red', 'green', 'blue']) {
      const f = path.join(dir, `${c}.png`);
      await writeFile(f, await colourImage(c, 'png'));
      files.push(f);
    }
    const bad = path.join(dir, 'broken.png');
    await writeFile(bad, 'this is not a picture\n'.repeat(10));
    files.push(bad);
    await openApp(page, s.url);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('uploads several files, shows each finish with its thumbnail, and a failure with its reason', async () => {
    await page.getByRole('tab', { name: 'Upload & Index' }).click();
    await page.fill('#upload-folder', 'colours');
    await page.setInputFiles('#upload-files', files);
    await page.waitForFunction(() => document.querySelectorAll('#upload-batches li[data-state]').length === 4, null, {
      timeout: 60_000,
    });
    const rows = await page.$$eval('#upload-batches li[data-name]', (lis) =>
      lis.map((li) => ({
        name: (li as HTMLElement).dataset.name,
        state: (li as HTMLElement).dataset.state,
        text: li.querySelector('.state')!.textContent,
        img: (li.querySelector('img') as HTMLImageElement).getAttribute('src'),
      })),
    );
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    for (const c of ['red', 'green', 'blue']) {
      assert.equal(byName[`${c}.png`].state, 'done');
      assert.match(byName[`${c}.png`].img ?? '', /\/thumbnail$/);
    }
    assert.equal(byName['broken.png'].state, 'failed');
    assert.match(byName['broken.png'].text ?? '', /not an image/);
    assert.equal(
      await page.textContent('#upload-count'),
      '3 indexed, 1 failed of 4',
      'a failure is not counted as done',
    );
    assert.equal(
      await page.$eval('#upload-batches li[data-state=failed] progress', (p) => getComputedStyle(p).display),
      'none',
      'no full bar on a failed row',
    );
    if (shots) await page.screenshot({ path: path.join(shots, 'upload.png') });
  });

  it('searches by text with Enter and shows results with similarity %', async () => {
    await page.getByRole('tab', { name: 'Search' }).click();
    await page.fill('#search-query', 'red');
    await page.press('#search-query', 'Enter');
    await page.waitForSelector('#search-results li');
    const names = await page.$$eval('#search-results .name', (els) => els.map((e) => e.textContent));
    assert.equal(names[0], 'red.png');
    assert.match((await page.textContent('#search-results li .badge')) ?? '', /^\d+(\.\d)?%$/);
    assert.equal(await page.getAttribute('#search-results li img', 'alt'), 'red.png');
    if (shots) await page.screenshot({ path: path.join(shots, 'search.png') });
    // The similarity cutoff: at 100 % nothing is left; back at 0 the results return.
    await page.fill('#search-min', '100');
    await page.press('#search-query', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#search-results li').length === 0);
    await page.fill('#search-min', '0');
    await page.press('#search-query', 'Enter');
    await page.waitForSelector('#search-results li');
  });

  it('opens a full-size preview and finds similar images', async () => {
    await page.click('#search-results li button.thumb');
    await page.waitForSelector('#preview[open]');
    assert.equal(await page.textContent('#preview-title'), 'red.png');
    assert.match((await page.getAttribute('#preview-image', 'src')) ?? '', /\/file$/);
    assert.match((await page.textContent('#preview-meta')) ?? '', /colours/);
    await page.click('#preview-similar');
    await page.waitForFunction(() =>
      document.querySelector('#search-status')?.textContent?.startsWith('Similar to red.png'),
    );
    const names = await page.$$eval('#search-results .name', (els) => els.map((e) => e.textContent));
    assert.equal(names.length, 2);
    assert.ok(!names.includes('red.png'));
  });

  it('sends the "At least %" cutoff with a search by image and with "find similar" too', async () => {
    await page.getByRole('tab', { name: 'Search' }).click();
    const byImage = async () => {
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/images/search/by-image'));
      await page.setInputFiles('#search-file', files[0]);
      await answered;
      await page.waitForFunction(() =>
        document.querySelector('#search-status')?.textContent?.startsWith('Like red.png'),
      );
      return page.$$eval('#search-results .name', (els) => els.map((e) => e.textContent));
    };
    await page.fill('#search-min', '0');
    assert.equal((await byImage()).length, 3, 'without a cutoff: every picture, nearest first');
    await page.fill('#search-min', '99');
    assert.deepEqual(await byImage(), ['red.png'], 'at 99 %: only the same picture');
    await page.click('#search-results li button.thumb');
    await page.waitForSelector('#preview[open]');
    const similar = page.waitForRequest((r) => r.url().includes('/similar?'));
    await page.click('#preview-similar');
    assert.match((await similar).url(), /minSimilarity=99/);
    await page.waitForFunction(() =>
      document.querySelector('#search-status')?.textContent?.startsWith('Similar to red.png: 0 results'),
    );
    await page.fill('#search-min', '0');
  });

  it('lists the gallery, switches grid and list views, edits a caption and deletes an image', async () => {
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#gallery li.card').length === 3);
    await page.click('#view-list');
    assert.equal(await page.getAttribute('#view-list', 'aria-pressed'), 'true');
    assert.ok(await page.$eval('#gallery', (g) => g.classList.contains('list')));
    await page.click('#view-grid');
    assert.ok(!(await page.$eval('#gallery', (g) => g.classList.contains('list'))));

    page.removeAllListeners('dialog');
    page.once('dialog', (d) => void d.accept('a green field'));
    await page.getByRole('button', { name: 'Edit caption of green.png' }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#gallery .caption')].some((c) => c.textContent === 'a green field'),
    );
    const { items } = await (await fetch(`${s.url}/api/v1/images`)).json();
    const green = items.find((i: { filename: string }) => i.filename === 'green.png');
    assert.equal(green.caption, 'a green field');

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete green.png' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#gallery li.card').length === 2);
    assert.equal((await fetch(`${s.url}/api/v1/images/${green.id}`)).status, 404);
    if (shots) await page.screenshot({ path: path.join(shots, 'gallery.png') });
  });

  it('shows stats, moves between tabs with the arrow keys, and fits a phone-width screen', async () => {
    await page.getByRole('tab', { name: 'Stats' }).click();
    await page.waitForSelector('#stats-images');
    assert.equal(await page.textContent('#stats-images'), '2 images');
    await page.focus('#tab-stats');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getAttribute('#tab-duplicates', 'aria-selected'), 'true');
    assert.ok(await page.$eval('#tab-duplicates', (t) => t === document.activeElement));

    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole('tab', { name: 'Search' }).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than a phone screen`);
    if (shots) await page.screenshot({ path: path.join(shots, 'phone.png') });
  });
});

describe('web UI with API keys and several spaces (LOUPE_AUTH=on)', () => {
  const shots = process.env.LOUPE_SCREENSHOTS;
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const galleryNames = () => page.$$eval('#gallery li .name', (names) => names.map((n) => n.textContent).sort());

  before(async () => {
    s = await startTestServer({ LOUPE_AUTH: 'on' });
    await s.lib.access.createSpace('alpha', 'carol');
    await s.lib.access.createSpace('beta', 'bob');
    await s.lib.access.shareSpace('beta', 'carol');
    const { key } = await createKey(s.lib.access, { user: 'carol' }); // opens alpha and beta
    for (const [space, colour] of [
      ['alpha', 'red'],
      ['beta', 'blue'],
      ['beta', 'green'],
    ]) {
      const body = form([{ name: `${colour}.png`, bytes: await colourImage(colour, 'png'), type: 'image/png' }]);
      const res = await fetch(`${s.url}/api/v1/images?wait=true`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${key}`, 'x-loupe-space': space },
      });
      assert.equal(res.status, 201, await res.text());
    }
    browser = await launch();
    // Cancel first: asked once, not again on every action; the header offers Sign in.
    const cancelled = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await openApp(cancelled, s.url);
    await cancelled.waitForSelector('#signin[open]');
    await cancelled.click('#signin-cancel');
    await cancelled.getByRole('tab', { name: 'Gallery' }).click();
    await cancelled.getByRole('tab', { name: 'Stats' }).click();
    await cancelled.waitForSelector('#stats-warning:not([hidden])');
    assert.match((await cancelled.textContent('#stats-warning')) ?? '', /Sign in/);
    assert.equal(await cancelled.$('#signin[open]'), null, 'not asked again after Cancel');
    assert.ok(await cancelled.isVisible('#signin-open'));
    await cancelled.close();

    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await openApp(page, s.url);
    await page.waitForSelector('#signin[open]');
    assert.equal(await page.getAttribute('#signin-key', 'type'), 'password', 'the key is not shown as it is typed');
    await page.fill('#signin-key', 'not-a-key');
    await page.click('#signin-submit');
    await page.waitForFunction(() => /not valid/.test(document.querySelector('#signin-error')?.textContent ?? ''));
    await page.fill('#signin-key', key);
    await page.click('#signin-submit');
    await page.waitForSelector('#space-picker:not([hidden])');
    assert.ok(await page.isVisible('#signout'), 'signed in: Sign out is in the header');
    assert.equal(await page.textContent('#account-user'), 'carol');
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it("offers the key's spaces and starts in the first", async () => {
    assert.deepEqual(await page.$$eval('#space option', (o) => o.map((x) => (x as HTMLOptionElement).value)), [
      'alpha',
      'beta',
    ]);
    assert.equal(await page.inputValue('#space'), 'alpha');
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.waitForSelector('#gallery li');
    assert.deepEqual(await galleryNames(), ['red.png']);
  });

  it("switching space shows only that space's images, thumbnails and stats", async () => {
    await page.selectOption('#space', 'beta');
    await page.waitForFunction(
      () =>
        (document.querySelector('#space') as HTMLSelectElement | null)?.value === 'beta' &&
        !document.querySelector('#space-picker')!.hasAttribute('hidden'),
    );
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#gallery li.card').length === 2);
    assert.deepEqual(await galleryNames(), ['blue.png', 'green.png']);
    // Thumbnails are plain <img> requests: they reach the chosen space through the cookies alone.
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('#gallery img')].every((i) => i.complete && i.naturalWidth > 0),
    );
    await page.getByRole('tab', { name: 'Stats' }).click();
    await page.waitForSelector('#stats-images');
    assert.equal(await page.textContent('#stats-images'), '2 images');
    if (shots) await page.screenshot({ path: path.join(shots, 'spaces.png') });
    // Switching space keeps the tab.
    await page.selectOption('#space', 'alpha');
    await page.waitForFunction(() => (document.querySelector('#space') as HTMLSelectElement | null)?.value === 'alpha');
    await page.waitForSelector('#stats-images');
    assert.equal(await page.getAttribute('#tab-stats', 'aria-selected'), 'true');
    assert.equal(await page.textContent('#stats-images'), '1 image');
  });

  it('signs out from the header', async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin[open]');
    assert.equal(await page.evaluate(() => fetch('/api/v1/stats').then((r) => r.status)), 401, 'the cookie is gone');
    assert.ok(await page.isHidden('#signout'));
  });
});

describe('web UI: stored markup stays text (no stored XSS)', () => {
  let s: TestServer;
  let browser: Browser;
  const marks = {
    filename: '<img src=x onerror="window.__xss=1">.png',
    folder: '<svg onload="window.__xss=2">',
    caption: 'hello <script>window.__xss=3</script><b id="injected">bold</b>',
    tag: '<img src=y onerror="window.__xss=4">',
  };

  before(async () => {
    s = await startTestServer();
    browser = await launch();
    const res = await fetch(`${s.url}/api/v1/images?wait=true`, {
      method: 'POST',
      body: form([{ name: marks.filename, bytes: await colourImage('red', 'png'), type: 'image/png' }], {
        folder: marks.folder,
        caption: marks.caption,
        tags: marks.tag,
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('a file name, folder, caption and tag holding markup show as text in gallery, results and preview, and nothing runs', async () => {
    const page = await browser.newPage();
    const injected = () =>
      page.evaluate(() => ({
        ran: (window as unknown as { __xss?: number }).__xss ?? null,
        elements: document.querySelectorAll('img[src="x"], img[src="y"], #injected, main script, svg[onload]').length,
      }));
    await openApp(page, s.url);
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#gallery li.card').length === 1);
    const galleryText = await page.textContent('#gallery');
    assert.ok(
      galleryText?.includes('<b id="injected">bold</b>') || galleryText?.includes(marks.filename),
      `gallery shows the markup as text: ${galleryText}`,
    );
    await page.getByRole('tab', { name: 'Search' }).click();
    await page.fill('#search-query', 'bold');
    await page.press('#search-query', 'Enter');
    await page.waitForSelector('#search-results li');
    assert.equal(await page.textContent('#search-results .name'), marks.filename);
    await page.click('#search-results li button.thumb');
    await page.waitForSelector('#preview[open]');
    assert.equal(await page.textContent('#preview-title'), marks.filename);
    assert.ok((await page.textContent('#preview-meta'))?.includes(marks.folder), 'the folder shows as text');
    assert.deepEqual(await injected(), { ran: null, elements: 0 });
    await page.close();
  });
});

describe('web UI: filters, the gallery by date taken, and reviewing duplicates', () => {
  const shots = process.env.LOUPE_SCREENSHOTS;
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, string> = {};

  before(async () => {
    await requireShared();
    s = await startTestServer();
    const [photoA, photoB] = (await readdir(COCO_IMAGES))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, 2);
    const original = await readFile(path.join(COCO_IMAGES, photoA));
    const uploads: [string, Buffer][] = [
      [
        'pixel-2019.jpg',
        await photoWithExif('red', { taken: '2019:06:15 10:00:00', make: 'Google', model: 'Pixel 7' }),
      ],
      ['canon-2021.jpg', await photoWithExif('blue', { taken: '2021:03:02 10:00:00', make: 'Canon', model: 'EOS R5' })],
      [
        'pixel-2021.jpg',
        await photoWithExif('green', { taken: '2021:03:20 10:00:00', make: 'Google', model: 'Pixel 5' }),
      ],
      // A photo, a smaller re-encoded copy of it (a near duplicate) and another photo.
      ['photo.jpg', original],
      ['photo-small.jpg', await sharp(original).resize(320).jpeg({ quality: 70 }).toBuffer()],
      ['other.jpg', await readFile(path.join(COCO_IMAGES, photoB))],
    ];
    for (const [name, bytes] of uploads) {
      const res = await fetch(`${s.url}/api/v1/images?wait=true`, {
        method: 'POST',
        body: form([{ name, bytes, type: 'image/jpeg' }]),
      });
      assert.equal(res.status, 201, await res.clone().text());
      ids[name] = ((await res.json()) as { images: { id: string }[] }).images[0].id;
    }
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    await openApp(page, s.url);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('searches by filters alone and with words, sorted by date taken', async () => {
    await page.click('#search-filters summary');
    await page.fill('#filter-camera', 'pixel');
    assert.equal(await page.textContent('#search-filter-count'), '(1 on)');
    await page.click('#search-form button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#search-results li').length === 2);
    assert.deepEqual(
      await page.$$eval('#search-results .name', (n) => n.map((e) => e.textContent)),
      ['pixel-2021.jpg', 'pixel-2019.jpg'],
      'newest first',
    );
    assert.match((await page.textContent('#search-results li .when')) ?? '', /2021/);
    await page.fill('#filter-after', '2021-01-01');
    await page.fill('#filter-camera', '');
    await page.selectOption('#search-sort', 'oldest');
    await page.fill('#search-query', 'a picture');
    await page.press('#search-query', 'Enter');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#search-results li').length === 2 &&
        document.querySelector('#search-results .name')?.textContent === 'canon-2021.jpg',
    );
    assert.deepEqual(await page.$$eval('#search-results .name', (n) => n.map((e) => e.textContent)), [
      'canon-2021.jpg',
      'pixel-2021.jpg',
    ]);
    if (shots) await page.screenshot({ path: path.join(shots, 'filters.png') });
    await page.click('#filter-clear');
    await page.selectOption('#search-sort', 'relevance');
  });

  it('shows the gallery by date taken under month headings', async () => {
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#gallery li.card').length === 6);
    const sequence = await page.$$eval('#gallery > li', (lis) =>
      lis.map((li) =>
        li.classList.contains('month') ? `# ${li.textContent}` : li.querySelector('.name')!.textContent,
      ),
    );
    const march = sequence.indexOf(sequence.find((t) => t?.startsWith('# ') && /2021/.test(t))!);
    assert.ok(march >= 0, JSON.stringify(sequence));
    assert.deepEqual(
      sequence.slice(march + 1, march + 3),
      ['pixel-2021.jpg', 'canon-2021.jpg'],
      'one heading over both March 2021 photos, newest first',
    );
    assert.ok(/2019/.test(sequence[march + 3] ?? ''), 'then the 2019 heading');
    assert.equal(sequence[march + 4], 'pixel-2019.jpg');
  });

  it('reviews a near-duplicate group side by side and deletes the copy not kept', async () => {
    await page.getByRole('tab', { name: 'Duplicates' }).click();
    const group = page.locator('#duplicates li.group', {
      has: page.locator(`li.member[data-id="${ids['photo.jpg']}"]`),
    });
    await group.waitFor();
    assert.equal(await group.getAttribute('data-kind'), 'near');
    const members = await group
      .locator('li.member')
      .evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.id));
    assert.deepEqual(new Set(members), new Set([ids['photo.jpg'], ids['photo-small.jpg']]));
    const text = await group.textContent();
    assert.match(text ?? '', /640 × \d+ JPEG/, 'the resolution tells them apart');
    assert.match(text ?? '', /320 × \d+ JPEG/);
    assert.ok(
      await group.locator(`li.member[data-id="${ids['photo.jpg']}"].keep`).count(),
      'the larger one is kept unless chosen otherwise',
    );
    // Keep the small copy instead, and delete the other.
    await group.locator(`li.member[data-id="${ids['photo-small.jpg']}"] input[type=radio]`).check();
    if (shots) await page.screenshot({ path: path.join(shots, 'duplicates.png') });
    await group.getByRole('button', { name: 'Delete the others' }).click();
    await page.waitForFunction(
      (id) => !document.querySelector(`#duplicates li.member[data-id="${id}"]`),
      ids['photo.jpg'],
    );
    assert.equal((await fetch(`${s.url}/api/v1/images/${ids['photo.jpg']}`)).status, 404, 'the copy not kept is gone');
    assert.equal((await fetch(`${s.url}/api/v1/images/${ids['photo-small.jpg']}`)).status, 200, 'the kept one stays');
    assert.equal((await fetch(`${s.url}/api/v1/images/${ids['other.jpg']}`)).status, 200);
  });
});
