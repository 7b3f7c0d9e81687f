// A bounded text buffer: keeps at most `maxChars` of the most recent output.
export class TextTail {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly maxChars: number) {}

  push(text: string): void {
    if (!text) return;
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.maxChars) {
      const first = this.chunks[0]!;
      const excess = this.size - this.maxChars;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.slice(excess);
        this.size -= excess;
      }
    }
  }

  text(): string {
    return this.chunks.join('');
  }

  /** The last `n` lines (a trailing partial line counts). */
  lastLines(n: number): string {
    const lines = this.text().replace(/\n$/, '').split('\n');
    return lines.slice(-n).join('\n');
  }

  get length(): number {
    return this.size;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }
}
