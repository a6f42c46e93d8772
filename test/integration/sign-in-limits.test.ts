/**
 * Throttling guesses without locking owners out: failed sign-ins count per
 * username and client address, and per address across usernames; sign-ups
 * count per address; the address is the peer's unless the peer is a proxy
 * named in TRUST_PROXY, whose X-Forwarded-For then names the client.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ChatClient, type Frame } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const FAILURES_MAX = 3;
const FAILURES_PER_IP_MAX = 5;
const SIGNUPS_PER_IP_MAX = 3;

/** A connection from `localAddress`, optionally with an X-Forwarded-For header. */
async function from(url: string, localAddress: string, forwardedFor?: string): Promise<ChatClient> {
  const headers = forwardedFor === undefined ? undefined : { 'x-forwarded-for': forwardedFor };
  return ChatClient.connectWith(new WebSocket(url, { localAddress, headers }));
}

const code = (reply: Frame): number | string => reply.error?.code ?? reply.type;

describe('sign-in and sign-up limits by client address', () => {
  const h = useHarness({
    SIGNIN_FAILURES_MAX: String(FAILURES_MAX),
    SIGNIN_FAILURES_PER_IP_MAX: String(FAILURES_PER_IP_MAX),
    SIGNUPS_PER_IP_MAX: String(SIGNUPS_PER_IP_MAX),
    TRUST_PROXY: '127.0.0.9',
  });
  const clients: ChatClient[] = [];
  after(() => {
    for (const client of clients) client.close();
  });
  const open = async (address: string, forwardedFor?: string) => {
    const client = await from(h.server.url, address, forwardedFor);
    clients.push(client);
    return client;
  };
  let users = 0;
  /** A new user, signed up from an address of its own (the harness's 127.0.0.1 has only 3 sign-ups). */
  const newUser = async (prefix: string) => {
    const username = `${prefix}${process.pid}x${++users}`;
    const client = await open(`127.0.1.${users}`);
    assert.equal(code(await client.signUp(username)), 'authorized');
    return username;
  };

  it('refuses a guesser after 3 failures for a name, while the owner signs in from elsewhere', TEST, async () => {
    const owner = { username: await newUser('owner') };
    const guesser = await open('127.0.0.20');
    for (let i = 0; i < FAILURES_MAX; i++) assert.equal(code(await guesser.signIn(owner.username, 'wrong guess')), 6);
    assert.equal(code(await guesser.signIn(owner.username, 'wrong guess')), 10);
    assert.equal(code(await guesser.signIn(owner.username)), 10, 'even the right password, from that address');
    assert.equal(code(await (await open('127.0.0.21')).signIn(owner.username)), 'authorized', 'the owner elsewhere');
  });

  it('refuses an address after 5 failures across names', TEST, async () => {
    const names = [];
    for (let i = 0; i < 3; i++) names.push(await newUser('spread'));
    const guesser = await open('127.0.0.22');
    const replies = [];
    for (const name of [...names, ...names]) replies.push(code(await guesser.signIn(name, 'wrong guess')));
    assert.deepEqual(replies, [6, 6, 6, 6, 6, 10]);
    assert.equal(code(await (await open('127.0.0.23')).signIn(names[0]!, 'wrong guess')), 6, 'another address');
  });

  it('refuses a fourth sign-up from one address within the window', TEST, async () => {
    const client = await open('127.0.0.24');
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(code(await client.signUp(`many${process.pid}x${i}`)));
    assert.deepEqual(replies, ['authorized', 'authorized', 'authorized', 10]);
    assert.equal(code(await client.signIn(`new${process.pid}`)), 10, 'a sign-in that would create a user counts too');
    assert.equal(code(await (await open('127.0.0.25')).signUp(`other${process.pid}`)), 'authorized');
  });

  it('counts by X-Forwarded-For only behind a trusted proxy', TEST, async () => {
    // Behind the trusted proxy 127.0.0.9: two clients, two addresses.
    for (const client of ['198.51.100.1', '198.51.100.2']) {
      const proxied = await open('127.0.0.9', `203.0.113.50, ${client}`);
      for (let i = 0; i < SIGNUPS_PER_IP_MAX; i++) {
        assert.equal(code(await proxied.signUp(`px${process.pid}${client}x${i}`)), 'authorized');
      }
    }
    // From an untrusted peer the header is ignored: the peer itself is counted.
    const spoofer = await open('127.0.0.26', '198.51.100.3');
    for (let i = 0; i < SIGNUPS_PER_IP_MAX; i++) await spoofer.signUp(`sp${process.pid}x${i}`);
    const again = await open('127.0.0.26', '198.51.100.4');
    assert.equal(code(await again.signUp(`sp${process.pid}x9`)), 10);
  });
});
