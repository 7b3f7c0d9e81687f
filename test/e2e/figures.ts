// Timings measured in the real workbench, shared by the e2e suite and the restart benchmark.
import type { Workbench } from './workbench';

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

/**
 * Types `MESSAGE = "<tag>-<i>"` on `line` of `file`, saves, and times until the preview shows
 * it; `n` times. Returns the milliseconds of each save.
 */
export async function timeSaves(wb: Workbench, file: string, line: number, tag: string, n: number, pauseMs = 0): Promise<number[]> {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) {
    if (pauseMs) await wb.page.waitForTimeout(pauseMs); // a person's pause between edits: the standby gets ready
    await wb.openFile(file);
    await wb.setLine(line, `MESSAGE = "${tag}-${i}"`);
    const t0 = Date.now();
    await wb.save();
    await wb.waitForAppText(file, '#msg', new RegExp(`^${tag}-${i}$`), 60_000);
    out.push(Date.now() - t0);
  }
  return out;
}
