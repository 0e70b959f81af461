#!/usr/bin/env bash
# Installs the npm dependencies from the committed lockfile when they are
# missing or older than the lockfile. Runs before `npm start` and `npm test`,
# so that a fresh clone needs no separate install step.
set -eu
cd "$(dirname "$0")/../.."

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "lotline: Node.js 20 or newer is required (found $(node --version)). Install Node 20 LTS and run again." >&2
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[lotline] installing npm dependencies from package-lock.json (npm ci) ..." >&2
  npm ci --no-audit --no-fund
fi

# @lotline/domain runs compiled (the chaincode loads it under plain node): build
# it when its output is missing or older than its sources.
if [ ! -f domain/dist/.tsbuildinfo ] || [ -n "$(find domain/src domain/package.json domain/tsconfig.json -newer domain/dist/.tsbuildinfo -print -quit)" ]; then
  echo "[lotline] building @lotline/domain ..." >&2
  npm run --silent build -w domain
fi
