#!/usr/bin/env bash
# Offline demo: writes the test model, indexes a folder (default: ../shared/datasets/coco-mini/images)
# into .loupe/demo-data and runs a few searches. Real CLIP needs no setup beyond `npx loupe index DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-../shared/datasets/coco-mini/images}"
if [ ! -d "$photos" ]; then
  echo "npm run demo: no folder $photos. Name a folder of your photos: npm run demo -- ~/Pictures" >&2
  exit 1
fi
[ -f dist/cli/main.js ] || npm run build >/dev/null
# Also copies NanoDet-m's real weights from ../shared for object labels; elsewhere they download once (or set LOUPE_LABELS=off).
node dist/cli/main.js models make-test .loupe/models >/dev/null
export LOUPE_MODELS_DIR="$PWD/.loupe/models" LOUPE_CLIP_MODEL=loupe/test-clip-colour LOUPE_TEXT_EMBED_LOCAL_MODEL=loupe/test-text-bow LOUPE_CAPTION_PROVIDER=local LOUPE_CAPTION_LOCAL_MODEL=loupe/test-caption-colour LOUPE_DATA_DIR="$PWD/.loupe/demo-data" LOUPE_OCR="${LOUPE_OCR:-off}"
node dist/cli/main.js index "$photos"
echo; echo '$ loupe search "a red bus" --k 5'
node dist/cli/main.js search "a red bus" --k 5
node dist/cli/main.js stats
