/**
 * GET /metrics in Prometheus's text format, with exact increments after
 * known requests: answers by type and code, messages stored, pushes and
 * their lag, sign-in failures, closes by code, the connections gauge; the
 * default process metrics beside them; METRICS=false turns it all off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEST, useHarness } from '../helpers/harness.js';

type Sample = Map<string, number>;

/** Every sample line of the scrape: `name{labels}` → value. */
async function scrape(port: number): Promise<Sample> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(String(response.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
  const samples: Sample = new Map();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

const delta = (before: Sample, after: Sample, key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);

describe('/metrics', () => {
  const h = useHarness();

  it('counts known requests, stores, pushes, failures and closes exactly', TEST, async () => {
    const sender = await h.namedUser('metrics');
    const receiver = await h.user('metrics');
    for (const client of [sender.client, receiver]) {
      assert.equal(
        (await client.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } })).type,
        'channelJoin',
      );
    }
    const before = await scrape(h.server.port);

    for (let i = 0; i < 3; i++) {
      const reply = await sender.client.authed({
        type: 'channelMessage',
        channelMessage: { recipientUUID: 0, message: `m${i}` },
      });
      assert.equal(reply.type, 'channelMessage');
    }
    await receiver.waitForPushes(3);
    const stranger = await h.connect();
    assert.equal((await stranger.signIn(sender.username, 'wrong password')).error?.code, 6);
    assert.equal((await sender.client.authed({ type: 'users', users: { limit: 0 } })).error?.code, 2);
    stranger.ws.close(1000);
    await new Promise((resolve) => stranger.ws.once('close', resolve));

    let after = await scrape(h.server.port);
    for (let i = 0; i < 50 && delta(before, after, 'wschat_connections_closed_total{code="1000"}') === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await scrape(h.server.port);
    }
    const expected: Record<string, number> = {
      'wschat_requests_total{type="channelMessage",code="0"}': 3,
      'wschat_request_duration_seconds_count{type="channelMessage"}': 3,
      wschat_messages_stored_total: 3,
      wschat_pushes_total: 3,
      wschat_push_lag_seconds_count: 3,
      'wschat_requests_total{type="signIn",code="6"}': 1,
      wschat_signin_failures_total: 1,
      'wschat_requests_total{type="users",code="2"}': 1,
      'wschat_connections_closed_total{code="1000"}': 1,
      wschat_connections: 0,
      wschat_redis_errors_total: 0,
      wschat_slow_consumer_closes_total: 0,
    };
    const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, delta(before, after, key)]));
    assert.deepEqual(actual, expected);
    assert.equal(after.get('wschat_connections'), before.get('wschat_connections'), 'one connection opened and closed');
    assert.ok((after.get('wschat_push_lag_seconds_sum') ?? -1) >= 0);
    assert.equal(after.get('wschat_worker_queue_length'), 0);
    assert.ok(after.has('wschat_event_loop_delay_seconds{quantile="0.99"}'));
    assert.ok(after.has('process_cpu_seconds_total'), 'the default process metrics are there');
  });
});

describe('/metrics with METRICS=false', () => {
  const h = useHarness({ METRICS: 'false' });

  it('is 404, and requests are answered as ever', TEST, async () => {
    assert.equal((await fetch(`http://127.0.0.1:${h.server.port}/metrics`)).status, 404);
    const client = await h.user('nometrics');
    assert.equal((await client.authed({ type: 'users' })).type, 'users');
  });
});
