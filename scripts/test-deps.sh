#!/usr/bin/env bash
# Runs before `npm test`: the tests drive Debian's Chromium (web UI) and Debian's tesseract (OCR), and make HEIC
# photos with Debian's heif-enc (libheif-examples).
# Installs them when they are missing and this user can (root with apt-get); otherwise names the one command to run.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM_PATH:-/nonexistent}" ] || missing+=(chromium)
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
command -v heif-enc >/dev/null 2>&1 || missing+=(libheif-examples)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test set-up: installing ${missing[*]} (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "The tests need ${missing[*]}. Install with:  sudo apt-get install -y ${missing[*]}   (or set CHROMIUM_PATH to a Chromium binary), then run npm test again." >&2
exit 1
