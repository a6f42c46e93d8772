/**
 * Collections keyed by strings that nearly always hold one entry: a
 * connection's channels, a user's connections on this node, a user's
 * checked keys. The one is held in fields, and a Set or Map is made only
 * when a second comes (and dropped when one is left again). A Set or Map
 * and its table are ~200 bytes of heap; per connection there were three,
 * a tenth of a connection's heap. Unlike a Set or Map, changing one while
 * iterating it is not supported: callers iterate a copy.
 */

/** Map-like, for string keys. */
export class FewMap<V> {
  /** The key and value while there is exactly one entry; undefined otherwise. */
  #oneKey: string | undefined;
  #oneValue: V | undefined;
  /** The entries while there are two or more; undefined otherwise. */
  #many: Map<string, V> | undefined;

  get size(): number {
    return this.#many?.size ?? (this.#oneKey === undefined ? 0 : 1);
  }

  get(key: string): V | undefined {
    if (this.#many !== undefined) return this.#many.get(key);
    return this.#oneKey === key ? this.#oneValue : undefined;
  }

  set(key: string, value: V): this {
    if (this.#many !== undefined) {
      this.#many.set(key, value);
    } else if (this.#oneKey === undefined || this.#oneKey === key) {
      this.#oneKey = key;
      this.#oneValue = value;
    } else {
      this.#many = new Map([
        [this.#oneKey, this.#oneValue as V],
        [key, value],
      ]);
      this.#oneKey = undefined;
      this.#oneValue = undefined;
    }
    return this;
  }

  delete(key: string): boolean {
    const many = this.#many;
    if (many === undefined) {
      if (this.#oneKey !== key) return false;
      this.#oneKey = undefined;
      this.#oneValue = undefined;
      return true;
    }
    if (!many.delete(key)) return false;
    if (many.size === 1) {
      [this.#oneKey, this.#oneValue] = many.entries().next().value!;
      this.#many = undefined;
    }
    return true;
  }

  clear(): void {
    this.#oneKey = undefined;
    this.#oneValue = undefined;
    this.#many = undefined;
  }

  /** The keys, in the order a Map gives. */
  keys(): IterableIterator<string> {
    return this.#many?.keys() ?? (this.#oneKey === undefined ? [] : [this.#oneKey]).values();
  }
}

/** Set-like, for strings: a FewMap whose values are all `true`. */
export class FewSet extends FewMap<true> implements Iterable<string> {
  has(value: string): boolean {
    return this.get(value) !== undefined;
  }

  add(value: string): this {
    return this.set(value, true);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }
}
