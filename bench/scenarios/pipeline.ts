/**
 * One busy connection: a signed-in, joined connection keeping 64 sends in
 * flight — each next send written as soon as an answer frees a place — for
 * a few seconds: acknowledged messages per second, ours against the peer.
 * Ours must also keep the contract's per-connection order: the seqs the
 * answers carry rise in request order.
 */
import { type BenchClient, connectClient } from '../lib/clients.js';
import { sleep } from '../lib/pacer.js';
import { close, type LoadgenTask, now, PASSWORD, text } from '../lib/workload.js';

const IN_FLIGHT = 64;
/** Uncounted sends before the window: long enough for V8 to have optimized both servers' send paths. */
const WARMUP_MS = 10_000;

export async function pipeline(task: LoadgenTask) {
  const sender = await connectClient(task.kind, task.port);
  await sender.signIn('bench-pipeline', PASSWORD);
  await sender.joinPublic();
  const receiver = await connectClient(task.kind, task.port);
  await receiver.resume(sender.credentials);
  await receiver.joinPublic();
  let pushed = 0;
  receiver.onPush(() => pushed++);
  await sleep(500);

  // The same load first, its rate uncounted: what is measured is a warmed-up process, not its compiler at work.
  // Order and failures are checked over both, from the channel's first message.
  const answers: Answers = { lastSeq: 0, outOfOrder: 0, failures: 0 };
  await keepInFlight(task, sender, task.quick ? 500 : WARMUP_MS, answers);
  await sleep(500);
  const pushedBefore = pushed;
  const { acknowledged, seconds } = await keepInFlight(task, sender, task.quick ? 1000 : 5000, answers);
  await sleep(1000);
  close([sender, receiver]);
  return {
    inFlight: IN_FLIGHT,
    acknowledged,
    messagesPerSec: acknowledged / seconds,
    outOfOrder: answers.outOfOrder,
    failures: answers.failures,
    pushedRatio: (pushed - pushedBefore) / acknowledged,
  };
}

/** What the answers showed so far: ours must carry seqs rising by one, in request order. */
interface Answers {
  lastSeq: number;
  outOfOrder: number;
  failures: number;
}

/** Keeps IN_FLIGHT sends in flight for `ms`, checking each answer into `answers`; returns how many were acknowledged. */
async function keepInFlight(task: LoadgenTask, sender: BenchClient, ms: number, answers: Answers) {
  const deadline = performance.now() + ms;
  const start = performance.now();
  let acknowledged = 0;
  // Requests leave in order, and so must their answers: each send chains its check on the one before it.
  let previous: Promise<void> = Promise.resolve();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; performance.now() < deadline && i < 1_000_000; i++) {
    const sent = sender.sendPublic(text(now()));
    const checked = previous.then(() =>
      sent.then(
        (seq) => {
          acknowledged++;
          if (task.kind === 'ours' && seq !== answers.lastSeq + 1) answers.outOfOrder++;
          answers.lastSeq = seq;
        },
        () => void answers.failures++,
      ),
    );
    previous = checked;
    inFlight.add(checked);
    void checked.then(() => inFlight.delete(checked));
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { acknowledged, seconds: (performance.now() - start) / 1000 };
}
