// The preview's app frame, double-buffered: a new version loads in a hidden frame behind the
// page on show, which is swapped in once it has loaded (or after a bound), so the preview is
// never blank while the app restarts.
const SWAP_AFTER_MS = 10_000;

export class FrameSwap {
  private pending: HTMLIFrameElement | undefined;
  private following: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private current: HTMLIFrameElement,
    private readonly onSwapped: () => void,
  ) {}

  /** The frame on show. */
  get frame(): HTMLIFrameElement {
    return this.current;
  }

  /** Whether a new version is loading behind the one on show. */
  get loading(): boolean {
    return this.pending !== undefined;
  }

  /** Whether `w` is the window of a frame of the app (shown or loading). */
  isAppWindow(w: MessageEventSource | null): boolean {
    return !!w && (w === this.current.contentWindow || w === this.pending?.contentWindow);
  }

  /**
   * The page on show follows the restart by itself (it says so, see FollowedMessage); it is
   * loaded again only if it has not within `withinMs`.
   */
  follow(url: string, withinMs: number): void {
    this.current.contentWindow?.postMessage({ dataAppPreview: 'run' }, '*'); // the front proxy's script in the page
    clearTimeout(this.following);
    this.following = setTimeout(() => this.load(url), withinMs);
  }

  /** The page on show has followed the restart. */
  followed(): void {
    clearTimeout(this.following);
    this.following = undefined;
  }

  /** Loads `url` behind the page on show, and swaps when it has loaded; the first page loads directly. */
  load(url: string): void {
    this.followed();
    const src = this.current.getAttribute('src');
    if (!src || src === 'about:blank') {
      this.current.src = url;
      return;
    }
    this.pending?.remove();
    const next = this.current.cloneNode(false) as HTMLIFrameElement;
    next.removeAttribute('id');
    next.classList.add('frame-next');
    next.src = url;
    const swap = (): void => {
      if (this.pending !== next) return;
      clearTimeout(timer);
      this.pending = undefined;
      this.current.remove();
      next.classList.remove('frame-next');
      next.id = 'app-frame';
      this.current = next;
      this.onSwapped();
    };
    const timer = setTimeout(swap, SWAP_AFTER_MS);
    next.addEventListener('load', swap, { once: true });
    this.current.after(next);
    this.pending = next;
  }

  /** Reloads the page on show now (the Reload button). */
  reload(url: string): void {
    this.followed();
    this.pending?.remove();
    this.pending = undefined;
    this.current.src = url;
  }
}
