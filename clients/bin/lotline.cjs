#!/usr/bin/env node
// `lotline` bin: runs the TypeScript CLI through tsx (no build step).
require('tsx/cjs');
const { runCli } = require('../src/cli/main.ts');
runCli(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`lotline: ${String(err)}\n`);
    process.exit(4);
  },
);
