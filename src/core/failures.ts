// Why a run failed, told from its output and exit, and what the user can do about each kind.
// Pure string work: the webview shows the result.
import { isOurFrameFile, locationIn, type SourceLocation } from './tracebacks';

export const FAILURE_KINDS = ['syntax', 'missing-module', 'import', 'not-a-server', 'port-in-use', 'crash'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface Failure {
  readonly kind: FailureKind;
  /** The exception line (`NameError: name 'x' is not defined`), when there is one. */
  readonly exception?: string | undefined;
  /** The top-level module that is missing (missing-module). */
  readonly module?: string | undefined;
  /** Where in the user's code it failed: the deepest frame in their files (for a SyntaxError, its location). */
  readonly location?: SourceLocation | undefined;
}

/** The last line that reads like a Python exception: `Name: message`, or a bare `NameError`. */
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)|[A-Za-z_][\w.]*)(?::\s?(.*))?$/;

function exceptionLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (!l || /^\s/.test(l)) continue;
    const m = EXCEPTION_LINE.exec(l);
    // A bare word is an exception only right after a traceback's indented lines.
    if (m && (m[2] !== undefined || /(?:Error|Exception|Interrupt|Exit)$/.test(m[1]!)) && i > 0 && /^\s/.test(lines[i - 1]!)) return l;
  }
  return undefined;
}

export interface ClassifyInput {
  /** The run's last output lines (stderr and stdout). */
  readonly output: string;
  /** The exit code, when it exited (null when killed by a signal). */
  readonly exitCode?: number | null | undefined;
  /** Whether a path from a traceback is the user's code (in the workspace, not an installed package). */
  readonly isUserFile: (file: string) => boolean;
}

export function classifyFailure(input: ClassifyInput): Failure {
  const lines = input.output.replace(/\r/g, '').split('\n');
  const exception = exceptionLine(lines);
  const frames = lines.map(locationIn).filter((l) => !!l && !isOurFrameFile(l.file) && input.isUserFile(l.file));
  const last = frames[frames.length - 1];
  const location = last ? { file: last.file, line: last.line } : undefined;
  const name = exception?.split(':')[0]?.split('.').pop() ?? '';
  const missing = /No module named '([^']+)'/.exec(exception ?? '');
  if (name === 'ModuleNotFoundError' && missing) return { kind: 'missing-module', exception, module: missing[1]!.split('.')[0], location };
  if (name === 'SyntaxError' || name === 'IndentationError' || name === 'TabError') return { kind: 'syntax', exception, location };
  if (name === 'ImportError') return { kind: 'import', exception, location };
  if (looksLikePortInUse(input.output)) return { kind: 'port-in-use', exception, location };
  if (input.exitCode === 0 && !exception) return { kind: 'not-a-server' };
  return { kind: 'crash', exception, location };
}

/** What the user can do, per kind (the overlay's line under the error). */
export function failureHint(f: Failure, app: string): string {
  const where = f.location ? ` (${baseName(f.location.file)}, line ${f.location.line})` : '';
  switch (f.kind) {
    case 'syntax':
      return `Python cannot read ${f.location ? baseName(f.location.file) : app}${f.location ? ` at line ${f.location.line}` : ''}. Fix it and save: the app restarts by itself.`;
    case 'missing-module':
      return `The module "${f.module}" is not installed for this interpreter. Install it, or select the interpreter of the environment that has it. If "${f.module}" is your own module, check its name and that its folder is where the app runs from.`;
    case 'import':
      return `An import failed${where}: a name is missing from a module, or the installed version differs from the one the code expects. Fix the import and save, or install the expected version.`;
    case 'not-a-server':
      return `${app} ran to its end (exit code 0) without serving a page. A preview needs a server that keeps running and listens on the HOST and PORT environment variables the preview sets. If this file is not an app, choose "This file is not an app".`;
    case 'port-in-use':
      return 'The port is taken by another program. Stop that program, or clear "dataAppPreview.port" (0 picks a free port).';
    case 'crash':
      return `The app stopped with an error${where}. Fix it and save: the app restarts by itself. Or restart it.`;
  }
}

/** Output that says the port was taken (Python, Node, Streamlit, Windows). */
export function looksLikePortInUse(output: string): boolean {
  return /address already in use|EADDRINUSE|errno 98\b|Errno 48\b|Only one usage of each socket address|port \d+ is (?:already )?in use/i.test(output);
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
