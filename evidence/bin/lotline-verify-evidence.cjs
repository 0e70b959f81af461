#!/usr/bin/env node
// The standalone evidence verifier: runs evidence/src/cli.ts through tsx (no build step, no network).
require('tsx/cjs');
require('../src/cli.ts');
