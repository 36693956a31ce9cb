/**
 * Canonical, injective text encoding of user strings (cache names, keys, index names) into Redis
 * key text. `A-Z a-z 0-9 _ . -` pass through; every other UTF-8 byte becomes `%XX` (upper-case
 * hex). The output therefore never contains `{`, `}` (no user text can pick a cluster slot), `:`
 * (the layout's separator), or a glob character (`*?[]\`), and it preserves prefixes:
 * `encodePart(a + b) === encodePart(a) + encodePart(b)`, which lets SCAN MATCH narrow by a
 * pattern's literal prefix.
 */

const SAFE = /^[A-Za-z0-9_.-]*$/;
const HEX = '0123456789ABCDEF';

function isSafeByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x5f ||
    b === 0x2e ||
    b === 0x2d
  );
}

/** `%XX` of every ASCII byte. */
const ASCII_ESCAPES = Array.from({ length: 0x80 }, (_, b) => `%${HEX[b >> 4]}${HEX[b & 15]}`);

/** Encode text (well-formed UTF-16; core rejects lone surrogates) into key-safe ASCII. */
export function encodePart(text: string): string {
  // Most keys are plain ASCII words: skip the byte loop for them.
  if (SAFE.test(text)) return text;
  // ASCII with separators (`user:42`, `session:a b`): escape in place, no UTF-8 buffer. An ASCII
  // character is one UTF-8 byte, so this is the byte loop's output.
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return encodeBytes(text);
    if (!isSafeByte(c)) {
      out += text.slice(from, i) + ASCII_ESCAPES[c];
      from = i + 1;
    }
  }
  return out + text.slice(from);
}

function encodeBytes(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (isSafeByte(b)) {
      out += String.fromCharCode(b);
    } else {
      out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
    }
  }
  return out;
}

const ENCODED = /^(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})*$/;

/** Decode `encodePart` output; `undefined` for text `encodePart` cannot have produced. */
export function decodePart(encoded: string): string | undefined {
  if (!ENCODED.test(encoded)) return undefined;
  if (!encoded.includes('%')) return encoded;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  const text = Buffer.from(bytes).toString('utf8');
  // Canonical only: invalid UTF-8 or a needlessly escaped safe byte are foreign, not ours.
  return encodePart(text) === encoded ? text : undefined;
}
