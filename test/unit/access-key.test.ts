import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  digestSecret,
  formatAccessKey,
  newAccessKey,
  parseAccessKey,
  sameDigest,
} from '../../src/actors/access-key.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

describe('newAccessKey', () => {
  it('makes a 16-character key id and a 43-character secret in base64url', () => {
    const key = newAccessKey();
    assert.equal(key.keyId.length, 16); // 12 random bytes
    assert.equal(key.secret.length, 43); // 32 random bytes = 256 bits
    assert.match(key.keyId, BASE64URL);
    assert.match(key.secret, BASE64URL);
    assert.equal(Buffer.from(key.secret, 'base64url').length, 32);
    assert.equal(Buffer.from(key.keyId, 'base64url').length, 12);
  });

  it('never repeats a key id or a secret', () => {
    const ids = new Set<string>();
    const secrets = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const key = newAccessKey();
      ids.add(key.keyId);
      secrets.add(key.secret);
    }
    assert.equal(ids.size, 1000);
    assert.equal(secrets.size, 1000);
  });
});

describe('formatAccessKey and parseAccessKey', () => {
  it('round-trip a new key', () => {
    for (let i = 0; i < 100; i++) {
      const key = newAccessKey();
      const text = formatAccessKey(key);
      assert.equal(text, `${key.keyId}.${key.secret}`);
      assert.deepEqual(parseAccessKey(text), key);
    }
  });

  it('parses the documented example', () => {
    assert.deepEqual(parseAccessKey('54RdYXz3iYLXCiVR.X2DIrvoaw2wKdQGKIMcGDpUsvWxwdAu1NM5RFf4UjSA'), {
      keyId: '54RdYXz3iYLXCiVR',
      secret: 'X2DIrvoaw2wKdQGKIMcGDpUsvWxwdAu1NM5RFf4UjSA',
    });
  });

  it('refuses malformed keys', () => {
    const good = formatAccessKey(newAccessKey());
    const [id, secret] = good.split('.') as [string, string];
    const bad = [
      '',
      '.',
      id,
      secret,
      `${id}${secret}`,
      `${id}.`,
      `.${secret}`,
      `${id.slice(1)}.${secret}`,
      `${id}x.${secret}`,
      `${id}.${secret.slice(1)}`,
      `${id}.${secret}x`,
      `${id}.${secret}.`,
      ` ${good}`,
      `${good} `,
      `${good}\n`,
      `${id.slice(1)}+.${secret}`,
      `${id}.${secret.slice(1)}/`,
      `${id}.${secret.slice(1)}=`,
      `${id.slice(1)}é.${secret}`,
      `${id}..${secret}`,
    ];
    for (const text of bad) assert.equal(parseAccessKey(text), null, JSON.stringify(text));
  });
});

describe('digestSecret and sameDigest', () => {
  it('digests a secret with SHA-256', () => {
    const secret = newAccessKey().secret;
    const digest = digestSecret(secret);
    assert.equal(digest.length, 32);
    assert.deepEqual(digest, createHash('sha256').update(secret).digest());
    assert.deepEqual(digestSecret(secret), digest);
  });

  it('matches the same secret and no other', () => {
    const a = newAccessKey().secret;
    const b = newAccessKey().secret;
    assert.equal(sameDigest(digestSecret(a), digestSecret(a)), true);
    assert.equal(sameDigest(digestSecret(a), digestSecret(b)), false);
  });

  it('refuses digests of different lengths without throwing', () => {
    const digest = digestSecret('x');
    assert.equal(sameDigest(digest, digest.subarray(0, 16)), false);
    assert.equal(sameDigest(Buffer.alloc(0), digest), false);
    assert.equal(sameDigest(Buffer.alloc(0), Buffer.alloc(0)), true);
  });

  it('a one-bit difference does not match', () => {
    const digest = digestSecret('secret');
    const flipped = Buffer.from(digest);
    flipped[31] = flipped[31]! ^ 1;
    assert.equal(sameDigest(digest, flipped), false);
  });
});
