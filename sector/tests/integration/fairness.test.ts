// Fairness: a client with one thread beside a client with sixteen. The service takes at
// most a few requests per ring per turn, round-robin, so the small client's requests
// never queue behind the big one's: it completes at a steady rate while the big one runs.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseResult, type Sandbox, sandbox, spawnClient } from '../helpers.js';

describe('fairness', () => {
  let box: Sandbox;
  beforeAll(() => ensureBuilt());
  afterEach(() => box?.cleanup());

  it('keeps a 1-thread client going beside a 16-thread client', async () => {
    box = sandbox(8);
    expect(box.run('service', ['start']).status).toBe(0);
    const startAt = { SECTOR_CLIENT_START_AT: String(Date.now() + 2500) }; // both begin together
    const big = spawnClient(box, ['16', '24000'], startAt);
    const small = spawnClient(box, ['1', '400'], startAt);
    let bigRunning = true;
    const bigDone = big.done.then((r) => {
      bigRunning = false;
      return r;
    });
    const s = await small.done;
    const smallFinishedFirst = bigRunning;
    const b = await bigDone;
    expect(s.status, s.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const sr = parseResult(s.stdout);
    const br = parseResult(b.stdout);
    // It was not starved: done while the big client was still busy...
    expect(smallFinishedFirst).toBe(true);
    // ...and each of its requests waited no longer, on average, than each of the big
    // client's did (its one thread got at least a sixteenth-thread's share).
    expect(sr.avg).toBeLessThan(br.avg * 1.5);
    expect(sr.rps).toBeGreaterThan(br.rps / 16 / 1.5);
  });
});
