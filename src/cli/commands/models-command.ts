import path from 'node:path';
import type { Command } from 'commander';
import { withCommonFlags, type CommonFlags } from '../flags.js';
import { TEST_CAPTION_MODEL_ID, TEST_CLIP_MODEL_ID, TEST_TEXT_MODEL_ID } from '../../models/test-model-ids.js';

export function registerModels(program: Command) {
  const models = program.command('models').description('download, verify and generate models');
  models
    .command('pull')
    .description('download a CLIP model into the cache and verify it against pinned sizes and sha256')
    .option('--model <id>', 'model id (default: $LOUPE_CLIP_MODEL or Xenova/clip-vit-base-patch32)')
    .option('--dtype <dtype>', 'weights: q8 (default), fp32, fp16, ...')
    .option('--force', 'download again even if present')
    .action(async (flags: { model?: string; dtype?: string; force?: boolean }) => {
      const [{ downloadModel }, { clipFiles }, { configFrom }, { downloadProgress, pc }] = await Promise.all([
        import('../../wiring/tools.js'),
        import('../../models/manifest.js'),
        import('../context.js'),
        import('../output.js'),
      ]);
      const config = configFrom({});
      const modelId = flags.model ?? config.clipModel;
      await downloadModel({
        modelId,
        files: clipFiles(flags.dtype ?? config.clipDtype),
        cacheDir: config.cacheDir,
        offline: config.offline,
        endpoint: config.hfEndpoint,
        force: flags.force,
        onProgress: downloadProgress(),
      });
      console.log(`${pc.green('✓')} ${modelId} is in ${path.join(config.cacheDir, modelId)}`);
    });
  withCommonFlags(
    models
      .command('check')
      .description('say which provider each model uses (local, immich, openai, ollama) and whether it answers now'),
    {
      json: 'print the checks as JSON',
    },
  ).action(async (flags: CommonFlags) => {
    const [{ checkModels }, { withLibrary }, { pc, printJson, table }] = await Promise.all([
      import('../../app/model-check.js'),
      import('../context.js'),
      import('../output.js'),
    ]);
    const checks = await withLibrary(flags, (lib) => checkModels(lib));
    if (flags.json) printJson(checks);
    else
      console.log(
        table(
          ['model', 'provider', 'id', 'answers'],
          checks.map((c) => [
            c.role,
            c.provider,
            c.model ?? '—',
            c.provider === 'off'
              ? pc.dim('turned off')
              : c.ok
                ? `${pc.green('yes')} (${c.ms} ms${c.dim ? `, ${c.dim} dimensions` : ''})`
                : `${pc.red('no')}: ${c.error}`,
          ]),
        ),
      );
    // Exit 1 when the model search needs cannot answer: scripts and health checks can rely on it.
    if (!checks.find((c) => c.role === 'clip')?.ok) process.exitCode = 1;
  });
  models
    .command('make-test')
    .description(
      'write Loupe\'s small deterministic test models into DIR: CLIP-shaped (encodes dominant colour), a sentence embedder (bag of words) and a captioner ("a <colour> picture"); with NanoDet-m\'s real weights when they are on this machine',
    )
    .argument('<dir>', 'a models folder; the model goes to DIR/' + TEST_CLIP_MODEL_ID)
    .option(
      '--tokenizer <dir>',
      'folder with the CLIP tokenizer files (default: ../shared/models/clip-vit-base-patch32)',
    )
    .option(
      '--text-tokenizer <dir>',
      'folder with the MiniLM tokenizer files (default: ../shared/models/all-MiniLM-L6-v2)',
    )
    .option(
      '--nanodet <file>',
      'NanoDet-m weights for object labels, checked against their pinned sha256 (default: ../shared/models/nanodet-m/nanodet_m.onnx)',
    )
    .action(async (dir: string, flags: { tokenizer?: string; textTokenizer?: string; nanodet?: string }) => {
      const [{ writeTestCaptionModel, writeTestClipModel, writeTestTextModel, placeNanoDet }, { pc }] =
        await Promise.all([import('../../testing.js'), import('../output.js')]);
      const out = await writeTestClipModel(path.resolve(dir), { tokenizerDir: flags.tokenizer });
      const text = await writeTestTextModel(path.resolve(dir), { tokenizerDir: flags.textTokenizer });
      const captioner = await writeTestCaptionModel(path.resolve(dir));
      const nanodet = await placeNanoDet(path.resolve(dir), flags.nanodet);
      console.log(`${pc.green('✓')} wrote ${out}\n${pc.green('✓')} wrote ${text}\n${pc.green('✓')} wrote ${captioner}`);
      if ('written' in nanodet)
        console.log(
          `${pc.green('✓')} copied NanoDet-m (real weights, sha256 checked) to ${nanodet.written}: object labels work offline`,
        );
      else
        console.log(
          `${pc.yellow('!')} NanoDet-m's weights are not in ${nanodet.looked.join(' or ')}: object labels will be downloaded on first use (--nanodet FILE, or LOUPE_LABELS=off)`,
        );
      console.log(
        `use them with:\n  export LOUPE_MODELS_DIR=${path.resolve(dir)} LOUPE_CLIP_MODEL=${TEST_CLIP_MODEL_ID} LOUPE_TEXT_EMBED_LOCAL_MODEL=${TEST_TEXT_MODEL_ID} LOUPE_CAPTION_PROVIDER=local LOUPE_CAPTION_LOCAL_MODEL=${TEST_CAPTION_MODEL_ID}`,
      );
    });
}
