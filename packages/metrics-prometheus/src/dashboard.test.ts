import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runWorkload } from '../test/workload.js';

interface Panel {
  title: string;
  description?: string;
  targets: { expr: string }[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { query?: string | { query: string } }[] };
}

const dashboard = JSON.parse(readFileSync(new URL('../dashboards/gocache.json', import.meta.url), 'utf8')) as Dashboard;
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Metric names a PromQL expression selects (identifiers with our prefix, not label names or functions). */
function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(gocache_[a-zA-Z0-9_:]*)/g)].map((m) => m[1]!);
}

describe('Grafana dashboard', () => {
  let scraped: Set<string>;
  beforeAll(async () => {
    scraped = new Set((await runWorkload()).samples.map((s) => s.name));
  });

  const queries = [
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: p.title, expr: t.expr }))),
    ...dashboard.templating.list.flatMap((v) =>
      v.query === undefined || (typeof v.query === 'string' && !v.query.includes('gocache_'))
        ? []
        : [{ where: 'templating', expr: typeof v.query === 'string' ? v.query : v.query.query }],
    ),
  ];

  it('queries only metric names that a real scrape exposes', () => {
    expect(queries.length).toBeGreaterThan(10);
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      expect(names.length, `${q.where}: ${q.expr}`).toBeGreaterThan(0);
      for (const n of names)
        expect(scraped.has(n), `${q.where} uses ${n}, which the scrape does not expose`).toBe(true);
    }
  });

  it('charts every metric family the package exports', () => {
    const used = new Set(queries.flatMap((q) => metricNamesIn(q.expr)));
    const families = [...scraped].map((n) => n.replace(/_(bucket|sum|count)$/, ''));
    for (const f of new Set(families)) {
      expect(
        [...used].some((u) => u.startsWith(f)),
        `${f} is on no panel`,
      ).toBe(true);
    }
  });

  it('documents each panel in the README', () => {
    for (const p of dashboard.panels) expect(readme, `README lacks panel "${p.title}"`).toContain(`**${p.title}**`);
  });
});
