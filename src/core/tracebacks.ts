// Python tracebacks as the user should read them: our own frames (launcher, standby, runpy)
// dropped, the `File "…", line N` references found (links, the Problems panel), and the
// traceback of a normal shutdown folded into one line. Pure string work: the webview uses it too.

/** `  File "/path/app.py", line 12, in main` (the `, in …` part is absent for a SyntaxError). */
const FRAME = /^(\s*)File "([^"]+)", line (\d+)(?:, in .*)?$/;

/** Our launcher and standby, the hot standby's entry (core/hot-entry.ts), and runpy, which they (and `python -m`) run the app through. */
export function isOurFrameFile(file: string): boolean {
  return (
    /(?:^|[\\/])dap_(?:launch|standby)\.py$/.test(file) ||
    /(?:^|[\\/])dap-hot-[^\\/]+[\\/][^\\/]+\.py$/.test(file) ||
    file === '<frozen runpy>' ||
    /(?:^|[\\/])runpy\.py$/.test(file)
  );
}

/**
 * Drops our frames line by line, for output that arrives in chunks: each frame line of ours and
 * the lines indented under it (its source line and `^^^` markers). A partial last line is held
 * until its end arrives or `flush()`.
 */
export class FrameFilter {
  private partial = '';
  /** The indentation of the frame being dropped, or -1. */
  private dropping = -1;

  push(chunk: string): string {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    return lines
      .map((l) => this.keep(l))
      .filter((l): l is string => l !== undefined)
      .map((l) => `${l}\n`)
      .join('');
  }

  /** The held partial line (filtered). */
  flush(): string {
    const rest = this.partial;
    this.partial = '';
    return rest ? (this.keep(rest) ?? '') : '';
  }

  get pending(): boolean {
    return this.partial.length > 0;
  }

  private keep(line: string): string | undefined {
    const indent = /^\s*/.exec(line)![0].length;
    if (this.dropping >= 0 && line.trim() && indent > this.dropping) return undefined;
    this.dropping = -1;
    const frame = FRAME.exec(line);
    if (frame && isOurFrameFile(frame[2]!)) {
      this.dropping = frame[1]!.length;
      return undefined;
    }
    return line;
  }
}

/** The whole text without our frames. */
export function dropOurFrames(text: string): string {
  const f = new FrameFilter();
  return f.push(text) + f.flush();
}

export interface SourceLocation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
}

/** A `File "…", line N` reference in one line of output, with where it sits in that line (for a link). */
export interface LocationInLine extends SourceLocation {
  readonly start: number;
  readonly end: number;
}

/** The reference in `line`, if it is a traceback frame line. */
export function locationIn(line: string): LocationInLine | undefined {
  const m = FRAME.exec(line);
  if (!m || isOurFrameFile(m[2]!)) return undefined;
  const start = m[1]!.length;
  const text = `File "${m[2]}", line ${m[3]}`;
  return { file: m[2]!, line: Number(m[3]), start, end: start + text.length };
}

/** Every frame reference in `text`, in order. */
export function locations(text: string): SourceLocation[] {
  return text
    .split('\n')
    .map(locationIn)
    .filter((l): l is LocationInLine => !!l)
    .map(({ file, line }) => ({ file, line }));
}

/** Exceptions that a stop by signal raises in a healthy app. */
const SHUTDOWN_EXCEPTION = /^(?:KeyboardInterrupt|(?:asyncio\.exceptions\.|concurrent\.futures\._base\.|asyncio\.)?CancelledError|SystemExit)\b/;
const TRACEBACK_START = 'Traceback (most recent call last):';
const CHAIN = /^(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$/;

/**
 * The output of a run after our own stop signal, with each traceback chain that ends in a
 * shutdown exception (KeyboardInterrupt, CancelledError, SystemExit) folded into one line.
 * Anything else (a real error while shutting down, the app's own messages) is kept.
 */
export function foldShutdownNoise(text: string): { text: string; folded: number } {
  const lines = text.split('\n');
  const out: string[] = [];
  let folded = 0;
  let i = 0;
  while (i < lines.length) {
    if (lines[i] !== TRACEBACK_START) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    // One chain: tracebacks joined by "During handling …" lines; each ends at its exception line.
    const start = i;
    const exceptions: string[] = [];
    for (;;) {
      i++; // past "Traceback …"
      while (i < lines.length && (/^\s/.test(lines[i]!) || lines[i] === '')) i++;
      if (i < lines.length) exceptions.push(lines[i++]!);
      let j = i;
      while (j < lines.length && lines[j] === '') j++;
      if (j < lines.length && CHAIN.test(lines[j]!)) {
        j++;
        while (j < lines.length && lines[j] === '') j++;
        if (lines[j] === TRACEBACK_START) {
          i = j;
          continue;
        }
      }
      break;
    }
    const last = exceptions[exceptions.length - 1] ?? '';
    if (SHUTDOWN_EXCEPTION.test(last)) {
      folded++;
      out.push(`[shutdown after the stop signal: ${last.split(':')[0]} traceback folded (${i - start} lines)]`);
    } else {
      out.push(...lines.slice(start, i));
    }
  }
  return { text: out.join('\n'), folded };
}
