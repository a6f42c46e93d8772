/**
 * fast-check generators shared by the property tests: junk JSON values built
 * from keys and leaves that tend to break parsers, and mutations of a valid
 * frame. What the tests do not share (the odd numbers and strings, how deep
 * to go, which types and ids to try) is passed in, so each test keeps its own.
 */
import fc from 'fast-check';

/** Plain JSON objects that JavaScript can not turn into a string, or that carry an own __proto__ key. */
export const prototypeJunk = fc
  .constantFrom(
    ...[
      '{"toString":1}',
      '{"toString":[]}',
      '{"valueOf":{},"toString":null}',
      '{"__proto__":{"toString":1}}',
      '[{"toString":0}]',
      '{"constructor":1}',
    ].map((text) => () => JSON.parse(text) as unknown),
  )
  .map((make) => make());

export interface JunkOptions {
  /** Special keys put after 'toJSON', before the protocol's keys. */
  moreSpecialKeys?: readonly string[];
  /** Numbers at or past the edges of what JSON and JavaScript handle alike. */
  hugeNumbers: readonly number[];
  /** Strings that are empty, blank, unpaired surrogates, too long, … */
  oddStrings: readonly string[];
  /** Whether a leaf may be a random UUID. */
  uuids?: boolean;
  /** How deep arrays and objects nest. */
  maxDepth: number;
}

/** Object keys (short strings, twice as often keys special to JavaScript or the protocol) and junk JSON values built with them. */
export function junkArbitraries(options: JunkOptions): { key: fc.Arbitrary<string>; junk: fc.Arbitrary<unknown> } {
  const specialKey = fc.oneof(
    fc.constantFrom('toString', 'valueOf', '__proto__'),
    fc.constantFrom(
      'constructor',
      'hasOwnProperty',
      'toJSON',
      ...(options.moreSpecialKeys ?? []),
      'type',
      'SUUID',
      'id',
      'userUUID',
      'userAccessKey',
      'username',
      'password',
      'recipientUUID',
      'offset',
      'limit',
      'message',
      'signId',
      'signIn',
      'users',
    ),
  );
  const key = fc.oneof(fc.string({ maxLength: 8 }), specialKey, specialKey);
  const leaf = fc.oneof(
    { arbitrary: prototypeJunk, weight: 3 },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(), // NaN and ±Infinity become null in JSON
    fc.constantFrom(...options.hugeNumbers),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    ...(options.uuids ? [fc.uuid()] : []),
    fc.constantFrom(...options.oddStrings),
  );
  const { junk } = fc.letrec((tie) => ({
    junk: fc.oneof(
      { depthSize: 'small', maxDepth: options.maxDepth },
      leaf,
      fc.array(tie('junk'), { maxLength: 4 }),
      fc.dictionary(key, tie('junk'), { maxKeys: 4 }),
    ),
  }));
  return { key, junk };
}

/** One change to a frame; `at` picks a path (or, for add, an object) by index modulo how many there are. */
export type Mutation =
  | { op: 'drop'; at: number }
  | { op: 'set'; at: number; value: unknown }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'retype'; value: unknown }
  | { op: 'id'; value: unknown };

/** Mutations setting `junk` values under `key`s, a type that is junk or one of `types`, an id that is junk or one of `ids`. */
export function mutationArbitrary(options: {
  junk: fc.Arbitrary<unknown>;
  key: fc.Arbitrary<string>;
  types: readonly string[];
  ids: readonly fc.Arbitrary<unknown>[];
}): fc.Arbitrary<Mutation> {
  const { junk, key, types, ids } = options;
  return fc.oneof(
    fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: junk }),
    fc.record({ op: fc.constant('add' as const), at: fc.nat(), key, value: junk }),
    fc.record({ op: fc.constant('retype' as const), value: fc.oneof(junk, fc.constantFrom(...types)) }),
    fc.record({ op: fc.constant('id' as const), value: fc.oneof(junk, ...ids) }),
  );
}

/** Every path to a value inside `value` (objects and arrays), the root excluded, at most `depth` steps long. */
export function paths(
  value: unknown,
  depth: number,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (typeof value === 'object' && value !== null && prefix.length < depth) {
    for (const k of Object.keys(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(path);
      paths((value as Record<string, unknown>)[k], depth, path, out);
    }
  }
  return out;
}

/** A deep copy: fast-check reuses generated values while shrinking, so they must never be mutated in place. */
export const copy = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

/** Applies `mutations` to a deep copy of `base`, choosing among its paths at most `depth` steps long. */
export function mutate(base: Record<string, unknown>, mutations: Mutation[], depth: number): Record<string, unknown> {
  const root = structuredClone(base);
  const setAt = (path: (string | number)[], value: unknown, drop: boolean) => {
    let parent: any = root;
    for (const step of path.slice(0, -1)) parent = parent[step];
    const last = path[path.length - 1]!;
    if (drop) {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else {
      Object.defineProperty(parent, last, { value: copy(value), enumerable: true, writable: true, configurable: true });
    }
  };
  for (const m of mutations) {
    const all = paths(root, depth);
    switch (m.op) {
      case 'drop':
        if (all.length > 0) setAt(all[m.at % all.length]!, undefined, true);
        break;
      case 'set':
        if (all.length > 0) setAt(all[m.at % all.length]!, m.value, false);
        break;
      case 'add': {
        const containers = [[], ...all].filter((p) => {
          let v: any = root;
          for (const step of p) v = v[step];
          return typeof v === 'object' && v !== null && !Array.isArray(v);
        });
        setAt([...containers[m.at % containers.length]!, m.key], m.value, false);
        break;
      }
      case 'retype':
        root.type = copy(m.value);
        break;
      case 'id':
        root.id = copy(m.value);
        break;
    }
  }
  return root;
}
