// An app's stdout/stderr in its own output channel, with bounded memory.
import * as vscode from 'vscode';
import { TextTail } from '../core/tail';

const MAX_CHARS = 2_000_000;
const KEEP_CHARS = 1_000_000;

export class AppOutput implements vscode.Disposable {
  readonly channel: vscode.OutputChannel;
  private written = 0;
  private readonly tail = new TextTail(KEEP_CHARS);

  constructor(name: string) {
    this.channel = vscode.window.createOutputChannel(name);
  }

  append(text: string): void {
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
    this.channel.dispose();
  }
}
