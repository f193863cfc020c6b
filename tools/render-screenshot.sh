#!/usr/bin/env bash
# Takes a PNG screenshot of an .svg or .html file with headless Chromium, to look at figures as a reader would.
# Usage: tools/render-screenshot.sh INPUT.(svg|html) [OUTPUT.png] [WIDTHxHEIGHT]
# Without a size, an SVG's own width/height (plus a small margin) is used, else 1280x900.
set -euo pipefail

if [[ $# -lt 1 || ! -f "$1" ]]; then
  echo "usage: $0 INPUT.(svg|html) [OUTPUT.png] [WIDTHxHEIGHT]" >&2
  exit 2
fi

input="$(realpath "$1")"
output="$(realpath -m "${2:-${1%.*}.png}")"
size="${3:-}"

browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" ]]; then
  echo "error: chromium not found (apt-get install -y chromium)" >&2
  exit 1
fi

# Reads a dimension attribute of the root <svg>; Graphviz writes points ("612pt"), which are 4/3 of a CSS pixel.
svg_dimension() {
  local value
  value="$(grep -o -m1 "<svg[^>]*" "$input" | grep -o " $1=\"[0-9.]*\(pt\|px\)\?\"" | head -1 | sed 's/.*="\(.*\)"/\1/')" || true
  [[ -z "$value" ]] && return 1
  if [[ "$value" == *pt ]]; then
    awk -v v="${value%pt}" 'BEGIN { printf "%d", v * 4 / 3 + 0.999 }'
  else
    awk -v v="${value%px}" 'BEGIN { printf "%d", v + 0.999 }'
  fi
}

if [[ -z "$size" ]]; then
  if [[ "$input" == *.svg ]] && width="$(svg_dimension width)" && height="$(svg_dimension height)"; then
    size="$((width + 16))x$((height + 16))"
  else
    size="1280x900"
  fi
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$profile" --screenshot="$output" --window-size="${size/x/,}" "file://$input" >/dev/null 2>&1

echo "$output ($size)"
