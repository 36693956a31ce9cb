import { describe, expect, it } from 'vitest';
import type { EntryLeaveEvent } from '../middleware.js';
import { LeaveEvents } from './leave-events.js';

describe('LeaveEvents', () => {
  it('sends nothing until flush, then every event in order', () => {
    const seen: string[] = [];
    const leave = new LeaveEvents('c', (e) => seen.push(`${e.cacheName}:${e.key}:${e.reason}:${String(e.value)}`));
    leave.add('a', 'replaced', 1);
    leave.add('b', 'evicted', 2);
    expect(seen).toEqual([]);
    expect(leave.pending).toBe(2);
    leave.flush();
    expect(seen).toEqual(['c:a:replaced:1', 'c:b:evicted:2']);
    expect(leave.pending).toBe(0);
    leave.flush();
    expect(seen).toHaveLength(2);
  });

  it('keeps nothing when nobody listens', () => {
    const leave = new LeaveEvents('c', undefined);
    expect(leave.listening).toBe(false);
    leave.add('a', 'deleted', 1);
    expect(leave.pending).toBe(0);
    leave.flush();
  });

  it('a listener that calls back sees its own events after the current ones, and a throwing one stops nothing', () => {
    const seen: EntryLeaveEvent[] = [];
    const leave: LeaveEvents = new LeaveEvents('c', (e) => {
      seen.push(e);
      if (e.key === 'a') {
        // The listener's own store call: it queues and flushes; the outer flush sends it next.
        leave.add('nested', 'deleted');
        leave.flush();
        expect(seen.map((x) => x.key)).toEqual(['a']);
      }
      if (e.key === 'b') throw new Error('listener bug');
    });
    leave.add('a', 'replaced');
    leave.add('b', 'replaced');
    leave.add('c', 'replaced');
    leave.flush();
    expect(seen.map((x) => x.key)).toEqual(['a', 'b', 'c', 'nested']);
    expect(leave.pending).toBe(0);
  });
});
