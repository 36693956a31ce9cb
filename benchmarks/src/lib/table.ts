import type { Cell, Row } from './suite.ts';

/** Human formatting: integers with thousands separators, small numbers with 3 significant digits. */
function formatCell(v: Cell): string {
  if (v === null) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000 || Number.isInteger(v)) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

// Figures with a unit suffix ("1.23×", "4.5%", "260 ns", "1.2 M", "260 / 900 ns") align like numbers.
const FIGURE = /^[-+]?[\d,.]+(\s?\/\s?[\d,.]+)?\s?(×|%|ns|µs|ms|s|B|k|M|points|points below)?$/;

function isNumeric(v: Cell | undefined): boolean {
  return v === null || v === undefined || typeof v === 'number' || (typeof v === 'string' && FIGURE.test(v));
}

/**
 * Render rows as a Markdown table (so the output can be pasted into a README as is). Numbers are
 * right-aligned.
 */
export function renderTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols: string[] = [];
  for (const r of rows) for (const c of Object.keys(r)) if (!cols.includes(c)) cols.push(c);
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c] ?? null)));
  const numeric = cols.map((c) => rows.every((r) => isNumeric(r[c])));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length), 3));
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(width[i] as number) : s.padEnd(width[i] as number));
  const line = (vals: readonly string[]) => `| ${vals.map((v, i) => pad(v, i)).join(' | ')} |`;
  const sep = `|${width.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(cols), sep, ...cells.map(line)].join('\n');
}
