#!/usr/bin/env bash
# The package as users install it: `npm pack`, a global install into an empty prefix, then the `loupe` command from
# another folder — its web UI, migrations and model code found inside the installed package, not in this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm run build >/dev/null
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
ONNXRUNTIME_NODE_INSTALL=skip npm install -g --prefix "$work/prefix" --no-audit --no-fund "$work/$tarball" >/dev/null
loupe="$work/prefix/bin/loupe"
shared="$PWD/../shared"
mkdir -p "$work/elsewhere/photos"
ln -s "$shared" "$work/shared" # make-test finds the real tokenizers at ../shared, as it does beside a checkout
for photo in $(ls "$shared/datasets/coco-mini/images" | grep '\.jpg$' | head -2); do cp "$shared/datasets/coco-mini/images/$photo" "$work/elsewhere/photos/"; done
cd "$work/elsewhere"
"$loupe" --version
"$loupe" models make-test models --tokenizer "$shared/models/clip-vit-base-patch32" --text-tokenizer "$shared/models/all-MiniLM-L6-v2" >/dev/null
export LOUPE_DATA_DIR="$work/elsewhere/data" LOUPE_MODELS_DIR="$work/elsewhere/models" LOUPE_CLIP_MODEL=loupe/test-clip-colour LOUPE_TEXT_EMBED_LOCAL_MODEL=loupe/test-text-bow LOUPE_OFFLINE=1 LOUPE_OCR=off
"$loupe" index photos --json | node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); if (s.indexed !== 2) { console.error("installed loupe indexed", s.indexed, "of 2"); process.exit(1); }'
test "$("$loupe" search "a photo" --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).length)')" = 2
# The web UI comes from the installed package.
port=$((20000 + RANDOM % 20000))
"$loupe" serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
get() { node -e 'fetch(process.argv[1]).then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); }, () => process.exit(1))' "$1"; }
for _ in $(seq 1 100); do get "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
get "http://127.0.0.1:$port/" | grep -q '<title>Loupe' || { cat "$work/serve.log"; kill "$server"; exit 1; }
kill "$server"
wait "$server" 2>/dev/null || true
echo "install check: npm pack → npm install -g → loupe index, search and serve from another folder all work ($(du -sh "$work/prefix" | cut -f1) installed)"
