// The .env reader against the real python-dotenv (pinned in requirements/main.in): the same
// values and the same unreadable lines on hand-written edge cases and on generated files; and
// linear time on inputs that make python-dotenv's own parser quadratic.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseDotenv } from '../../src/core/dotenv';
import { PYTHON } from './harness';

const ORACLE = path.resolve(__dirname, '../../../test/fixtures/python/dotenv_oracle.py');

interface Case {
  readonly text: string;
  readonly base: Record<string, string>;
}

function pythonDotenv(cases: readonly Case[]): Array<{ values: Record<string, string>; badLines: number[] }> {
  const env = { ...process.env, PYTHONIOENCODING: 'utf-8' };
  return JSON.parse(execFileSync(PYTHON, [ORACLE], { input: JSON.stringify(cases), encoding: 'utf8', env, maxBuffer: 64 << 20 }));
}

const EDGE_CASES: string[] = [
  'A=1\nB=2',
  'export A=1\nexport  B = two words  # comment',
  'A="multi\nline"\nB=after',
  "A='single \\' quote'\nB='x\\\\y'",
  'A="esc \\n \\t \\" \\\\ \\a \\q"',
  'A=#notacomment\nB= # a comment\nC=x #c\nD=x#y',
  'A="unterminated\nB=2\nC=3',
  "A='unterminated\nB=2",
  'A="x" junk\nB=1',
  'KEYONLY\nA=${KEYONLY}-x',
  'A=1\nB=${A}2\nC=${MISSING:-def}\nD=${HOME}\nE=${A:-z}\nF=${EMPTY:-dflt}',
  'A=${a${b}}\nB=${:-x}\nC=${A:x}\nD=$A\nE=${',
  '=novalue\nB=1\n  # indented comment\n\n\nC=3',
  "'quoted key'=1\n''=2\nB=3",
  'A=1\r\nB="x\r\ny"\r\nC=3\r',
  '\ufeffA=bom',
  'A=\nB=  \nC=""\nD=\'\'',
  'export\nexport=1\nexportA=2',
  'A.B-c=1\nA B=2\nA\t=\t3',
  'A="a"#c\nB="b" #c\nC=\'c\'   ',
  'A=x\\\nB=y',
  'A="\\\\"\nB="\\\\\\""',
];

/** Random files from pieces that meet at the parser's edges. */
function generated(n: number, seed: number): string[] {
  let x = seed;
  const rand = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pieces = ['A', 'B_1', 'export ', '=', ' ', '\t', '\n', '\r\n', '#', '"', "'", '\\', '${A}', '${B_1:-d}', '${', '}', ':-', 'x', 'y z', '$', 'é'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    const len = 1 + Math.floor(rand() * 30);
    for (let j = 0; j < len; j++) s += pieces[Math.floor(rand() * pieces.length)];
    out.push(s);
  }
  return out;
}

describe('the .env reader', () => {
  it("gives python-dotenv's values and unreadable lines on edge cases and 10,000 generated files", () => {
    const base = { HOME: '/home/u', EMPTY: '', A: 'from-base', KEYONLY: 'base-keyonly' };
    const texts = [...EDGE_CASES, ...generated(10_000, 42)];
    const cases = texts.map((text) => ({ text, base }));
    const expected = pythonDotenv(cases);
    const mismatches: string[] = [];
    for (const [i, c] of cases.entries()) {
      const ours = parseDotenv(c.text, c.base);
      const theirs = expected[i]!;
      if (JSON.stringify(sorted(ours.values)) !== JSON.stringify(sorted(theirs.values)) || JSON.stringify(ours.badLines) !== JSON.stringify(theirs.badLines)) {
        mismatches.push(
          `${JSON.stringify(c.text)}\n  ours:   ${JSON.stringify({ values: sorted(ours.values), badLines: ours.badLines })}\n  python: ${JSON.stringify({ values: sorted(theirs.values), badLines: theirs.badLines })}`,
        );
      }
    }
    assert.equal(mismatches.length, 0, `${mismatches.length} of ${cases.length} differ:\n${mismatches.slice(0, 8).join('\n')}`);
  });

  it('is linear: 10 MB files of unterminated quotes, unclosed "${" or long blank runs (quadratic in python-dotenv\'s own parser) are read in seconds', () => {
    for (const [what, unit] of [
      ['unterminated double quotes', 'A="x\n'],
      ['unterminated single quotes', "A='x\n"],
      ['unterminated quoted keys', "'k\n"],
      ['unclosed ${', 'A=${${${${\n'],
      ['spaces without #', `A=x${' '.repeat(1000)}y\n`],
    ] as const) {
      const text = unit.repeat(Math.ceil(10_000_000 / unit.length));
      const t0 = performance.now();
      const r = parseDotenv(text);
      const ms = performance.now() - t0;
      console.log(`  ${what}: ${(text.length / 1e6).toFixed(1)} MB in ${Math.round(ms)} ms (${r.badLines.length} unreadable lines)`);
      assert.ok(ms < 20_000, `${what}: ${Math.round(ms)} ms`);
    }
  });
});

function sorted(o: Record<string, string>): Array<[string, string]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
