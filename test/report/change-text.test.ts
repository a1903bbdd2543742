import { describe, expect, it } from 'vitest';
import type { PlanItem } from '../../src/model';
import { changeText } from '../../src/report/format';

/** Just the fields the change column reads. */
function planItem(p: { from: string; to: string; count: number; countAfter?: number; action?: PlanItem['action'] }): PlanItem {
  return {
    action: p.action ?? 'resize',
    workload: { count: p.count, size: p.from },
    current: { size: p.from },
    chosen: { size: p.to, cloud: 'gcp', region: 'us-central1' },
    ...(p.countAfter !== undefined && { countAfter: p.countAfter }),
  } as unknown as PlanItem;
}

describe('the change column', () => {
  it('shows the count on both sides when it stays above one (three stay three, not one becomes three)', () => {
    expect(changeText(planItem({ from: 'm5.2xlarge', to: 'm5a.large', count: 3 }))).toBe('m5.2xlarge ×3 → m5a.large ×3');
  });
  it('shows both counts when the count changes, from or to one included', () => {
    expect(changeText(planItem({ from: 'n2-highmem-8', to: 'e2-highmem-2', count: 1, countAfter: 2 }))).toBe(
      'n2-highmem-8 ×1 → e2-highmem-2 ×2',
    );
    expect(changeText(planItem({ from: 'm5.xlarge', to: 'm5.4xlarge', count: 4, countAfter: 1 }))).toBe('m5.xlarge ×4 → m5.4xlarge ×1');
    expect(changeText(planItem({ from: 'n2-standard-8', to: 'e2-standard-2', count: 2, countAfter: 3 }))).toBe(
      'n2-standard-8 ×2 → e2-standard-2 ×3',
    );
  });
  it('shows no count for a single instance that stays single, and says where a move goes', () => {
    expect(changeText(planItem({ from: 'm5.large', to: 'm5.xlarge', count: 1 }))).toBe('m5.large → m5.xlarge');
    expect(changeText(planItem({ from: 'Standard_E8s_v5', to: 'e2-standard-16', count: 1, action: 'move' }))).toBe(
      'Standard_E8s_v5 → e2-standard-16 in gcp/us-central1',
    );
  });
});
