/**
 * Runs work once at the end of the current turn of the event loop: after
 * the callback now running (one read of the pub/sub connection, with every
 * message it carried) and before any other I/O. Sessions use it to send the
 * pushes of one turn in one write per socket: a burst of messages then costs
 * one syscall per receiver instead of one per message, and a lone message
 * leaves as soon as it would have anyway.
 */

export interface Flushable {
  /** A throw is a bug: it is reported as a process warning and the other items still flush. */
  flush(): void;
}

const due: Flushable[] = [];
let scheduled = false;

/** Calls `item.flush()` at the end of this turn; queue an item once per turn. */
export function flushAtEndOfTurn(item: Flushable): void {
  due.push(item);
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(flushDue);
}

function flushDue(): void {
  // Items queued by a flush run in this same pass.
  for (let i = 0; i < due.length; i++) {
    try {
      due[i]!.flush();
    } catch (error) {
      // A bug in an item: the others still flush, and the process says so on stderr.
      process.emitWarning(error as Error);
    }
  }
  due.length = 0;
  scheduled = false;
}
