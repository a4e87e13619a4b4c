// What a hot path reads from the database for every transfer (the registry for paths, the
// accounting objects' associations for matching), held in memory. Loaded on first use, again
// after `invalidate()` (this process changed the data) or when older than `maxAgeMs` (another
// process may have). Callers share one load in flight; a failed load is not kept.
export class RefreshingSnapshot<T> {
  private current: { value: Promise<T>; loadedAt: number } | null = null;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const now = this.now();
    if (this.current === null || now - this.current.loadedAt > this.maxAgeMs) {
      const value = this.load();
      const entry = { value, loadedAt: now };
      this.current = entry;
      value.catch(() => {
        if (this.current === entry) this.current = null;
      });
    }
    return this.current.value;
  }

  invalidate(): void {
    this.current = null;
  }
}
