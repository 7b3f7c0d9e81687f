// The preview's status message (toolbar and overlays) from the supervisor's state. No `vscode` import.
import * as path from 'node:path';
import { classifyFailure, failureHint, type Failure } from '../core/failures';
import { FRAMEWORKS, type FrameworkId } from '../core/frameworks';
import { ModuleMissingError } from '../core/python';
import { AppStartError, type AppSupervisor } from '../core/supervisor';
import { dropOurFrames } from '../core/tracebacks';
import type { FailureView, StatusMessage } from './protocol';

export interface StatusInputs {
  readonly file: string;
  readonly framework: FrameworkId;
  /** The workspace folder: a traceback frame inside it (and not in an installed package) is the user's code. */
  readonly workspace: string;
  /** The URL the preview loads (through asExternalUri). */
  readonly url: string | undefined;
  /** Bumped on every new server the preview must load. */
  readonly generation: number;
  readonly debugging: boolean;
  /** The port pages load the app from (the front proxy's); the app server's own when there is none. */
  readonly port?: number | undefined;
  /** Browser console errors and warnings of this run. */
  readonly consoleCount?: number | undefined;
  /** For a missing module: how it installs for this interpreter, once known. */
  readonly setup?: { readonly install?: string | undefined; readonly advice?: string | undefined; readonly canCreateEnvironment: boolean } | undefined;
}

export function statusMessageOf(sup: AppSupervisor, i: StatusInputs): StatusMessage {
  const err = sup.lastError;
  const state = sup.state;
  let detail: string | undefined;
  if (state === 'ready' && sup.lastStartMs !== undefined) {
    detail = sup.restarts ? `restarted in ${sup.lastStartMs} ms · ${sup.restarts} restart${sup.restarts > 1 ? 's' : ''}` : `ready in ${sup.lastStartMs} ms`;
  }
  return {
    type: 'status',
    state,
    appName: path.basename(i.file),
    filePath: i.file,
    framework: FRAMEWORKS[i.framework].label,
    url: i.url,
    port: i.port || sup.port,
    restarts: sup.restarts,
    generation: i.generation,
    detail,
    debugging: i.debugging,
    error: err && (state === 'crashed' || state === 'stopped') ? failureView(err, i) : undefined,
    consoleCount: i.consoleCount,
    pageFollows: FRAMEWORKS[i.framework].pageFollows,
  };
}

/** The output shown with a failure: no frames of ours, no debugger sentinel lines. */
export function shownOutput(raw: string): string {
  return dropOurFrames(raw)
    .split('\n')
    .filter((l) => !l.startsWith('\0'))
    .join('\n')
    .replace(/\n+$/, '');
}

/** Classifies the error of the last failure, with its hint and the user's code location. */
export function failureOf(err: Error, i: Pick<StatusInputs, 'file' | 'workspace'>): { failure: Failure; output: string } {
  if (err instanceof ModuleMissingError) return { failure: { kind: 'missing-module', module: err.module, exception: err.message }, output: '' };
  if (!(err instanceof AppStartError)) return { failure: { kind: 'crash' }, output: '' };
  const output = shownOutput(err.stderrTail);
  const appDir = path.dirname(i.file);
  const failure = classifyFailure({ output, exitCode: err.exit?.code, isUserFile: (f) => isUserFile(path.resolve(appDir, f), i.workspace) });
  const location = failure.location && { file: path.resolve(appDir, failure.location.file), line: failure.location.line };
  return { failure: { ...failure, location }, output };
}

function failureView(err: Error, i: StatusInputs): FailureView {
  const { failure, output } = failureOf(err, i);
  return {
    message: err.message,
    output,
    kind: failure.kind,
    exception: err instanceof ModuleMissingError ? undefined : failure.exception,
    hint: (failure.kind === 'missing-module' ? i.setup?.advice : undefined) ?? failureHint(failure, path.basename(i.file)),
    location: failure.location,
    install: failure.kind === 'missing-module' ? i.setup?.install : undefined,
    canCreateEnvironment: i.setup?.canCreateEnvironment,
  };
}

/** In the workspace, and not in an installed package or an environment inside it. */
export function isUserFile(file: string, workspace: string): boolean {
  const rel = path.relative(workspace, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  return !/(?:^|[\\/])(?:site-packages|dist-packages|\.venv|venv|\.tox|node_modules)[\\/]/.test(rel);
}
