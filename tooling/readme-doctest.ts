import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, it } from 'vitest';

/**
 * Run every ```ts block of a README as an ES module (top-level await allowed), so the examples
 * users copy are the examples CI runs. Blocks fenced as ```typescript are illustrations and are
 * not run. `@gocache/*` imports resolve to source through the shared vitest preset.
 */
export function testReadmeExamples(readmePath: string, opts: { timeout?: number } = {}): void {
  const text = readFileSync(readmePath, 'utf8');
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const dir = join(dirname(readmePath), '.readme-examples');
  describe(`README examples (${readmePath.split('/').slice(-2).join('/')})`, () => {
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('has examples', () => {
      if (blocks.length === 0) throw new Error(`${readmePath} has no \`\`\`ts examples`);
    });
    blocks.forEach((code, i) => {
      const firstLine =
        code
          .split('\n')
          .find((l) => l.startsWith('//'))
          ?.slice(2)
          .trim() ?? `block ${i + 1}`;
      it(`example ${i + 1}: ${firstLine}`, { timeout: opts.timeout ?? 30_000 }, async () => {
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `example-${i + 1}-${process.pid}.ts`);
        writeFileSync(file, `${code}\nexport {};\n`);
        await import(/* @vite-ignore */ file);
      });
    });
  });
}
