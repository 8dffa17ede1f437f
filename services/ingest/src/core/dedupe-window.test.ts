import { describe, expect, it } from 'vitest';
import { DedupeWindow } from './dedupe-window.js';

describe('DedupeWindow', () => {
  it('recognises a key seen within the window', () => {
    const w = new DedupeWindow(3);
    expect(w.add('a')).toBe(true);
    expect(w.add('b')).toBe(true);
    expect(w.add('a')).toBe(false);
    expect(w.size).toBe(2);
  });

  it('forgets the oldest keys first once full', () => {
    const w = new DedupeWindow(3);
    for (const k of ['a', 'b', 'c', 'd']) expect(w.add(k)).toBe(true);
    expect(w.size).toBe(3);
    // 'a' was evicted by 'd'; 'b', 'c', 'd' are remembered.
    expect(w.add('b')).toBe(false);
    expect(w.add('c')).toBe(false);
    expect(w.add('d')).toBe(false);
    expect(w.add('a')).toBe(true); // evicts 'b'
    expect(w.add('b')).toBe(true); // evicts 'c'
    expect(w.add('d')).toBe(false);
  });

  it('keeps evicting in order over many laps of the ring', () => {
    const w = new DedupeWindow(100);
    for (let i = 0; i < 10_000; i++) w.add(`k${i}`);
    expect(w.size).toBe(100);
    expect(w.add('k9899')).toBe(true);
    expect(w.add('k9901')).toBe(false);
  });

  it('a removed key can be taken again, and its old slot does not forget it early', () => {
    const w = new DedupeWindow(3);
    w.add('a');
    w.add('b');
    w.remove(['a']);
    expect(w.size).toBe(1);
    expect(w.add('a')).toBe(true); // slot 2
    // Slot 0 (where 'a' first was) is reused now: 'a' in slot 2 must survive it.
    expect(w.add('c')).toBe(true);
    expect(w.add('a')).toBe(false);
    expect(w.size).toBe(3);
  });

  it('refuses a window that cannot hold a key', () => {
    expect(() => new DedupeWindow(0)).toThrow(/at least 1/);
  });
});
