import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestPipeline, type Turn } from '../../src/server/request-pipeline.js';
import { deferred, isSettled, settle } from '../helpers/async.js';

/** A request the test steps by hand: it records its start, and ends with what `finish` is given. */
function stepped(pipeline: RequestPipeline, name: string, log: string[]) {
  const started = deferred<Turn>();
  const finish = deferred<void>();
  const answered = pipeline.post(async (turn) => {
    log.push(`start ${name}`);
    started.resolve(turn);
    await finish.promise;
    return () => log.push(`answer ${name}`);
  });
  return { started: started.promise, finish: () => finish.resolve(), answered };
}

describe('RequestPipeline', () => {
  it('starts a request only once the one before it is answered, unless that one sent its write', async () => {
    const log: string[] = [];
    const pipeline = new RequestPipeline(8);
    const a = stepped(pipeline, 'a', log);
    const b = stepped(pipeline, 'b', log);
    await settle();
    assert.deepEqual(log, ['start a']);
    a.finish();
    await a.answered;
    await settle();
    assert.deepEqual(log, ['start a', 'answer a', 'start b']);
    (await b.started).sent();
    const c = stepped(pipeline, 'c', log);
    await settle();
    assert.deepEqual(log, ['start a', 'answer a', 'start b', 'start c']);
    b.finish();
    c.finish();
    await Promise.all([b.answered, c.answered]);
  });

  it('answers in the order posted, whatever order the requests finish in', async () => {
    const log: string[] = [];
    const pipeline = new RequestPipeline(8);
    const requests = ['a', 'b', 'c'].map((name) => stepped(pipeline, name, log));
    for (const request of requests) (await request.started).sent();
    requests[2]!.finish();
    requests[1]!.finish();
    await settle();
    assert.deepEqual(log, ['start a', 'start b', 'start c']);
    requests[0]!.finish();
    await Promise.all(requests.map((request) => request.answered));
    assert.deepEqual(log.slice(3), ['answer a', 'answer b', 'answer c']);
  });

  it('starts at most maxOverlap unanswered requests, and the next once the oldest is answered', async () => {
    const log: string[] = [];
    const pipeline = new RequestPipeline(2);
    const requests = ['a', 'b', 'c'].map((name) => stepped(pipeline, name, log));
    (await requests[0]!.started).sent();
    (await requests[1]!.started).sent();
    await settle();
    assert.deepEqual(log, ['start a', 'start b']);
    assert.equal(pipeline.pending, 3);
    requests[0]!.finish();
    await requests[0]!.answered;
    await settle();
    assert.deepEqual(log, ['start a', 'start b', 'answer a', 'start c']);
    requests[1]!.finish();
    requests[2]!.finish();
    await Promise.all(requests.map((request) => request.answered));
    assert.equal(pipeline.pending, 0);
  });

  it('earlierSettled resolves once every request before is answered', async () => {
    const log: string[] = [];
    const pipeline = new RequestPipeline(8);
    const a = stepped(pipeline, 'a', log);
    (await a.started).sent();
    const b = stepped(pipeline, 'b', log);
    const turn = await b.started;
    const earlier = turn.earlierSettled();
    assert.equal(await isSettled(earlier), false);
    a.finish();
    await a.answered;
    assert.equal(await isSettled(earlier), true);
    b.finish();
    await b.answered;
  });

  it('holds writes not yet sent while an earlier one is sent again, until that one is answered', async () => {
    const log: string[] = [];
    const pipeline = new RequestPipeline(8);
    const a = stepped(pipeline, 'a', log);
    const aTurn = await a.started;
    aTurn.sent();
    const b = stepped(pipeline, 'b', log);
    const bTurn = await b.started;
    assert.equal(bTurn.held, false);
    aTurn.resend();
    assert.equal(bTurn.held, true);
    a.finish();
    await a.answered;
    assert.equal(bTurn.held, false);
    b.finish();
    await b.answered;
  });

  it('answers a request whose work throws with nothing, and goes on', async () => {
    const log: string[] = [];
    const pipeline = new RequestPipeline(8);
    const failed = pipeline.post(async () => {
      throw new Error('bug');
    });
    const b = stepped(pipeline, 'b', log);
    await failed;
    b.finish();
    await b.answered;
    assert.deepEqual(log, ['start b', 'answer b']);
  });

  it('drained resolves once everything posted before is answered', async () => {
    const log: string[] = [];
    const pipeline = new RequestPipeline(8);
    const a = stepped(pipeline, 'a', log);
    (await a.started).sent();
    const drained = pipeline.drained();
    assert.equal(await isSettled(drained), false);
    a.finish();
    await drained;
    assert.deepEqual(log, ['start a', 'answer a']);
  });
});
