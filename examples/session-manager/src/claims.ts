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
  };
}
