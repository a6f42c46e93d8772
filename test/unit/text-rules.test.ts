import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkMessageText,
  checkPassword,
  checkUsername,
  countCodePoints,
  displayUsername,
  MESSAGE_MAX_CODE_POINTS,
  normalizeUsername,
  PASSWORD_MAX_BYTES,
  PASSWORD_MIN_BYTES,
  USERNAME_MAX_CODE_POINTS,
} from '../../src/protocol/text-rules.js';

const EMOJI = '😀'; // one code point, two UTF-16 units, four UTF-8 bytes

describe('countCodePoints', () => {
  it('counts a surrogate pair as one code point', () => {
    assert.equal(countCodePoints(''), 0);
    assert.equal(countCodePoints('abc'), 3);
    assert.equal(countCodePoints(EMOJI), 1);
    assert.equal(countCodePoints(`a${EMOJI}b${EMOJI}`), 4);
  });

  it('counts a lone surrogate as one code point', () => {
    assert.equal(countCodePoints('\ud800'), 1);
    assert.equal(countCodePoints('\udc00\ud800'), 2);
    assert.equal(countCodePoints('a\ud800'), 2);
  });

  it('stops one past the limit instead of counting the whole string', () => {
    assert.equal(countCodePoints('x'.repeat(1000), 5), 6);
    assert.equal(countCodePoints(EMOJI.repeat(1000), 5), 6);
    assert.equal(countCodePoints('abc', 5), 3);
    assert.equal(countCodePoints('abcde', 5), 5);
  });
});

describe('displayUsername and normalizeUsername', () => {
  it('displays the name trimmed and as spelled', () => {
    assert.equal(displayUsername('  Zoë Ünïcode \t\n'), 'Zoë Ünïcode');
  });

  it('normalizes by trimming, NFKC and lower case', () => {
    assert.equal(normalizeUsername('  BoB '), 'bob');
    assert.equal(normalizeUsername('Ｂｏｂ'), 'bob');
    assert.equal(normalizeUsername('ﬁ'), 'fi');
    assert.equal(normalizeUsername('e\u0301'), 'é');
    assert.equal(normalizeUsername('É'), 'é');
  });
});

describe('checkUsername', () => {
  it('accepts 1 to 32 code points after trimming', () => {
    assert.equal(checkUsername('a'), true);
    assert.equal(checkUsername('x'.repeat(USERNAME_MAX_CODE_POINTS)), true);
    assert.equal(checkUsername(EMOJI.repeat(USERNAME_MAX_CODE_POINTS)), true);
    assert.equal(checkUsername(`   ${'x'.repeat(USERNAME_MAX_CODE_POINTS)}   `), true);
    assert.equal(checkUsername('Zoë with spaces'), true);
  });

  it('refuses an empty or white-space-only name', () => {
    assert.equal(checkUsername(''), 'username must be 1-32 characters after trimming');
    assert.equal(checkUsername('   \t\n\u00a0\u3000'), 'username must be 1-32 characters after trimming');
  });

  it('refuses 33 code points', () => {
    assert.equal(checkUsername('x'.repeat(33)), 'username must be 1-32 characters after trimming');
    assert.equal(checkUsername(EMOJI.repeat(33)), 'username must be 1-32 characters after trimming');
  });

  it('refuses control and format characters', () => {
    const message = 'username must not contain control or format characters';
    assert.equal(checkUsername('a\u0007b'), message);
    assert.equal(checkUsername('a\u0000b'), message);
    assert.equal(checkUsername('a\u007fb'), message);
    assert.equal(checkUsername('a\u200bb'), message);
    assert.equal(checkUsername('a\u202eb'), message);
    assert.equal(checkUsername('a\u00adb'), message);
  });

  it('refuses a lone surrogate as not valid Unicode', () => {
    assert.equal(checkUsername('a\ud800b'), 'username is not valid Unicode');
    assert.equal(checkUsername('\udfff'), 'username is not valid Unicode');
  });
});

describe('checkPassword', () => {
  it('accepts 8 to 72 bytes of UTF-8', () => {
    assert.equal(checkPassword('x'.repeat(PASSWORD_MIN_BYTES)), true);
    assert.equal(checkPassword('x'.repeat(PASSWORD_MAX_BYTES)), true);
    assert.equal(checkPassword(EMOJI.repeat(2)), true); // 8 bytes, 2 code points
    assert.equal(checkPassword(EMOJI.repeat(18)), true); // 72 bytes
  });

  it('measures bytes, not characters', () => {
    const message = 'password must be 8-72 bytes of UTF-8';
    assert.equal(checkPassword('x'.repeat(7)), message);
    assert.equal(checkPassword('x'.repeat(73)), message);
    assert.equal(checkPassword(EMOJI.repeat(19)), message); // 19 code points, 76 bytes
    assert.equal(checkPassword('é'.repeat(37)), message); // 37 code points, 74 bytes
    assert.equal(checkPassword('é'.repeat(36)), true); // 72 bytes
    assert.equal(checkPassword(''), message);
  });

  it('refuses a lone surrogate as not valid Unicode', () => {
    assert.equal(checkPassword('abcdefgh\ud800'), 'password is not valid Unicode');
  });
});

describe('checkMessageText', () => {
  it('accepts 1 to 4096 code points stored as sent', () => {
    assert.equal(checkMessageText('a'), true);
    assert.equal(checkMessageText(' a '), true);
    assert.equal(checkMessageText('x'.repeat(MESSAGE_MAX_CODE_POINTS)), true);
    assert.equal(checkMessageText(EMOJI.repeat(MESSAGE_MAX_CODE_POINTS)), true);
  });

  it('counts the limit on the untrimmed text', () => {
    assert.equal(checkMessageText(` ${'x'.repeat(MESSAGE_MAX_CODE_POINTS - 1)}`), true);
    assert.equal(checkMessageText(` ${'x'.repeat(MESSAGE_MAX_CODE_POINTS)}`), 'message must be 1-4096 characters');
  });

  it('refuses an empty or too long message', () => {
    assert.equal(checkMessageText(''), 'message must be 1-4096 characters');
    assert.equal(checkMessageText('x'.repeat(MESSAGE_MAX_CODE_POINTS + 1)), 'message must be 1-4096 characters');
    assert.equal(checkMessageText(EMOJI.repeat(MESSAGE_MAX_CODE_POINTS + 1)), 'message must be 1-4096 characters');
  });

  it('refuses a message of only white space by trim() rules', () => {
    const message = 'message must not be only white space';
    assert.equal(checkMessageText(' '), message);
    assert.equal(checkMessageText('\t\n\r\v\f'), message);
    assert.equal(checkMessageText('\u00a0\u2028\u3000\ufeff'), message);
  });

  it('accepts characters that trim() keeps, such as a zero-width space', () => {
    assert.equal(checkMessageText('\u200b'), true);
    assert.equal(checkMessageText('\u0007'), true);
  });

  it('refuses a lone surrogate as not valid Unicode', () => {
    assert.equal(checkMessageText('hi \ud83d'), 'message is not valid Unicode');
  });
});
