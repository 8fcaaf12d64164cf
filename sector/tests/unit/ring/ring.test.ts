// The ring protocol in one process: indices, wraparound, event indices and the final
// check, out-of-order responses, and a hostile peer's impossible indices.
import { describe, expect, it } from 'vitest';
import { BackRing, FrontRing, RingError, type RingShape } from '../../../src/ring/ring.js';

const SHAPE: RingShape = { slots: 8, slotSize: 16 };

function pair(start = 0): { front: FrontRing; back: BackRing; hdr: Int32Array } {
  const buf = new ArrayBuffer(64 + 8 * 16);
  const front = new FrontRing(buf, 0, SHAPE);
  front.init(start);
  const back = new BackRing(buf, 0, SHAPE);
  back.attach();
  return { front, back, hdr: new Int32Array(buf, 0, 4) };
}

function request(front: FrontRing, id: number): void {
  front.dv.setUint32(front.nextRequestOffset(), id, true);
  front.commitRequest();
}

function take(back: BackRing): number {
  const id = back.dv.getUint32(back.nextRequestOffset(), true);
  back.consumeRequest();
  return id;
}

function answer(back: BackRing, id: number): void {
  back.dv.setUint32(back.nextResponseOffset(), id, true);
  back.commitResponse();
}

function collect(front: FrontRing): number[] {
  const ids: number[] = [];
  for (let n = front.pendingResponses(); n > 0; n--) {
    ids.push(front.dv.getUint32(front.nextResponseOffset(), true));
    front.consumeResponse();
  }
  return ids;
}

describe('ring protocol', () => {
  it('carries requests and responses, which may come back out of order', () => {
    const { front, back } = pair();
    for (const id of [10, 11, 12]) request(front, id);
    front.pushRequests();
    expect(back.pendingRequests()).toBe(3);
    const ids = [take(back), take(back), take(back)];
    expect(ids).toEqual([10, 11, 12]);
    for (const id of [12, 10, 11]) answer(back, id);
    back.pushResponses();
    expect(collect(front)).toEqual([12, 10, 11]);
  });

  it('keeps at most `slots` requests outstanding', () => {
    const { front } = pair();
    for (let i = 0; i < 8; i++) request(front, i);
    expect(front.freeRequests()).toBe(0);
    expect(() => request(front, 99)).toThrow(RangeError);
  });

  it('wraps around 2^32 on free-running indices', () => {
    const { front, back } = pair(0xffff_fff0);
    let next = 0;
    let seen = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 5; i++) request(front, next++);
      front.pushRequests();
      while (back.pendingRequests() > 0) answer(back, take(back) * 3);
      back.pushResponses();
      for (const id of collect(front)) expect(id).toBe(3 * seen++);
    }
    expect(seen).toBe(200);
    expect(front.reqProdPvt).toBe((0xffff_fff0 + 200) >>> 0); // crossed zero
  });

  it('notifies only when the peer armed its event index, and the final check closes the race', () => {
    const { front, back } = pair();
    // Fresh ring: req_event = 1, so the first request notifies.
    request(front, 1);
    expect(front.pushRequests()).toBe(true);
    // The back end is busy (it has not re-armed): later pushes stay silent.
    request(front, 2);
    expect(front.pushRequests()).toBe(false);
    take(back);
    take(back);
    // Going idle: the final check finds nothing, arms req_event = req_cons + 1.
    expect(back.finalCheckForRequests()).toBe(false);
    request(front, 3);
    expect(front.pushRequests()).toBe(true); // the armed index asks for exactly this one
    request(front, 4);
    expect(front.pushRequests()).toBe(false);
    // A request published before the final check is found by it (no sleep, no notify needed).
    take(back);
    take(back);
    request(front, 5);
    front.pushRequests();
    expect(back.finalCheckForRequests()).toBe(true);
  });

  it('applies the same rules to responses', () => {
    const { front, back } = pair();
    request(front, 1);
    request(front, 2);
    front.pushRequests();
    take(back);
    take(back);
    expect(front.finalCheckForResponses()).toBe(false); // arms rsp_event = 1
    answer(back, 1);
    expect(back.pushResponses()).toBe(true);
    answer(back, 2);
    expect(back.pushResponses()).toBe(false); // the front end has not re-armed
    expect(collect(front)).toEqual([1, 2]);
  });

  it('rejects a front end whose request index moves backwards or runs too far ahead', () => {
    const { front, back, hdr } = pair();
    for (let i = 0; i < 4; i++) request(front, i);
    front.pushRequests();
    take(back);
    take(back);
    hdr[0] = 1; // req_prod behind req_cons
    expect(() => back.pendingRequests()).toThrow(RingError);
    hdr[0] = 9; // more than `slots` past rsp_prod_pvt
    expect(() => back.pendingRequests()).toThrow(RingError);
    hdr[0] = 4;
    expect(back.pendingRequests()).toBe(2); // honest again
  });

  it('rejects a back end that answers requests never made', () => {
    const { front, hdr } = pair();
    request(front, 1);
    front.pushRequests();
    hdr[2] = 2; // rsp_prod: two responses for one request
    expect(() => front.pendingResponses()).toThrow(RingError);
    hdr[2] = -5; // and backwards
    expect(() => front.pendingResponses()).toThrow(RingError);
  });

  it('refuses shapes that are not powers of two', () => {
    const buf = new ArrayBuffer(4096);
    expect(() => new FrontRing(buf, 0, { slots: 6, slotSize: 16 })).toThrow(RangeError);
    expect(() => new FrontRing(buf, 0, { slots: 8, slotSize: 12 })).toThrow(RangeError);
    expect(() => new FrontRing(buf, 0, { slots: 512, slotSize: 16 })).toThrow(RangeError); // does not fit
  });
});
