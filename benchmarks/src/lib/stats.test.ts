import { describe, expect, it } from 'vitest';
import { median, pairedCpuRatio, pairedRatio } from './stats.ts';
import { renderTable } from './table.ts';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('pairedRatio', () => {
  it('pairs repetitions, so drift shared by both sides cancels', () => {
    // The machine slows down 10× over the run; a is always exactly twice as fast as b.
    const a = { opsPerSec: 200, reps: [2000, 200, 20] };
    const b = { opsPerSec: 1000, reps: [1000, 100, 10] };
    expect(pairedRatio(a, b)).toBe(2);
    expect(a.opsPerSec / b.opsPerSec).toBe(0.2); // what dividing run-wide medians would claim
  });

  it('uses CPU-time repetitions when both sides have them', () => {
    const a = { opsPerSec: 1, reps: [1, 1, 1], cpuOpsPerSec: 3, cpuReps: [3, 3, 3] };
    const b = { opsPerSec: 1, reps: [1, 1, 1], cpuOpsPerSec: 1, cpuReps: [1, 1, 1] };
    expect(pairedCpuRatio(a, b)).toBe(3);
    expect(pairedCpuRatio({ opsPerSec: 1, reps: [1] }, b)).toBe(1);
  });
});

describe('renderTable', () => {
  it('renders Markdown with numbers right-aligned and formatted', () => {
    const out = renderTable([
      { name: 'a', 'ops/s': 1234567, ratio: '0.75×' },
      { name: 'bb', 'ops/s': 0.5, ratio: '1.00×' },
    ]);
    expect(out.split('\n')).toEqual([
      '| name |     ops/s | ratio |',
      '|------|----------:|------:|',
      '| a    | 1,234,567 | 0.75× |',
      '| bb   |     0.500 | 1.00× |',
    ]);
  });
});
