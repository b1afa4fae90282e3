/** Model download and verification against a local HTTP server speaking the hub's resolve URLs. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, access } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadModel, resolveModelRoot } from '../src/adapters/hub/model-files.js';
import { MODEL_MANIFESTS } from '../src/models/manifest.js';
import { clipFiles } from '../src/models/manifest.js';
import { TEST_CLIP_MODEL_ID } from '../src/models/test-clip-model.js';
import { tempDir, testModelsDir } from './support/fixtures.js';

describe('model files', () => {
  let server: http.Server;
  let endpoint: string;
  const requests: string[] = [];
  before(async () => {
    const models = await testModelsDir();
    server = http.createServer(async (req, res) => {
      requests.push(req.url!);
      const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(req.url!);
      if (!m) return res.writeHead(404).end();
      const [, model, , file] = m;
      // "pinned/model" is served with the test model's bytes but a manifest that expects other bytes.
      const source = model === 'pinned/model' ? TEST_CLIP_MODEL_ID : model;
      try {
        const body = await readFile(path.join(models, source, file));
        res.writeHead(200, { 'content-length': body.length }).end(body);
      } catch {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((r) => server.close(r)));

  it('downloads a missing model into the cache, then uses the cache without asking again', async () => {
    const cacheDir = await tempDir();
    const files = clipFiles('q8');
    const progress: number[] = [];
    const root = await resolveModelRoot({
      modelId: TEST_CLIP_MODEL_ID,
      files,
      cacheDir,
      offline: false,
      endpoint,
      onProgress: (p) => progress.push(p.received),
    });
    assert.equal(root, cacheDir);
    const original = await readFile(
      path.join(await testModelsDir(), TEST_CLIP_MODEL_ID, 'onnx/vision_model_quantized.onnx'),
    );
    const copy = await readFile(path.join(cacheDir, TEST_CLIP_MODEL_ID, 'onnx/vision_model_quantized.onnx'));
    assert.ok(original.equals(copy));
    assert.ok(progress.length > 0);
    const before = requests.length;
    await resolveModelRoot({ modelId: TEST_CLIP_MODEL_ID, files, cacheDir, offline: false, endpoint });
    assert.equal(requests.length, before, 'no request once cached');
  });

  it('rejects a file whose sha256 differs from the pinned one and leaves nothing behind', async () => {
    const cacheDir = await tempDir();
    const onnx = await readFile(path.join(await testModelsDir(), TEST_CLIP_MODEL_ID, 'onnx/text_model_quantized.onnx'));
    MODEL_MANIFESTS['pinned/model'] = {
      id: 'pinned/model',
      revision: 'abc123',
      files: [
        {
          path: 'onnx/text_model_quantized.onnx',
          bytes: onnx.length,
          sha256: createHash('sha256').update('something else').digest('hex'),
        },
      ],
    };
    try {
      await assert.rejects(
        downloadModel({
          modelId: 'pinned/model',
          files: ['onnx/text_model_quantized.onnx'],
          cacheDir,
          offline: false,
          endpoint,
        }),
        (e: Error & { code: string }) => e.code === 'MODEL_CHECKSUM_MISMATCH' && /failed verification/.test(e.message),
      );
      assert.ok(
        requests.some((r) => r.includes('/pinned/model/resolve/abc123/')),
        'asks for the pinned revision',
      );
      await assert.rejects(access(path.join(cacheDir, 'pinned/model/onnx/text_model_quantized.onnx')));
      await assert.rejects(access(path.join(cacheDir, 'pinned/model/onnx/text_model_quantized.onnx.part')));
    } finally {
      delete MODEL_MANIFESTS['pinned/model'];
    }
  });

  it('offline and missing: one error that says exactly what to do', async () => {
    const cacheDir = await tempDir();
    await assert.rejects(
      resolveModelRoot({
        modelId: 'Xenova/clip-vit-base-patch32',
        files: clipFiles('q8'),
        modelsDir: '/nonexistent',
        cacheDir,
        offline: true,
        endpoint,
      }),
      (e: Error & { code: string }) => {
        assert.equal(e.code, 'MODEL_MISSING_OFFLINE');
        assert.match(e.message, /npx loupe models pull --model Xenova\/clip-vit-base-patch32/);
        assert.match(e.message, /LOUPE_MODELS_DIR/);
        assert.equal(e.message.split('\n').length, 1);
        return true;
      },
    );
  });

  it('a missing file on the hub is a download error naming the file', async () => {
    await assert.rejects(
      downloadModel({
        modelId: 'no/such-model',
        files: ['config.json'],
        cacheDir: await tempDir(),
        offline: false,
        endpoint,
      }),
      (e: Error & { code: string }) =>
        e.code === 'MODEL_DOWNLOAD_FAILED' && /config\.json/.test(e.message) && /HTTP 404/.test(e.message),
    );
  });
});
