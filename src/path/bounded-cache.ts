// A bounded cache in two generations: new entries go into the young map; when it is full it
// becomes the old one and the previous old one is dropped whole. An entry found in the old map
// moves to the young one, so what is used stays. Every operation is O(1).
//
// The obvious "delete the first key of one Map when full" is not: V8 leaves a hole for each
// entry deleted from the front, and finding the first key walks all of them until the table is
// rebuilt, which made a full cache thousands of times slower than an empty one.
export class BoundedCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generationSize: number;

  /** Holds at least `size / 2` and at most `size` entries. */
  constructor(size: number) {
    this.generationSize = Math.max(1, Math.ceil(size / 2));
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
