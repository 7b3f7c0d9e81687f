// The preview's status message (toolbar and overlays) from the supervisor's state. No `vscode` import.
import * as path from 'node:path';
import { FRAMEWORKS, type FrameworkId } from '../core/frameworks';
import { AppStartError, type AppSupervisor } from '../core/supervisor';
import type { StatusMessage } from './protocol';

export interface StatusInputs {
  readonly file: string;
  readonly framework: FrameworkId;
  /** The URL the preview loads (through asExternalUri). */
  readonly url: string | undefined;
  /** Bumped on every new server the preview must load. */
  readonly generation: number;
  readonly debugging: boolean;
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
    port: sup.port,
    restarts: sup.restarts,
    generation: i.generation,
    detail,
    debugging: i.debugging,
    error: err && (state === 'crashed' || state === 'stopped') ? { message: err.message, output: err instanceof AppStartError ? err.stderrTail : '' } : undefined,
  };
}
