// A `.env` reader with python-dotenv's results (its parser.py and `dotenv_values`, 1.2):
// KEY=VALUE bindings, optional `export `, single- and double-quoted values that may span
// lines, escapes, comments, and `${VAR}` / `${VAR:-default}` expansion from earlier keys, then
// the base environment. A test compares it with the real python-dotenv on many inputs.
//
// Linear in the file's size: python-dotenv's own regexes rescan to the end of the file for every
// unterminated quote (and every unclosed `${`), which is quadratic. Here a quote that finds no
// end from one position is remembered, since none can be found from a later one either.
// No `vscode` import.

import { promises as fs } from 'node:fs';

export interface DotenvResult {
  readonly values: Record<string, string>;
  /** Lines where a statement could not be read, 1-based (python-dotenv's warnings). */
  readonly badLines: number[];
}

class ParseError extends Error {}
/** Thrown for every unreadable statement: one object, so a file of a million bad lines makes no million stack traces. */
const UNREADABLE = new ParseError('unreadable statement');

/** `[^\S\r\n]`: white space other than line ends. */
const isBlank = (c: string | undefined) => c !== undefined && c !== '\r' && c !== '\n' && /\s/.test(c);
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

class Reader {
  pos = 0;
  line = 1;
  /** From these positions on, a closing quote of that kind was searched for and not found. */
  private readonly noClose = { "'": Infinity, '"': Infinity, key: Infinity };

  constructor(readonly s: string) {}

  get hasNext(): boolean {
    return this.pos < this.s.length;
  }

  peek(): string {
    return this.s[this.pos] ?? '';
  }

  /**
   * Moves to `end`, counting the line ends in what it passes as python-dotenv does: `\r\n`,
   * `\n` and `\r` each count once, within one move (a "\r" and a "\n" passed in two moves count twice).
   */
  advanceTo(end: number): void {
    for (let i = this.pos; i < end; i++) {
      const c = this.s.charCodeAt(i);
      if (c === 13 || (c === 10 && !(i > this.pos && this.s.charCodeAt(i - 1) === 13))) this.line++;
    }
    this.pos = end;
  }

  /** Skips while `test` holds; returns what was skipped. */
  skipWhile(test: (c: string | undefined) => boolean): string {
    let end = this.pos;
    while (end < this.s.length && test(this.s[end])) end++;
    const text = this.s.slice(this.pos, end);
    this.advanceTo(end);
    return text;
  }

  /** `'…'` or `"…"` where a backslash escapes the next character (values); returns the inside. */
  quotedValue(quote: "'" | '"'): string {
    const start = this.pos + 1;
    if (start >= this.noClose[quote]) throw UNREADABLE;
    for (let i = start; i < this.s.length; i++) {
      const c = this.s[i];
      if (c === '\\') i++;
      else if (c === quote) {
        const inner = this.s.slice(start, i);
        this.advanceTo(i + 1);
        return inner;
      }
    }
    this.noClose[quote] = start;
    throw UNREADABLE;
  }

  /** `'…'` without escapes and at least one character (keys). */
  quotedKey(): string {
    const start = this.pos + 1;
    if (start >= this.noClose.key) throw UNREADABLE;
    const end = this.s.indexOf("'", start);
    if (end < 0) {
      this.noClose.key = start;
      throw UNREADABLE;
    }
    if (end === start) throw UNREADABLE;
    this.advanceTo(end + 1);
    return this.s.slice(start, end);
  }

  /** `[^\r\n]*(?:\r|\n|\r\n)?`, as python-dotenv skips a statement it cannot read. */
  skipRestOfLine(): void {
    this.skipWhile((c) => c !== '\r' && c !== '\n');
    if (this.peek() === '\r' || this.peek() === '\n') this.advanceTo(this.pos + 1);
  }
}

const DOUBLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function decodeEscapes(value: string, escapes: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const next = value[i + 1];
    if (c === '\\' && next !== undefined && escapes.includes(next)) {
      out += DOUBLE_ESCAPES[next];
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** `re.sub(r"\s+#.*", "", part).rstrip()` without its quadratic backtracking. */
function unquotedValue(part: string): string {
  for (let i = 1; i < part.length; i++) {
    if (part[i] === '#' && isSpace(part[i - 1])) {
      let start = i - 1;
      while (start > 0 && isSpace(part[start - 1])) start--;
      return part.slice(0, start).trimEnd();
    }
  }
  return part.trimEnd();
}

/** One binding: its key (undefined for a comment or blank), its value (undefined without "="). */
function parseBinding(r: Reader): { key?: string | undefined; value?: string | undefined } {
  r.skipWhile(isSpace);
  if (!r.hasNext) return {};
  if (r.s.startsWith('export', r.pos) && isBlank(r.s[r.pos + 6])) {
    r.advanceTo(r.pos + 6);
    r.skipWhile(isBlank);
  }
  let key: string | undefined;
  const first = r.peek();
  if (first === "'") key = r.quotedKey();
  else if (first !== '#') {
    key = r.skipWhile((c) => c !== '=' && c !== '#' && !isSpace(c));
    if (!key) throw UNREADABLE;
  }
  r.skipWhile(isBlank);
  let value: string | undefined;
  if (r.peek() === '=') {
    r.advanceTo(r.pos + 1);
    const blanks = r.skipWhile(isBlank);
    const c = r.peek();
    if (blanks && c === '#')
      value = ''; // `KEY= # comment`
    else if (c === "'") value = decodeEscapes(r.quotedValue("'"), "\\'");
    else if (c === '"') value = decodeEscapes(r.quotedValue('"'), '\\\'"abfnrtv');
    else if (c === '' || c === '\n' || c === '\r') value = '';
    else value = unquotedValue(r.skipWhile((ch) => ch !== '\r' && ch !== '\n'));
  }
  // An optional comment, then the end of the line.
  const mark = r.pos;
  r.skipWhile(isBlank);
  if (r.peek() === '#') r.skipWhile((c) => c !== '\r' && c !== '\n');
  else r.advanceTo(mark);
  r.skipWhile(isBlank);
  if (r.hasNext) {
    const c = r.peek();
    if (c === '\r') r.advanceTo(r.pos + (r.s[r.pos + 1] === '\n' ? 2 : 1));
    else if (c === '\n') r.advanceTo(r.pos + 1);
    else throw UNREADABLE;
  }
  return { key, value };
}

/**
 * `${NAME}` and `${NAME:-default}` replaced from `env` as python-dotenv does: a name that is
 * set (even to "") gives its value, an unset one the default or "". Linear: the next "}" and
 * ":" after every position are found once.
 */
function expand(value: string, env: (name: string) => string | null | undefined): string {
  if (!value.includes('${')) return value;
  const n = value.length;
  const nextBrace = new Int32Array(n + 1).fill(-1);
  const nextStop = new Int32Array(n + 1).fill(-1); // "}" or ":"
  for (let i = n - 1; i >= 0; i--) {
    nextBrace[i] = value[i] === '}' ? i : nextBrace[i + 1]!;
    nextStop[i] = value[i] === '}' || value[i] === ':' ? i : nextStop[i + 1]!;
  }
  let out = '';
  let cursor = 0;
  for (let i = 0; i + 1 < n; i++) {
    if (value[i] !== '$' || value[i + 1] !== '{') continue;
    const stop = nextStop[i + 2]!;
    if (stop < 0) break; // no "}" or ":" after here: nothing further can match
    let end: number;
    let fallback: string | undefined;
    if (value[stop] === '}') end = stop;
    else if (value[stop + 1] === '-' && nextBrace[stop + 2]! >= 0) {
      end = nextBrace[stop + 2]!;
      fallback = value.slice(stop + 2, end);
    } else continue;
    const name = value.slice(i + 2, stop);
    const found = env(name);
    out += value.slice(cursor, i) + (found === undefined ? (fallback ?? '') : (found ?? ''));
    cursor = end + 1;
    i = end;
  }
  return out + value.slice(cursor);
}

export function parseDotenv(text: string, base: Readonly<Record<string, string | undefined>> = {}): DotenvResult {
  const r = new Reader(text.startsWith('\ufeff') ? text.slice(1) : text);
  const bindings: Array<[string, string | undefined]> = [];
  const badLines: number[] = [];
  while (r.hasNext) {
    const line = r.line;
    try {
      const b = parseBinding(r);
      if (b.key !== undefined) bindings.push([b.key, b.value]);
    } catch (e) {
      if (e !== UNREADABLE) throw e;
      // python-dotenv reports the line where the statement began, then skips the rest of the
      // line it stopped on.
      badLines.push(line);
      r.skipRestOfLine();
    }
  }
  // dotenv_values(): each value expands against the base environment overridden by the keys
  // before it (a key without "=" has no value, and hides the base one).
  const seen = new Map<string, string | null>();
  const values: Record<string, string> = {};
  for (const [key, raw] of bindings) {
    if (raw === undefined) {
      seen.set(key, null);
      delete values[key];
      continue;
    }
    const value = expand(raw, (name) => (seen.has(name) ? seen.get(name) : base[name]));
    seen.set(key, value);
    values[key] = value;
  }
  return { values, badLines };
}

/** The largest .env file read: an app's whole environment must fit in what exec() accepts. */
export const ENV_FILE_MAX_BYTES = 1024 * 1024;
/** Linux refuses a single "KEY=value" string over 128 KiB (MAX_ARG_STRLEN): spawn fails with E2BIG. */
const MAX_VARIABLE_BYTES = 128 * 1024 - 1;

export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
}

/**
 * Reads a .env file for an app: undefined when it does not exist (the setting's default
 * names a file most folders lack); a short, clear EnvFileError when it cannot be used.
 */
export async function readEnvFile(file: string, base: Readonly<Record<string, string | undefined>>): Promise<DotenvResult | undefined> {
  let data: Buffer;
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new EnvFileError(`${file} is a folder, not a .env file: check the dataAppPreview.envFile setting.`);
    if (st.size > ENV_FILE_MAX_BYTES) {
      throw new EnvFileError(
        `${file} is ${(st.size / 1024 / 1024).toFixed(1)} MB: a .env file goes into the app's environment, which cannot hold more than ${ENV_FILE_MAX_BYTES / 1024 / 1024} MB. Check the dataAppPreview.envFile setting.`,
      );
    }
    data = await fs.readFile(file);
  } catch (e) {
    if (e instanceof EnvFileError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EnvFileError(`Could not read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): check its permissions or the dataAppPreview.envFile setting.`);
  }
  if (data.includes(0)) throw new EnvFileError(`${file} is not a text file (it holds NUL bytes): check the dataAppPreview.envFile setting.`);
  const result = parseDotenv(data.toString('utf8'), base);
  for (const [key, value] of Object.entries(result.values)) {
    if (Buffer.byteLength(key) + 1 + Buffer.byteLength(value) > MAX_VARIABLE_BYTES) {
      throw new EnvFileError(
        `${file}: the value of ${key} is ${Math.round(Buffer.byteLength(value) / 1024)} KB; one environment variable can hold at most 128 KB. Is a quote left open above it?`,
      );
    }
  }
  return result;
}

/** "lines 3, 9 and 12", or the first ten and how many more. */
export function describeLines(lines: readonly number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const shown = lines.slice(0, 10);
  const more = lines.length - shown.length;
  return `lines ${shown.join(', ')}${more ? ` and ${more} more` : ''}`;
}
