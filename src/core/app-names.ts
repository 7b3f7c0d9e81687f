// App file names: how a file's name becomes a module name or a URL path, and the names a
// framework cannot serve. No `vscode` import.
import * as path from 'node:path';

/**
 * The module name an app file is imported under when its own name is not a Python module
 * name ("app.v2.py" reads as a package, "-x.py" as an option, "my app.py" has a space). The
 * launcher maps it to the file (`--alias`), so Flask, uvicorn and Shiny import the file itself.
 */
export const APP_ALIAS = 'data_app_preview_app';

/** Whether a file's stem can be imported by name. */
export const importableStem = (stem: string): boolean => /^[\p{L}_][\p{L}\p{N}_]*$/u.test(stem);

/** A file name a framework cannot serve: shown as it is, with what to do. */
export class FileNameError extends Error {
  override readonly name = 'FileNameError';
}

/** Bokeh and Panel route an app by its file name as a Tornado pattern matched against the raw (percent-encoded) path. */
export function checkRoutableStem(stem: string, label: string): void {
  if (/^[A-Za-z0-9_.'-]+$/.test(stem) && !/^\.+$/.test(stem)) return;
  const suggestion =
    stem
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'app';
  throw new FileNameError(
    `${label} serves an app at a URL made from its file name, and cannot serve "${stem}" there: only ASCII letters, digits, "_", "-", "." and "'" work. Rename the file, for example to ${suggestion}.py.`,
  );
}

/** Observable pages: src/foo/bar.md is served at /foo/bar. */
export function observablePage(root: string, file: string): string {
  const rel = path.relative(path.join(root, 'src'), file).split(path.sep).join('/');
  if (rel.startsWith('..') || !rel.endsWith('.md')) return '/';
  const page = rel.replace(/\.md$/, '').replace(/(^|\/)index$/, '$1');
  return '/' + page.split('/').map(encodeURIComponent).join('/');
}
