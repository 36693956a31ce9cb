import { expect, it } from 'vitest';
import { keySlot } from './key-slot.js';

it('matches the slots Redis documents', () => {
  // CRC16-XMODEM check value, and examples from the Redis Cluster specification.
  expect(keySlot('123456789')).toBe(0x31c3 & 16383);
  expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
  // An empty tag is no tag: the whole key is hashed.
  expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
  expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
});
