import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expandHostlist, firstHost, MAX_HOSTS } from '../../../runtime/launch/hostlist.js';
import { throwsOneLine } from './helpers.js';
import { onPath } from '../../support/process.js';
import { skipSuiteIf } from '../../support/skip.js';

/** Hand-written expectations; the ones Slurm 22.05 accepts agree with `scontrol show hostnames`. */
const CASES: Array<[string, string[]]> = [
  ['node7', ['node7']],
  ['gpu[01-04,07]', ['gpu01', 'gpu02', 'gpu03', 'gpu04', 'gpu07']],
  ['a,b[1-2]', ['a', 'b1', 'b2']],
  ['n[8-10]', ['n8', 'n9', 'n10']],
  ['n[08-10]', ['n08', 'n09', 'n10']],
  ['n[099-101]', ['n099', 'n100', 'n101']],
  ['n[1-010]', ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10']],
  ['n[00]', ['n00']],
  ['x[2,1]', ['x2', 'x1']],
  ['n[1-3,2]', ['n1', 'n2', 'n3', 'n2']],
  ['rack[1-2]-n[1-2]', ['rack1-n1', 'rack1-n2', 'rack2-n1', 'rack2-n2']],
  ['r[1-2]n[1-2],z', ['r1n1', 'r1n2', 'r2n1', 'r2n2', 'z']],
  ['[1-2]', ['1', '2']],
  ['a.b.c,d-e_f', ['a.b.c', 'd-e_f']],
];

/** Only newer Slurm than Debian's 22.05 accepts text after a bracket group; expectations by hand. */
const SUFFIX_CASES: Array<[string, string[]]> = [
  ['n[001-003]-ib', ['n001-ib', 'n002-ib', 'n003-ib']],
  ['gpu[1,3]-ib,login', ['gpu1-ib', 'gpu3-ib', 'login']],
  ['n[1-2]x[3,5]y', ['n1x3y', 'n1x5y', 'n2x3y', 'n2x5y']],
];

describe('hostlist', () => {
  it('expands ranges, lists, zero padding and several groups as Slurm does', () => {
    for (const [list, hosts] of [...CASES, ...SUFFIX_CASES]) assert.deepEqual(expandHostlist(list), hosts, list);
  });

  it('firstHost is the first expanded host', () => {
    for (const [list, hosts] of [...CASES, ...SUFFIX_CASES]) assert.equal(firstHost(list), hosts[0], list);
  });

  it('rejects malformed lists with one line naming the list and the problem', () => {
    throwsOneLine(() => expandHostlist(''), 'E_USAGE', "host list ''", 'empty');
    throwsOneLine(() => expandHostlist('n[1-2'), 'E_USAGE', "'n[1-2'", 'never closed');
    throwsOneLine(() => expandHostlist('n1-2]'), 'E_USAGE', "']' at column 5");
    throwsOneLine(() => expandHostlist('n[[1]]'), 'E_USAGE', 'nested');
    throwsOneLine(() => expandHostlist('n[]'), 'E_USAGE', 'empty brackets');
    throwsOneLine(() => expandHostlist('n[09-8]'), 'E_USAGE', "range '09-8' ends below its start");
    throwsOneLine(() => expandHostlist('x[a-b]'), 'E_USAGE', "'a-b' is not a number");
    throwsOneLine(() => expandHostlist('n[1-]'), 'E_USAGE', "'1-' is not a number");
    throwsOneLine(() => expandHostlist('n[1--2]'), 'E_USAGE', "'1--2'");
    throwsOneLine(() => expandHostlist('n[1,,2]'), 'E_USAGE', "'' is not a number");
    throwsOneLine(() => expandHostlist('a,,b'), 'E_USAGE', 'empty host name at column 3');
    throwsOneLine(() => expandHostlist('a,'), 'E_USAGE', 'empty host name at column 3');
    throwsOneLine(() => expandHostlist(',a'), 'E_USAGE', 'empty host name at column 1');
    throwsOneLine(() => expandHostlist('a b'), 'E_USAGE', 'whitespace');
    throwsOneLine(() => expandHostlist('n[1-99999999999999999]'), 'E_USAGE', 'too many digits');
    throwsOneLine(() => firstHost('n[1-2'), 'E_USAGE', 'never closed');
  });

  it(`refuses lists of more than ${MAX_HOSTS} hosts, but firstHost reads them without expanding`, () => {
    throwsOneLine(() => expandHostlist('n[1-70000]'), 'E_USAGE', 'expands to 70000 hosts');
    throwsOneLine(() => expandHostlist('a[1-300]b[1-300]'), 'E_USAGE', 'expands to 90000 hosts');
    assert.equal(expandHostlist(`n[1-${MAX_HOSTS}]`).length, MAX_HOSTS);
    assert.equal(firstHost('n[0001-999999]'), 'n0001');
  });

  describe('properties', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9.-]{0,6}$/);
    const range = fc
      .tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 }))
      .map(([lo, len, width]) => ({ lo, hi: lo + len, width }));
    const groupText = (rs: Array<{ lo: number; hi: number; width: number }>) =>
      `[${rs.map((r) => `${String(r.lo).padStart(r.width, '0')}-${r.hi}`).join(',')}]`;

    it('a list of plain names expands to itself', () => {
      fc.assert(fc.property(fc.array(name, { minLength: 1, maxLength: 6 }), (names) => {
        assert.deepEqual(expandHostlist(names.join(',')), names);
      }));
    });

    it('one range gives every number lo..hi in order, padded to the width of lo as written', () => {
      fc.assert(fc.property(name.filter((n) => !/\d$/.test(n)), range, (prefix, r) => {
        const hosts = expandHostlist(prefix + groupText([r]));
        assert.equal(hosts.length, r.hi - r.lo + 1);
        hosts.forEach((h, i) => {
          assert.ok(h.startsWith(prefix), h);
          const digits = h.slice(prefix.length);
          assert.equal(Number(digits), r.lo + i);
          assert.equal(digits.length, Math.max(r.width, String(r.lo + i).length));
        });
      }));
    });

    it('joining lists with a comma concatenates their expansions', () => {
      const list = fc.tuple(name, fc.array(range, { minLength: 1, maxLength: 2 })).map(([p, rs]) => p + groupText(rs));
      fc.assert(fc.property(list, list, (x, y) => {
        assert.deepEqual(expandHostlist(`${x},${y}`), [...expandHostlist(x), ...expandHostlist(y)]);
      }));
    });

    it('two groups in one name expand as a product, the left group outermost', () => {
      fc.assert(fc.property(name, range, name, range, (p, r1, q, r2) => {
        const left = expandHostlist(p + groupText([r1]));
        const right = expandHostlist(q + groupText([r2])); // q is a plain name: no digits run into r1's
        const expected = left.flatMap((l) => right.map((t) => l + t));
        assert.deepEqual(expandHostlist(p + groupText([r1]) + q + groupText([r2])), expected);
      }));
    });
  });

  describe('against scontrol show hostnames', function () {
    let dir = '';
    before(function () {
      skipSuiteIf(this, onPath('scontrol') ? undefined : 'scontrol not installed');
      // scontrol only needs a readable slurm.conf to expand host lists; no daemon is contacted.
      dir = mkdtempSync(join(tmpdir(), 'dynpipe-hostlist-'));
      writeFileSync(join(dir, 'slurm.conf'), 'ClusterName=x\nSlurmctldHost=localhost\nNodeName=localhost CPUs=1\nPartitionName=p Nodes=localhost\n');
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('agrees on every case Slurm 22.05 accepts', () => {
      const env = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') };
      for (const [list] of CASES) {
        const r = spawnSync('scontrol', ['show', 'hostnames', list], { env, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(expandHostlist(list), r.stdout.trim().split('\n'), list);
      }
    });
  });
});
