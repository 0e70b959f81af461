#!/usr/bin/env bash
# Installs Debian's chromium (and the Noto CJK fonts that the explorer's
# screenshots need) when /usr/bin/chromium is missing. Part of the install
# step of `npm test`, beside ensure-deps.sh: the browser tests
# (test/src/clients/explorer.spec.ts) only launch it.
set -eu

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "lotline: the browser tests need Chromium at $CHROMIUM, and apt-get is not available here to install it." >&2
  echo "  Install chromium and the Noto CJK fonts with this system's package manager, then run npm test again." >&2
  exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "lotline: installing Chromium for the browser tests needs root, and sudo is not available." >&2
    echo "  As root, run: apt-get install -y chromium fonts-noto-cjk" >&2
    exit 1
  fi
  as_root=(sudo)
fi

echo "[lotline] $CHROMIUM is missing: installing chromium and fonts-noto-cjk for the browser tests (apt-get) ..." >&2
export DEBIAN_FRONTEND=noninteractive
${as_root[@]+"${as_root[@]}"} apt-get update
${as_root[@]+"${as_root[@]}"} apt-get install -y chromium fonts-noto-cjk

if [ ! -x "$CHROMIUM" ]; then
  echo "lotline: apt-get installed chromium, but $CHROMIUM is still missing. Check which path this distribution's package uses." >&2
  exit 1
fi
