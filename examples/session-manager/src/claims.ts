/** One claim the demo makes, with the figures that prove or disprove it. */
interface ClaimResult {
  readonly title: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Collects claims and prints each as it is checked: ✔ when it held, ✖ when it did not. */
export interface Claims {
  check(title: string, ok: boolean, detail: string): boolean;
  readonly results: readonly ClaimResult[];
  failed(): ClaimResult[];
  /** Print the closing line (with the run time since `startedMs`) and set the exit code: 0 only when every claim held. */
  finish(startedMs: number): void;
}

/** Create a claim collector that prints to stdout. */
export function createClaims(): Claims {
  const results: ClaimResult[] = [];
  return {
    check(title, ok, detail) {
      results.push({ title, ok, detail });
      console.log(`  ${ok ? '✔' : '✖'} ${title} — ${detail}`);
      return ok;
    },
    results,
    failed: () => results.filter((r) => !r.ok),
    finish(startedMs) {
      const failed = results.filter((r) => !r.ok).length;
      const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
      if (failed === 0) console.log(`\n✔ all ${results.length} claims held (${seconds} s)`);
      else console.log(`\n✖ ${failed} of ${results.length} claims failed (${seconds} s)`);
      process.exitCode = failed === 0 ? 0 : 1;
    },
  };
}
