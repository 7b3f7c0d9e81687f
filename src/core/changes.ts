// Which file changes restart an app, and whether a change really changed anything.
// No `vscode` import.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

/** Folders whose changes never restart an app, whatever the settings say. */
export const ALWAYS_IGNORED_DIRS: readonly string[] = [
  '.git',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.env',
  'env',
  '.tox',
  '.nox',
  'site-packages',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.ipynb_checkpoints',
  '.conda',
  '.vscode-test',
];

export class ChangeFilter {
  private readonly include: (p: string) => boolean;
  private readonly exclude: (p: string) => boolean;

  constructor(
    readonly root: string,
    include: string,
    exclude: readonly string[] = [],
  ) {
    this.include = picomatch(include || '**/*', { dot: true });
    this.exclude = exclude.length ? picomatch([...exclude], { dot: true }) : () => false;
  }

  /** Whether a change to `file` (absolute) should restart the app rooted at `root`. */
  matches(file: string): boolean {
    const rel = path.relative(this.root, file);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    const parts = rel.split(path.sep);
    if (parts.slice(0, -1).some((d) => ALWAYS_IGNORED_DIRS.includes(d))) return false;
    const posix = parts.join('/');
    return this.include(posix) && !this.exclude(posix);
  }
}

const HASH_LIMIT = 16 * 1024 * 1024;
/** Files hashed at once: a checkout of 50,000 files must not take every file descriptor. */
const MAX_CONCURRENT_HASHES = 16;
/** Past this many changes waiting to be hashed, a change is taken as real without hashing it. */
const FLOOD = 2000;

/**
 * Remembers a fingerprint per file so that saving unchanged content (auto-save, touch, a
 * formatter that changes nothing) does not restart the app. Never loses a change: a file that
 * cannot be read (other than a missing one) counts as changed, and so does every change of a
 * flood too large to hash.
 */
export class ContentFingerprints {
  private readonly seen = new Map<string, string>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private unreadable = 0;

  /** True when the content differs from the last fingerprint seen (or none was seen yet). */
  async changed(file: string): Promise<boolean> {
    if (this.waiting.length >= FLOOD) {
      this.seen.delete(file); // hashed again the next time
      return true;
    }
    const fp = await this.limited(() => this.fingerprint(file));
    const before = this.seen.get(file);
    this.seen.set(file, fp);
    return before !== fp;
  }

  /** Records a file's current fingerprint without reporting a change. */
  async remember(file: string): Promise<void> {
    this.seen.set(file, await this.limited(() => this.fingerprint(file)));
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= MAX_CONCURRENT_HASHES) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async fingerprint(file: string): Promise<string> {
    try {
      const st = await fsp.stat(file);
      if (!st.isFile()) return `other:${st.mtimeMs}`;
      if (st.size > HASH_LIMIT) return `big:${st.size}:${st.mtimeMs}`;
      return (
        'sha1:' +
        createHash('sha1')
          .update(await fsp.readFile(file))
          .digest('hex')
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return 'missing';
      return `unreadable:${++this.unreadable}`; // never equal to anything before: a change
    }
  }
}
