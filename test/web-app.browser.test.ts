/**
 * The web app as a photo library people keep open (Debian's chromium + playwright-core): state in the URL, the
 * full-screen viewer, selection and bulk actions, no silent failures, phone layout, the gallery's dates, duplicates,
 * keyboard use and an automated accessibility check (axe-core in the page) on every tab.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launch, openApp } from './support/browser.js';
import sharp from 'sharp';
import { indexPaths } from '../src/app/index-paths.js';
import { COCO_IMAGES, colourImage, photoWithExif, requireShared, tempDir } from './support/fixtures.js';
import { startTestServer, type TestServer } from './support/server.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

describe('web app: a photo library to keep open', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const ids: Record<string, string> = {};
  const LONG =
    'a-folder-with-a-very-long-name-that-phones-and-cards-must-wrap-2019-summer-holidays/and-another-level-below-it';

  before(async () => {
    await requireShared();
    s = await startTestServer();
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(path.join(photos, LONG), { recursive: true });
    await writeFile(
      path.join(photos, 'paris-2019.jpg'),
      await photoWithExif('red', {
        taken: '2019:06:15 10:30:00',
        make: 'Canon',
        model: 'Canon EOS R5',
        gps: { lat: 48.8566, lon: 2.3522 },
      }),
    );
    await writeFile(
      path.join(photos, 'tokyo-2020.jpg'),
      await photoWithExif('blue', { taken: '2020:03:01 09:00:00', gps: { lat: 35.68, lon: 139.69 } }),
    );
    await writeFile(
      path.join(photos, 'field-2021.jpg'),
      await photoWithExif('green', { taken: '2021:03:20 12:00:00' }),
    );
    await writeFile(path.join(photos, 'undated.png'), await colourImage('yellow', 'png'));
    // A photo, an exact copy at a long path, and a resized re-encoded copy (a near duplicate); then ten more photos.
    const coco = (await readdir(COCO_IMAGES)).filter((f) => f.endsWith('.jpg')).sort();
    const original = await readFile(path.join(COCO_IMAGES, coco[0]));
    await writeFile(path.join(photos, 'harbour.jpg'), original);
    await writeFile(
      path.join(photos, LONG, 'harbour-copy-with-a-long-file-name-as-cameras-and-phones-make-them.jpg'),
      original,
    );
    await writeFile(
      path.join(photos, 'harbour-small.jpg'),
      await sharp(original).resize(320).jpeg({ quality: 70 }).toBuffer(),
    );
    for (const f of coco.slice(1, 11)) await copyFile(path.join(COCO_IMAGES, f), path.join(photos, f));
    const summary = await indexPaths(s.lib, [photos]);
    assert.equal(summary.failed.length, 0, JSON.stringify(summary.failed));
    const { items } = await (await fetch(`${s.url}/api/v1/images?limit=100`)).json();
    for (const i of items as { id: string; paths: string[] }[]) for (const p of i.paths) ids[path.basename(p)] = i.id;
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('dialog', (d) => void d.accept());
    await openApp(page, s.url);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  const names = (sel = '#search-results') => page.$$eval(`${sel} .card .name`, (n) => n.map((e) => e.textContent));
  const searchFor = async (q: string) => {
    await page.getByRole('tab', { name: 'Search' }).click();
    await page.fill('#search-query', q);
    await page.press('#search-query', 'Enter');
    await page.waitForFunction(
      (text) => document.querySelector('#search-status')?.textContent?.startsWith(`“${text}”`),
      q,
    );
  };

  it('keeps the search and the open photo in the URL: reload and Back show them again', async () => {
    await page.click('#search-filters summary');
    await page.fill('#filter-camera', 'canon');
    await searchFor('red');
    assert.deepEqual(await names(), ['paris-2019.jpg']);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('q'), 'red');
    assert.equal(url.searchParams.get('camera'), 'canon');
    await page.reload();
    await page.waitForSelector('body[data-ready]', { state: 'attached' });
    await page.waitForFunction(() => document.querySelectorAll('#search-results .card').length === 1);
    assert.equal(await page.inputValue('#search-query'), 'red');
    assert.equal(await page.inputValue('#filter-camera'), 'canon');
    await page.click('#search-results .card button.thumb');
    await page.waitForSelector('#preview[open]');
    assert.equal(new URL(page.url()).searchParams.get('photo'), ids['paris-2019.jpg']);
    await page.reload();
    await page.waitForSelector('body[data-ready]', { state: 'attached' });
    await page.waitForSelector('#preview[open]');
    assert.equal(await page.textContent('#preview-title'), 'paris-2019.jpg', 'a shared link opens the photo');
    await page.goBack();
    await page.waitForSelector('#preview:not([open])', { state: 'attached' });
    await page.click('#filter-clear');
  });

  it('views a photo full screen: details in words, ←/→ through the results, zoom, download, similar in view, a click outside closes', async () => {
    await searchFor('a photo');
    const shown = await names();
    assert.ok(shown.length >= 10);
    await page.click('#search-results .card button.thumb');
    await page.waitForSelector('#preview[open]');
    const box = await page.$eval('#preview', (d) => d.getBoundingClientRect().toJSON());
    assert.ok(box.width >= 1270 && box.height >= 790, `the viewer fills the window: ${JSON.stringify(box)}`);
    assert.equal(await page.textContent('#preview-title'), shown[0]);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((n) => document.querySelector('#preview-title')?.textContent === n, shown[1]);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((n) => document.querySelector('#preview-title')?.textContent === n, shown[0]);
    const similar = await page.$eval('#preview-similar', (b) => b.getBoundingClientRect().bottom);
    assert.ok(similar <= 800, `"Find similar" is in view at 1280 × 800 (bottom ${similar})`);
    assert.match((await page.getAttribute('#preview-download', 'href')) ?? '', /\/file$/);
    assert.notEqual(await page.getAttribute('#preview-download', 'download'), null);
    await page.click('#preview-zoom');
    assert.equal(await page.getAttribute('#preview-zoom', 'aria-pressed'), 'true');
    await page.click('#preview-zoom');
    // Paris: the date as written (no "Z"), the country by name.
    await openApp(page, `${s.url}/?photo=${ids['paris-2019.jpg']}`);
    await page.waitForSelector('#preview[open]');
    const meta = (await page.textContent('#preview-meta')) ?? '';
    assert.match(meta, /Jun 15, 2019/);
    assert.doesNotMatch(meta, /2019-06-15T|Z\b/);
    assert.match(meta, /France/);
    assert.match(meta, /Canon EOS R5/);
    // A click on the dark space around the photo closes the viewer.
    await page.mouse.click(5, 400);
    await page.waitForSelector('#preview:not([open])', { state: 'attached' });
  });

  it('shows the newer search when an older one answers later', async () => {
    let first = true;
    await page.route('**/api/v1/images/search', async (route) => {
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 1500));
      }
      await route.continue().catch(() => {});
    });
    await page.fill('#search-query', 'white');
    await page.press('#search-query', 'Enter');
    await page.fill('#search-query', 'green');
    await page.press('#search-query', 'Enter');
    await page
      .waitForFunction(() => document.querySelector('#search-status')?.textContent?.startsWith('“green”'), null, {
        timeout: 10_000,
      })
      .catch(async (e) => {
        throw new Error(`status: ${await page.textContent('#search-status')}; ${e}`);
      });
    await new Promise((r) => setTimeout(r, 2000));
    assert.match(
      (await page.textContent('#search-status')) ?? '',
      /^“green”/,
      'the slower, older search did not replace it',
    );
    assert.equal((await names())[0], 'field-2021.jpg');
    await page.unroute('**/api/v1/images/search');
  });

  it('says what went wrong: a failed search clears old results, an unreachable server is named, a bad "Near" is shown', async () => {
    await searchFor('red');
    await page.route('**/api/v1/images/search', (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ error: 'INTERNAL', message: 'disk on fire' }),
      }),
    );
    await page.press('#search-query', 'Enter');
    await page.waitForFunction(() =>
      document.querySelector('#search-status')?.textContent?.startsWith('Search failed'),
    );
    assert.match((await page.textContent('#search-status')) ?? '', /disk on fire.*HTTP 500/);
    assert.equal(await page.$$eval('#search-results .card', (c) => c.length), 0, 'no stale results under the error');
    await page.route('**/api/v1/images/search', (route) => route.abort());
    await page.press('#search-query', 'Enter');
    await page.waitForFunction(() =>
      /cannot be reached/.test(document.querySelector('#search-status')?.textContent ?? ''),
    );
    assert.doesNotMatch((await page.textContent('#search-status')) ?? '', /Failed to fetch/);
    await page.unroute('**/api/v1/images/search');
    // A "Near" that cannot be right, with the options folded away: they open, the field is marked and named.
    await page.evaluate(() => ((document.querySelector('#search-options') as HTMLDetailsElement).open = false));
    await page.$eval('#filter-near', (i) => ((i as HTMLInputElement).value = 'paris'));
    await page.press('#search-query', 'Enter');
    await page.waitForFunction(() => /Near/.test(document.querySelector('#search-status')?.textContent ?? ''));
    assert.ok(await page.isVisible('#filter-near'));
    assert.equal(await page.getAttribute('#filter-near', 'aria-invalid'), 'true');
    await page.fill('#filter-near', '');
    // A reversed date range says so instead of returning nothing.
    await page.fill('#filter-after', '2022-01-01');
    await page.fill('#filter-before', '2020-01-01');
    await page.press('#search-query', 'Enter');
    await page.waitForFunction(() => /swap them/.test(document.querySelector('#search-status')?.textContent ?? ''));
    await page.click('#filter-clear');
    // Stats with the server gone: a warning, with how old the numbers are.
    await page.getByRole('tab', { name: 'Stats' }).click();
    await page.waitForSelector('#stats-images');
    await page.route('**/api/v1/stats', (route) => route.abort());
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.getByRole('tab', { name: 'Stats' }).click();
    await page.waitForSelector('#stats-warning:not([hidden])');
    assert.match((await page.textContent('#stats-warning')) ?? '', /cannot be reached.*numbers below are from/);
    await page.unroute('**/api/v1/stats');
  });

  it('an action on a photo deleted elsewhere says so and takes the card away', async () => {
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.waitForSelector('#gallery .card');
    const victim = ids['tokyo-2020.jpg'];
    assert.equal(
      (await fetch(`${s.url}/api/v1/images/${victim}`, { method: 'DELETE', headers: { origin: s.url } })).status,
      204,
    );
    await page.getByRole('button', { name: 'Delete tokyo-2020.jpg' }).click();
    await page.waitForSelector('#notice:not([hidden])');
    assert.match((await page.textContent('#notice')) ?? '', /no longer in the library/);
    await page.waitForFunction((id) => !document.querySelector(`#gallery li.card[data-id="${id}"]`), victim);
    assert.ok(
      await page.$eval('#gallery', (g) =>
        [...g.children].every((li, i, all) => !li.matches('.month') || (all[i + 1] && !all[i + 1].matches('.month'))),
      ),
      'no month heading is left empty',
    );
    await page.click('#notice-close');
  });

  it('lists undated photos last, offers a timeline, and shows date and size in list view', async () => {
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.waitForFunction(
      () =>
        !document.querySelector('#gallery-more:not([hidden])') &&
        document.querySelectorAll('#gallery .card').length > 0,
    );
    const headings = await page.$$eval('#gallery > li.month', (h) => h.map((x) => x.textContent));
    assert.equal(headings.at(-1), 'No date', JSON.stringify(headings));
    await page.waitForSelector('#timeline:not([hidden])');
    await page.getByRole('button', { name: /^Jun 2019/ }).click();
    await page.waitForFunction(() => document.querySelector('#gallery .card .name')?.textContent === 'paris-2019.jpg');
    assert.ok(await page.isVisible('#gallery-newest'));
    await page.click('#gallery-newest');
    await page.waitForFunction(() => document.querySelector('#gallery .card .name')?.textContent === 'field-2021.jpg');
    await page.click('#view-list');
    const row = `#gallery li.card[data-id="${ids['paris-2019.jpg']}"]`;
    assert.match((await page.textContent(`${row} .when`)) ?? '', /Jun 15, 2019/);
    assert.ok(await page.isVisible(`${row} .size`), 'the size is a column of the list');
    assert.match((await page.textContent(`${row} .size`)) ?? '', /320 × 240/);
    assert.equal(new URL(page.url()).searchParams.get('view'), 'list');
    await page.click('#view-grid');
  });

  it('selects with a click and shift-click, tags, zips, finds similar and deletes the selection', async () => {
    await searchFor('a photo');
    const cards = page.locator('#search-results .card');
    await cards.nth(0).hover();
    await cards.nth(0).locator('input.pick').click();
    await cards
      .nth(3)
      .locator('input.pick')
      .click({ modifiers: ['Shift'] });
    assert.equal(await page.textContent('#selection-count'), '4 photos selected');
    const chosen = await page.$$eval('#search-results .card.selected', (c) =>
      c.map((x) => (x as HTMLElement).dataset.id!),
    );
    assert.equal(chosen.length, 4);
    // Add a tag to all four.
    page.removeAllListeners('dialog');
    page.once('dialog', (d) => void d.accept('trip'));
    await page.click('#select-tag-add');
    await page.waitForFunction(() =>
      /Added “trip” to 4 photos/.test(document.querySelector('#notice')?.textContent ?? ''),
    );
    for (const id of chosen)
      assert.ok(
        ((await (await fetch(`${s.url}/api/v1/images/${id}`)).json()) as { tags: string[] }).tags.includes('trip'),
      );
    page.on('dialog', (d) => void d.accept());
    // The zip: a download holding the four originals.
    const download = page.waitForEvent('download');
    await page.click('#select-zip');
    const zipPath = await (await download).path();
    const zip = await readFile(zipPath);
    assert.equal(zip.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004');
    assert.equal(zip.toString('latin1').split('PK\u0001\u0002').length - 1, 4, 'four files in the central directory');
    // Similar to the selection: the chosen ones are not among the results.
    await page.click('#select-similar');
    await page.waitForFunction(() =>
      document.querySelector('#search-status')?.textContent?.startsWith('Similar to 4 photos'),
    );
    const similarIds = await page.$$eval('#search-results .card', (c) => c.map((x) => (x as HTMLElement).dataset.id!));
    assert.ok(similarIds.length > 0 && similarIds.every((id) => !chosen.includes(id)));
    // Select all on the page, then delete two: they go, focus moves on.
    await page.locator('#search-results .card').nth(0).locator('input.pick').click();
    await page.click('#select-all');
    assert.equal(await page.textContent('#selection-count'), `${similarIds.length} photos selected`);
    await page.click('#select-clear');
    // Two that are not the harbour photos (the duplicates test needs those).
    const doomed = similarIds.filter((id) => ![ids['harbour.jpg'], ids['harbour-small.jpg']].includes(id)).slice(0, 2);
    for (const id of doomed) await page.locator(`#search-results .card[data-id="${id}"] input.pick`).click();
    await page.click('#select-delete');
    await page.waitForFunction(
      (gone) => gone.every((id: string) => !document.querySelector(`li.card[data-id="${id}"]`)),
      doomed,
    );
    for (const id of doomed) assert.equal((await fetch(`${s.url}/api/v1/images/${id}`)).status, 404);
    assert.ok(await page.isHidden('#selection-bar'));
  });

  it('moves through photos with the arrow keys and through tabs with Home and End', async () => {
    await searchFor('a photo');
    await page.focus('#search-results .card button.thumb[tabindex="0"]');
    const focused = () =>
      page.evaluate(() => (document.activeElement?.closest('li.card') as HTMLElement | null)?.dataset.id);
    const first = await focused();
    await page.keyboard.press('ArrowRight');
    const second = await focused();
    assert.ok(second && second !== first);
    assert.equal(
      await page.$$eval('#search-results button.thumb[tabindex="0"]', (b) => b.length),
      1,
      'one tab stop in the grid',
    );
    await page.keyboard.press('Home');
    assert.equal(await focused(), first);
    await page.focus('#tab-search');
    await page.keyboard.press('End');
    assert.equal(await page.getAttribute('#tab-stats', 'aria-selected'), 'true');
    await page.keyboard.press('Home');
    assert.equal(await page.getAttribute('#tab-search', 'aria-selected'), 'true');
  });

  it('reviews duplicates: each picture once, near groups first, long paths inside their cards, radios named by photo', async () => {
    await page.getByRole('tab', { name: 'Duplicates' }).click();
    await page.waitForSelector('#duplicates li.group');
    const kinds = await page.$$eval('#duplicates li.group', (g) => g.map((x) => (x as HTMLElement).dataset.kind));
    assert.equal(kinds[0], 'near');
    const members = await page.$$eval('#duplicates li.member', (m) => m.map((x) => (x as HTMLElement).dataset.id));
    assert.equal(new Set(members).size, members.length, 'no picture in two groups');
    const overflow = await page.$$eval('#duplicates li.member', (m) => m.map((x) => x.scrollWidth - x.clientWidth));
    assert.ok(
      overflow.every((o) => o <= 1),
      `paths stay inside their cards: ${overflow}`,
    );
    const radios = await page.$$eval('#duplicates input[type=radio]', (r) =>
      r.map((x) => x.getAttribute('aria-label')),
    );
    assert.equal(new Set(radios).size, radios.length, `each radio has its own name: ${radios}`);
    for (const name of radios) assert.match(name ?? '', /^Keep .+, \d+ × \d+$/);
    const harbour = await page.$$eval(
      `#duplicates li.group:has(li.member[data-id="${ids['harbour.jpg']}"]) input[type=radio]`,
      (r) => r.map((x) => x.getAttribute('aria-label')),
    );
    assert.ok(harbour.length === 2 && harbour.every((n) => /^Keep harbour/.test(n ?? '')), JSON.stringify(harbour));
  });

  it('draws photos with GPS on an offline world map; a place opens the photos taken near it', async () => {
    await page.getByRole('tab', { name: 'Map' }).click();
    await page.waitForSelector('#places button');
    assert.ok((await page.$$('#map-marks circle')).length >= 1);
    const outlines = await fetch(`${s.url}/api/v1/images/places/outlines.svg`);
    assert.equal(outlines.headers.get('content-type'), 'image/svg+xml');
    assert.ok((await outlines.text()).length > 100_000, 'every country outlined');
    await page.getByRole('button', { name: 'France: 1 photo' }).click();
    await page.waitForFunction(() => document.querySelector('#search-status')?.textContent?.startsWith('Filtered'));
    assert.deepEqual(await names(), ['paris-2019.jpg']);
    assert.match(new URL(page.url()).searchParams.get('near') ?? '', /^48\.85\d*,2\.35\d*,250$/);
    await page.click('#filter-clear');
  });

  it('a file dropped beside the drop zone does not leave the app', async () => {
    const before = page.url();
    const prevented = await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['x'], 'x.png', { type: 'image/png' }));
      const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
      document.querySelector('main')!.dispatchEvent(drop);
      return drop.defaultPrevented;
    });
    assert.ok(prevented);
    assert.equal(page.url(), before);
  });

  it('fits a phone: no sideways scroll, results near the top, 40 px buttons, titles that wrap', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    phone.on('pageerror', (e) => pageErrors.push(String(e)));
    await openApp(phone, `${s.url}/?q=a+photo`);
    await phone.waitForSelector('#search-results .card');
    const top = await phone.$eval('#search-results .card', (c) => c.getBoundingClientRect().top);
    assert.ok(top <= 300, `the first result starts ${top} px down`);
    for (const tab of ['Stats', 'Gallery', 'Duplicates', 'Search']) {
      await phone.getByRole('tab', { name: tab }).click();
      await phone.waitForTimeout(300);
      const wide = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      const culprits = await phone.evaluate(() =>
        [...document.querySelectorAll('main *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(0, 3)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
      );
      assert.ok(wide <= 0, `${tab} is ${wide} px wider than the phone: ${culprits.join(', ')}`);
    }
    await phone.getByRole('tab', { name: 'Gallery' }).click();
    await phone.waitForSelector('#gallery .card .actions button');
    const heights = await phone.$$eval('#gallery .card .actions button', (b) =>
      b.map((x) => x.getBoundingClientRect().height),
    );
    assert.ok(Math.min(...heights) >= 40, `buttons ${Math.min(...heights)} px tall`);
    await openApp(phone, `${s.url}/?photo=${ids['harbour-small.jpg']}`);
    await phone.waitForSelector('#preview[open]');
    const title = await phone.$eval('#preview-title', (t) => t.getBoundingClientRect().right);
    assert.ok(title <= 390, `the title ends at ${title}`);
    await phone.close();
  });

  it('a click-through of every tab and the viewer makes no failed request and no page error', async () => {
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const failures: string[] = [];
    fresh.on('pageerror', (e) => failures.push(`page error: ${e}`));
    fresh.on('requestfailed', (r) => failures.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    fresh.on(
      'response',
      (r) => r.status() >= 400 && failures.push(`${r.status()}: ${r.request().method()} ${r.url()}`),
    );
    await openApp(fresh, s.url);
    await fresh.fill('#search-query', 'a photo');
    await fresh.press('#search-query', 'Enter');
    await fresh.waitForSelector('#search-results .card');
    await fresh.click('#search-results .card button.thumb');
    await fresh.waitForSelector('#preview[open]');
    await fresh.keyboard.press('ArrowRight');
    await fresh.click('#preview-close');
    for (const tab of ['Upload & Index', 'Gallery', 'Map', 'Duplicates', 'Stats', 'Search']) {
      await fresh.getByRole('tab', { name: tab }).click();
      await fresh.waitForTimeout(700); // the event stream stays open, so "network idle" never comes
    }
    await fresh.getByRole('tab', { name: 'Gallery' }).click();
    await fresh.click('#view-list');
    await fresh.waitForTimeout(700);
    const seen = [...failures]; // before closing, which ends the event stream
    await fresh.close();
    assert.deepEqual(seen, []);
  });

  it('has no serious or critical accessibility violations on any tab (axe-core), and no page errors', async () => {
    await openApp(page, s.url);
    await page.addScriptTag({ path: AXE });
    for (const tab of ['Search', 'Upload & Index', 'Gallery', 'Map', 'Duplicates', 'Stats']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.waitForTimeout(500);
      const violations = await page.evaluate(async () => {
        const result = await (
          window as unknown as {
            axe: {
              run: (
                o: object,
              ) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
            };
          }
        ).axe.run({
          resultTypes: ['violations'],
        });
        return result.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      assert.deepEqual(violations, [], `${tab}: ${violations.join('; ')}`);
    }
    assert.deepEqual(pageErrors, []);
  });
});
