/**
 * A set of strings that nearly always holds one: a connection's channels, a
 * user's connections on this node. The one is held in a field, and a Set is
 * made only when a second comes (and dropped when one is left again). A Set
 * and its table are ~230 bytes of heap; per connection there were two, 7% of
 * a connection's heap.
 */
export class FewSet implements Iterable<string> {
  /** The value while there is exactly one; undefined otherwise. */
  #one: string | undefined;
  /** The values while there are two or more; undefined otherwise. */
  #many: Set<string> | undefined;

  get size(): number {
    return this.#many?.size ?? (this.#one === undefined ? 0 : 1);
  }

  has(value: string): boolean {
    return this.#many === undefined ? this.#one === value : this.#many.has(value);
  }

  add(value: string): this {
    if (this.#many !== undefined) {
      this.#many.add(value);
    } else if (this.#one === undefined) {
      this.#one = value;
    } else if (this.#one !== value) {
      this.#many = new Set([this.#one, value]);
      this.#one = undefined;
    }
    return this;
  }

  delete(value: string): boolean {
    const many = this.#many;
    if (many === undefined) {
      if (this.#one !== value) return false;
      this.#one = undefined;
      return true;
    }
    if (!many.delete(value)) return false;
    if (many.size === 1) {
      this.#one = many.values().next().value;
      this.#many = undefined;
    }
    return true;
  }

  clear(): void {
    this.#one = undefined;
    this.#many = undefined;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.#many?.values() ?? (this.#one === undefined ? [] : [this.#one]).values();
  }
}
