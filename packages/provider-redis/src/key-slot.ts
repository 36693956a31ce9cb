/** CRC16-XMODEM (polynomial 0x1021, initial 0): the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/**
 * The Redis Cluster slot of `key` (0–16383), hash tags included: if the key has a `{…}` with at
 * least one byte inside, only that part is hashed. The executor uses it to find the master that
 * owns a key (one circuit breaker per node), and tests to tell which master a key lives on without
 * a round trip per key (checked against `CLUSTER KEYSLOT` in the tests).
 */
export function keySlot(key: string): number {
  const buf = Buffer.from(key, 'utf8');
  const open = buf.indexOf(0x7b);
  if (open !== -1) {
    const close = buf.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(buf.subarray(open + 1, close)) & 16383;
  }
  return crc16(buf) & 16383;
}
