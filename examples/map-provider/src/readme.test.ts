import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Every ```ts block of the README runs as a module next to it, so the code a reader copies is
// the code that was tested (`./src/…` imports resolve from the package root).
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const blocks = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(
  (m) => m[1]!,
);
const dir = mkdtempSync(join(root, '.readme-'));

describe('README examples', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('has examples', () => expect(blocks.length).toBeGreaterThan(0));
  blocks.forEach((code, i) => {
    it(`example ${i + 1}`, async () => {
      const file = join(dir, `example-${i + 1}.ts`);
      writeFileSync(file, `${code.replaceAll("'./src/", "'../src/")}\nexport {};\n`);
      await import(file);
    });
  });
});
