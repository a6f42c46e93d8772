/** Small tools for tests that step through asynchronous code by hand. */

/** A promise with its resolve and reject exposed. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback (and the fakes' replies) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whether `promise` has settled once every pending callback has run. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await settle();
  return settled;
}

/** Replies a fake holds back while closed: `await gate.passed()` waits until `hold()`'s release is called. */
export class Gate {
  #closed: Promise<void> | undefined;

  /** Holds what passes through until the returned function is called. */
  hold(): () => void {
    const { promise, resolve } = deferred();
    this.#closed = promise;
    return () => {
      this.#closed = undefined;
      resolve();
    };
  }

  async passed(): Promise<void> {
    if (this.#closed !== undefined) await this.#closed;
  }
}

/** Resolves once `condition()` holds, checking every 5 ms; fails naming `what` after `withinMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, withinMs = 2000): Promise<void> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
