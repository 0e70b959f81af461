/** Unit tests of the data folder marker: whose folder it is, and which data format it holds. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { DATA_FORMAT, dataFormatOf, markDataDir } from '../src/network';

describe('the data folder marker', function () {
  let root: string;

  beforeEach(function () {
    root = mkdtempSync(path.join(tmpdir(), 'lotline-marker-'));
  });

  afterEach(function () {
    rmSync(root, { recursive: true, force: true });
  });

  it('claims a new folder and records the current data format', function () {
    const dir = path.join(root, 'data');
    markDataDir(dir);
    expect(dataFormatOf(readFileSync(path.join(dir, '.lotline-data'), 'utf8'))).to.equal(DATA_FORMAT);
    expect(() => markDataDir(dir), 'a second start of the same folder').to.not.throw();
  });

  it('refuses a non-empty folder that is not Lotline’s', function () {
    writeFileSync(path.join(root, 'notes.txt'), 'mine');
    expect(() => markDataDir(root)).to.throw(/not a Lotline data folder/);
  });

  it('refuses a folder made by an older Lotline and says how to recover', function () {
    mkdirSync(path.join(root, 'ledgers'));
    writeFileSync(path.join(root, '.lotline-data'), 'Lotline network data. `npm run reset` deletes this folder.\n');
    expect(() => markDataDir(root)).to.throw(/older Lotline \(data format 1.*npm run reset/);
  });

  it('refuses a folder made by a newer Lotline', function () {
    writeFileSync(path.join(root, '.lotline-data'), `format: ${DATA_FORMAT + 1}\n`);
    expect(() => markDataDir(root)).to.throw(/newer Lotline/);
  });
});
