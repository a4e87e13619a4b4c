// The binary tree over address bits that a MaxMind DB is searched with, kept as one Int32Array
// (two records per node) rather than an object per node: the ASN database has millions of nodes.
//
// A record is one int32: EMPTY (0) for no data, n > 0 for the node with index n (the root, index
// 0, is never a child), and -(id + 1) for the data record with that id.

export const EMPTY = 0;
export const leafOf = (dataId: number): number => -(dataId + 1);
export const dataIdOf = (record: number): number => -record - 1;

/** Bit `depth` (0 = most significant) of an address held as 32-bit words, most significant first. */
function bitAt(words: Uint32Array, depth: number): number {
  return (words[depth >>> 5]! >>> (31 - (depth & 31))) & 1;
}

export class SearchTree {
  records: Int32Array;
  nodes: number;

  constructor(records = new Int32Array(2 << 16), nodes = 1) {
    this.records = records;
    this.nodes = nodes;
  }

  /** A copy to rework for writing (merges, aliases) while this one keeps what was inserted. */
  copy(): SearchTree {
    return new SearchTree(this.records.slice(0, Math.max(this.nodes * 2, 2)), this.nodes);
  }

  newNode(fill: number): number {
    if ((this.nodes + 1) * 2 > this.records.length) {
      const grown = new Int32Array(Math.max(this.records.length * 2, 2 << 10));
      grown.set(this.records);
      this.records = grown;
    }
    const index = this.nodes++;
    this.records[index * 2] = fill;
    this.records[index * 2 + 1] = fill;
    return index;
  }

  /**
   * Sets the record for the prefix of `prefixLength` bits of `words`, starting from `node` at
   * `depth` (a node known to be on the path). Leaves on the way are pushed down into both halves
   * of new nodes, so the rest of a larger network keeps its record; whatever lay inside the
   * prefix is dropped: the last write wins.
   */
  set(words: Uint32Array, prefixLength: number, record: number, node = 0, depth = 0): void {
    if (prefixLength === 0) {
      this.records[0] = record;
      this.records[1] = record;
      return;
    }
    let current = node;
    for (let d = depth; d < prefixLength - 1; d++) {
      const slot = current * 2 + bitAt(words, d);
      const next = this.records[slot]!;
      if (next > 0) {
        current = next;
      } else {
        const child = this.newNode(next);
        this.records[slot] = child;
        current = child;
      }
    }
    this.records[current * 2 + bitAt(words, prefixLength - 1)] = record;
  }

  /** The node at the end of `depth` zero bits, made if missing (the IPv4 subtree at ::/96). */
  zeroPathNode(depth: number): number {
    let current = 0;
    for (let d = 0; d < depth; d++) {
      const next = this.records[current * 2]!;
      if (next > 0) {
        current = next;
      } else {
        const child = this.newNode(next);
        this.records[current * 2] = child;
        current = child;
      }
    }
    return current;
  }

  /** What the zero path answers after `depth` bits: a node, or the leaf that covers it. */
  zeroPathRecord(depth: number): number {
    let record = 0;
    for (let d = 0; d < depth; d++) {
      record = this.records[record * 2]!;
      if (record <= 0) return record;
    }
    return record;
  }

  /**
   * Replaces every node whose two halves end in the same leaf by that leaf, bottom-up, so that
   * adjacent networks with one record cost no nodes. The root stays a node: a file needs one.
   */
  mergeSiblings(): void {
    const records = this.records;
    const merge = (node: number): number => {
      const left = records[node * 2]!;
      const right = records[node * 2 + 1]!;
      const l = left > 0 ? merge(left) : left;
      const r = right > 0 ? merge(right) : right;
      records[node * 2] = l;
      records[node * 2 + 1] = r;
      return l <= 0 && l === r ? l : node;
    };
    // Recursion is bounded by the tree depth (128), not by the node count.
    const left = records[0]!;
    const right = records[1]!;
    if (left > 0) records[0] = merge(left);
    if (right > 0) records[1] = merge(right);
  }

  /**
   * Makes the network of `prefixLength` bits of `words` answer as `target` (a node or a leaf)
   * wherever no data lies in it; data already there stays. The tree then becomes a graph, which
   * a MaxMind DB allows: two records may name the same node.
   */
  graft(words: Uint32Array, prefixLength: number, target: number): 'applied' | 'partial' | 'covered' {
    let current = 0;
    for (let d = 0; d < prefixLength - 1; d++) {
      const slot = current * 2 + bitAt(words, d);
      const next = this.records[slot]!;
      if (next > 0) {
        current = next;
      } else if (next === EMPTY) {
        const child = this.newNode(EMPTY);
        this.records[slot] = child;
        current = child;
      } else {
        return 'covered';
      }
    }
    const slot = current * 2 + bitAt(words, prefixLength - 1);
    const record = this.records[slot]!;
    if (record === EMPTY) {
      this.records[slot] = target;
      return 'applied';
    }
    if (record < 0) return 'covered';
    return this.fillGaps(record, target) ? 'partial' : 'covered';
  }

  /** Walks `node` and `target` side by side, giving each empty record of `node` the target's answer. */
  private fillGaps(node: number, target: number): boolean {
    let filled = false;
    for (let side = 0; side < 2; side++) {
      const slot = node * 2 + side;
      const own = this.records[slot]!;
      const theirs = target > 0 ? this.records[target * 2 + side]! : target;
      if (own === EMPTY) {
        if (theirs !== EMPTY) {
          this.records[slot] = theirs;
          filled = true;
        }
      } else if (own > 0 && theirs !== EMPTY) {
        filled = this.fillGaps(own, theirs) || filled;
      }
    }
    return filled;
  }
}
