import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { findConfigFile, loadConfig } from '../../src/config';
import { loadDemo, recommend } from '../../src/pipeline';

const root = path.resolve(__dirname, '../..');

describe('the example stacks: what a user of the demo is recommended', () => {
  const catalog = loadCatalog();
  const config = loadConfig(findConfigFile(root));

  for (const stack of ['prod', 'dev']) {
    it(`${stack}: no choice has less memory than the workload was seen using, and CPU-bound VMs are flagged and grow at most one step`, async () => {
      const demo = await loadDemo(stack, catalog);
      const { plan } = await recommend({ inventory: demo.inventory, usage: demo.usage, config, catalog, now: demo.now });
      let checked = 0;
      for (const item of plan.items) {
        const d = item.demand;
        if (!item.chosen || !d || d.status !== 'ok') continue;
        if (d.memory) {
          expect(item.chosen.memoryGiB, item.workload.name).toBeGreaterThanOrEqual(d.memory.max);
          checked++;
        }
        if (d.cpuBound) {
          expect(item.current, item.workload.name).toBeDefined();
          expect(d.notes.join(' '), item.workload.name).toMatch(/CPU-bound/);
          expect(d.cpu.required, item.workload.name).toBeLessThanOrEqual(2 * item.current!.vcpu);
          // Capacity over the fleet: the optimiser may scale out instead of up (issue #9).
          expect(item.chosen.vcpu * (item.countAfter ?? item.workload.count), item.workload.name).toBeGreaterThan(
            d.cpu.max * item.workload.count,
          );
        }
      }
      expect(checked).toBeGreaterThan(0);
    }, 120_000);
  }

  it('prod: the worker pinned at its 8 vCPU is flagged CPU-bound', async () => {
    const demo = await loadDemo('prod', catalog);
    const { plan } = await recommend({ inventory: demo.inventory, usage: demo.usage, config, catalog, now: demo.now });
    const worker = plan.items.find((i) => i.workload.name === 'worker')!;
    expect(worker.demand!.cpuBound).toBe(true);
  }, 120_000);
});
