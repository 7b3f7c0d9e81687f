// A value made on first need and kept, unless making it failed: then the next need tries again
// (a token endpoint that could not start once is not refused forever). No `vscode` import.

export class Lazy<T> {
  private made: Promise<T> | undefined;

  constructor(private readonly make: () => Promise<T>) {}

  /** The value: made now if it was never made, or its last making failed. */
  get(): Promise<T> {
    const made = (this.made ??= this.make());
    made.catch(() => {
      if (this.made === made) this.made = undefined;
    });
    return made;
  }

  /** The value if one was made or is being made (failures as undefined), and forgets it. */
  async take(): Promise<T | undefined> {
    const made = this.made;
    this.made = undefined;
    return made?.catch(() => undefined);
  }
}
