/**
 * Every Lua script against its wrapper: the header's KEYS and ARGV lines are
 * the contract (BullMQ's habit), the wrapper declares how many of each it
 * passes, and the script names each input once at the top before using it.
 * A script added without a wrapper, a wrapper passing one argument too
 * many, or a header that forgot a key fails here rather than in Redis.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
// Every module that makes a Script, so that Script.all holds them all.
import '../../src/store/access-keys.js';
import '../../src/store/channel-feed.js';
import '../../src/store/channel-signals.js';
import { HISTORY_BUCKET } from '../../src/store/channel-history.js';
import '../../src/store/conversations.js';
import '../../src/store/node-registry.js';
import '../../src/store/presence.js';
import '../../src/store/read-markers.js';
import '../../src/store/user-directory.js';
import { loadScriptSource, Script } from '../../src/store/script.js';

const SCRIPTS_DIR = new URL('../../src/store/scripts/', import.meta.url);
const files = readdirSync(SCRIPTS_DIR)
  .filter((name) => name.endsWith('.lua'))
  .map((name) => name.slice(0, -'.lua'.length))
  .sort();

/** The numbers n of every `<what>[n]` the header comment lists, in order. */
function headerIndexes(source: string, what: 'KEYS' | 'ARGV'): number[] {
  const header = /^--\[\[([\s\S]*?)\]\]/.exec(source)?.[1] ?? '';
  return [...header.matchAll(new RegExp(`^\\s*${what}\\[(\\d+)\\]`, 'gm'))].map((match) => Number(match[1]));
}

/** Every use of `<what>[n]` in the code after the header. */
function bodyUses(source: string, what: 'KEYS' | 'ARGV'): { index: number; line: string }[] {
  const body = source.replace(/^--\[\[[\s\S]*?\]\]/, '');
  return body
    .split('\n')
    .flatMap((line) =>
      [...line.matchAll(new RegExp(`${what}\\[(\\d+)\\]`, 'g'))].map((match) => ({ index: Number(match[1]), line })),
    );
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('Lua scripts and their wrappers', () => {
  it('every script has exactly one wrapper, and every wrapper a script', () => {
    const wrapped = Script.all.map((script) => script.name).sort();
    assert.deepEqual(wrapped, files);
  });

  for (const script of Script.all) {
    it(`${script.name}: the header lists KEYS[1..${script.shape.keys}] and ARGV[1..${script.shape.args}], as the wrapper declares`, () => {
      const source = loadScriptSource(script.name);
      assert.deepEqual(headerIndexes(source, 'KEYS'), range(script.shape.keys), 'KEYS in the header');
      assert.deepEqual(headerIndexes(source, 'ARGV'), range(script.shape.args), 'ARGV in the header');
    });

    it(`${script.name}: names each input once, at the top (local name = KEYS[i] / ARGV[i])`, () => {
      const source = loadScriptSource(script.name);
      for (const what of ['KEYS', 'ARGV'] as const) {
        const uses = bodyUses(source, what);
        const declared = what === 'KEYS' ? script.shape.keys : script.shape.args;
        assert.deepEqual(
          uses.map((use) => use.index).sort((a, b) => a - b),
          range(declared),
          `${what}: each index used exactly once`,
        );
        for (const use of uses) {
          assert.match(use.line, new RegExp(`^local [a-z_]+ = (tonumber\\()?${what}\\[\\d+\\]\\)?$`), use.line);
        }
      }
    });
  }

  it('a wrapper refuses a call with a number of keys or args other than declared, before Redis sees it', async () => {
    const script = Script.all.find((each) => each.name === 'presence-add')!;
    await assert.rejects(script.run({} as never, ['a'], ['u']), /1 keys and 1 args given, 2 and 1 declared/);
  });

  it('includes are expanded: no script reaches Redis with an @include line left', () => {
    for (const name of files) {
      assert.doesNotMatch(loadScriptSource(name), /@include/, name);
    }
    assert.match(loadScriptSource('node-sweep'), /local function presence_decrement/);
  });

  it('the header and the code agree with the file on disk (no wrapper reads another file)', () => {
    for (const name of files) {
      const raw = readFileSync(new URL(`${name}.lua`, SCRIPTS_DIR), 'utf8');
      assert.ok(loadScriptSource(name).startsWith(raw.slice(0, raw.indexOf(']]'))), name);
    }
  });

  it('lib/history.lua and channel-history.ts agree on the length of a history list', () => {
    const lib = readFileSync(new URL('lib/history.lua', SCRIPTS_DIR), 'utf8');
    assert.equal(/^local HISTORY_BUCKET = (\d+)$/m.exec(lib)?.[1], String(HISTORY_BUCKET));
  });
});
