/**
 * Collections keyed by strings that nearly always hold one entry: a
 * connection's channels, a user's connections on this node, a user's
 * checked keys. The one is held in fields, and a Set or Map is made only
 * when a second comes (and dropped when one is left again). A Set or Map
 * and its table are ~200 bytes of heap; per connection there were three,
 * a tenth of a connection's heap. Unlike a Set or Map, changing one while
 * iterating it is not supported: callers iterate a copy.
 */

/** Set-like, for strings. */
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
}
