// An app's stdout/stderr in its own output channel, with bounded memory. Stderr goes through
// StderrView: no frames of ours in tracebacks, and a normal stop's traceback folded.
import * as vscode from 'vscode';
import { StderrView } from '../core/stderr-view';
import { TextTail } from '../core/tail';

const MAX_CHARS = 2_000_000;
const KEEP_CHARS = 1_000_000;

export class AppOutput implements vscode.Disposable {
  readonly channel: vscode.OutputChannel;
  private written = 0;
  private readonly tail = new TextTail(KEEP_CHARS);
  private readonly stderrView = new StderrView();
  private partialTimer: NodeJS.Timeout | undefined;

  constructor(name: string) {
    this.channel = vscode.window.createOutputChannel(name);
  }

  append(text: string): void {
    if (!text) return;
    this.tail.push(text);
    this.written += text.length;
    if (this.written > MAX_CHARS) {
      // Drop the oldest half; the channel never holds more than MAX_CHARS.
      const kept = this.tail.text();
      this.channel.replace(`[… earlier output dropped …]\n${kept}`);
      this.written = kept.length;
    } else {
      this.channel.append(text);
    }
  }

  /** Stderr of run `run`: shown line by line; a partial line waits at most 100 ms. */
  stderr(text: string, run: { readonly id: string; readonly stopping: boolean }): void {
    this.append(this.stderrView.push(text, run.id, run.stopping));
    clearTimeout(this.partialTimer);
    if (this.stderrView.hasPartial(run.id)) this.partialTimer = setTimeout(() => this.append(this.stderrView.flushPartial(run.id)), 100);
  }

  /** Run `runId` is gone: what it wrote while being stopped (shutdown tracebacks folded). */
  runEnded(runId: string): void {
    this.append(this.stderrView.ended(runId));
  }

  /** Characters the channel holds now (bounded by MAX_CHARS). */
  get size(): number {
    return this.written;
  }

  /** The most recent output (up to KEEP_CHARS). */
  recent(): string {
    return this.tail.text();
  }

  line(text: string): void {
    this.append(`${text}\n`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    clearTimeout(this.partialTimer);
    this.channel.dispose();
  }
}
