import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

import { KeyedQueue } from '../../../proxy/kv/keyed-queue.js';

describe('keyed queue', () => {
  it('runs tasks for one key one at a time, in arrival order', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await sleep(ms);
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue.run('k', task('a', 20)), queue.run('k', task('b', 1)), queue.run('k', task('c', 5))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(queue.activeKeys).toBe(0);
  });

  it('runs tasks for different keys at the same time', async () => {
    const queue = new KeyedQueue();
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(10);
      running--;
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => queue.run(`k${i}`, task)));
    expect(peak).toBe(8);
  });

  it('keeps going after a task fails', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('k', async () => {
      throw new Error('boom');
    });
    const next = queue.run('k', async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });

  it('drops a waiting task whose deadline passes, without breaking the order', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const slow = queue.run('k', async () => {
      await sleep(50);
      events.push('slow');
    });
    const abandoned = queue.run(
      'k',
      async () => {
        events.push('abandoned ran');
      },
      AbortSignal.timeout(10),
    );
    const after = queue.run('k', async () => {
      events.push('after');
    });
    await expect(abandoned).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(events).toEqual([]); // rejected while slow still runs
    await Promise.all([slow, after]);
    expect(events).toEqual(['slow', 'after']);
  });
});
