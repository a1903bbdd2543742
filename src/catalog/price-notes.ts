import { HOURS_PER_MONTH, type PlanItem, type Series } from '../model';
import { HYBRID_BENEFIT, OS_ASSUMED } from '../stack/os';
import { burstVerdict } from './candidates';

/**
 * Caveats on an item's prices that a user must read next to the figures: an OS that is an
 * assumption, surplus CPU credits a T instance in unlimited mode pays on top of its list price,
 * and a move to an Azure size that boots from NVMe only. Pure: the item in, sentences out.
 */
export function priceCaveats(item: PlanItem, cpuUsage?: Series): string[] {
  const notes: string[] = [];
  const evidence = item.workload.osEvidence;
  if (evidence?.startsWith(OS_ASSUMED)) notes.push(`${evidence}: priced at Linux rates; a Windows or RHEL image pays more`);
  if (evidence?.startsWith(HYBRID_BENEFIT)) notes.push(evidence);
  const surplus = unlimitedSurplus(item, cpuUsage);
  if (surplus) notes.push(surplus);
  const nvme = nvmeOnlyMove(item.current?.size ?? item.workload.size, item.chosen?.size, item.workload.cloud);
  if (nvme) notes.push(nvme);
  return notes;
}

/** T3, T3a and T4g launch in unlimited mode unless `creditSpecification.cpuCredits` says standard; T2 in standard. */
export function awsCreditMode(size: string, setting: string | undefined): 'standard' | 'unlimited' | undefined {
  if (setting === 'standard' || setting === 'unlimited') return setting;
  if (/^t(3a?|4g)\./.test(size)) return 'unlimited';
  if (/^t2\./.test(size)) return 'standard';
  return undefined;
}

/**
 * A T instance in unlimited mode whose mean CPU is above its baseline pays surplus credits per
 * vCPU-hour above the baseline (AWS bills a 24-hour average above baseline). The shipped data
 * has no surplus-credit rate, so the cost is not added: the note says how many vCPU-hours a
 * month are billed on top (at least: the month's mean hides days further above the baseline).
 */
function unlimitedSurplus(item: PlanItem, cpuUsage?: Series): string | undefined {
  const { current, demand, workload } = item;
  if (!current || !demand || workload.cloud !== 'aws') return undefined;
  const mode = awsCreditMode(current.size, workload.cpuCredits);
  if (mode !== 'unlimited') return undefined;
  const verdict = burstVerdict(current, demand, cpuUsage);
  if (!verdict || !(verdict.meanCores > verdict.baselineCores)) return undefined;
  const hours = (verdict.meanCores - verdict.baselineCores) * HOURS_PER_MONTH * workload.count;
  return (
    `${current.size} runs in unlimited mode (${workload.cpuCredits ? `creditSpecification.cpuCredits ${workload.cpuCredits}` : `the ${current.size.split('.')[0]} default`}): ` +
    `its mean ${verdict.meanCores.toFixed(2)} cores is above its baseline ${verdict.baselineCores.toFixed(2)}, so it also pays surplus CPU credits for at least ` +
    `${Math.round(hours)} vCPU-hours a month, which today's price shown leaves out (no surplus-credit rate in the catalog)`
  );
}

/** Azure v6 and later sizes attach disks over NVMe only; older sizes boot over SCSI. */
export function isAzureNvmeOnly(size: string): boolean {
  const match = /_v(\d+)$/.exec(size);
  return match !== null && Number(match[1]) >= 6;
}

function nvmeOnlyMove(from: string, to: string | undefined, cloud: string): string | undefined {
  if (cloud !== 'azure' || !to || to === from || !isAzureNvmeOnly(to) || isAzureNvmeOnly(from)) return undefined;
  return `${to} supports the NVMe disk controller only: before resizing from ${from}, check that the image supports NVMe and switch the VM's disk controller to NVMe (deallocated), or the VM will not boot`;
}
