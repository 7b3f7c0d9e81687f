// The browser console's messages that reach the editor: what a page sent (checked, cut to size
// and redacted), and how one reads in the app's output. No `vscode` import.

export interface ConsoleEntry {
  readonly level: 'error' | 'warn';
  readonly message: string;
  /** `url:line:column` (or a stack frame) where it came from, when known. */
  readonly source: string;
  readonly stack: string;
  /** The page's URL. */
  readonly page: string;
}

const MAX_FIELD = 4000;

/** What a page sent, or undefined when it is not a console message of ours (bad JSON, wrong shape). */
export function parseConsoleEntry(body: string, redact: (text: string) => string): ConsoleEntry | undefined {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object') return undefined;
  const o = data as Record<string, unknown>;
  if (o.level !== 'error' && o.level !== 'warn') return undefined;
  if (typeof o.message !== 'string') return undefined;
  const field = (v: unknown): string => (typeof v === 'string' ? redact(v.slice(0, MAX_FIELD)) : '');
  return { level: o.level, message: field(o.message), source: field(o.source), stack: field(o.stack), page: withoutQuery(field(o.page)) };
}

/** A page's URL without its query and fragment (they may hold tokens). */
function withoutQuery(url: string): string {
  return url.replace(/[?#].*$/, '');
}

/** The entry as lines for the app's output: `[browser] console.error at <source> (<page>): message`, then the stack. */
export function formatConsoleEntry(e: ConsoleEntry): string {
  const what = e.message.startsWith('Uncaught ') || e.message.startsWith('Unhandled rejection') ? e.level : `console.${e.level}`;
  const where = [e.source && `at ${e.source}`, e.page && `(${e.page})`].filter(Boolean).join(' ');
  const head = `[browser] ${what}${where ? ` ${where}` : ''}: ${e.message}`;
  const stack = e.stack && !e.message.includes(e.stack) ? e.stack.split('\n').map((l) => `    ${l.trim()}`) : [];
  return [head, ...stack].join('\n') + '\n';
}
