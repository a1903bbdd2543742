import { HOURS_PER_MONTH, type Offering, type Workload } from '../model';
import type { Catalog } from './types';
import { PAID_IMAGE } from '../stack/os';
import { isAwsLocalZone } from '../clouds/aws/catalog';

/**
 * The price a workload is shown is the one it would pay: Linux list prices by default, the
 * Windows Server licence on top for a Windows VM (only where a source prices the licence), and
 * spot prices for a workload marked interruptible (only where the source has spot prices).
 * Where no true price exists the answer is "unpriced" with the reason, never a Linux price.
 */

export interface PriceView {
  os: 'linux' | 'windows';
  spot: boolean;
  /** A premium image licence billed on top (GCP `rhel`, `sles`, …): only offerings that price it. */
  licence?: string;
}

export const LINUX_ON_DEMAND: PriceView = Object.freeze({ os: 'linux', spot: false });

/** The view a workload is priced in: its OS (absent = Linux), spot when it runs on spot today or its rule says interruptible. */
export function priceViewOf(workload: Pick<Workload, 'os' | 'spot' | 'imageLicence'>, rule?: { interruptible?: boolean }): PriceView {
  return {
    os: workload.os === 'windows' ? 'windows' : 'linux',
    spot: rule?.interruptible === true || workload.spot !== undefined,
    ...(workload.imageLicence !== undefined && { licence: workload.imageLicence }),
  };
}

/** `custom-4-16384`, `n2-custom-4-16384`, `e2-custom-2-8192-ext` → its vCPUs and GiB; undefined for other names. */
export function gcpCustomShape(machineType: string): { vcpu: number; memoryGiB: number } | undefined {
  const match = /^(?:[a-z0-9]+-)?custom-(\d+)-(\d+)(?:-ext)?$/.exec(machineType);
  return match ? { vcpu: Number(match[1]), memoryGiB: Number(match[2]) / 1024 } : undefined;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const round9 = (x: number) => Math.round(x * 1e9) / 1e9;

/** The Windows price of a Linux offering: its price plus the licence, or undefined when no source prices the licence. */
export function windowsOffering(o: Offering): Offering | undefined {
  if (o.os === 'windows') return o;
  const licence = o.windowsLicenceHourlyUsd;
  if (licence === undefined || o.kind !== 'vm') return undefined;
  return {
    ...o,
    os: 'windows',
    hourlyUsd: round9(o.hourlyUsd + licence),
    // The licence is billed per hour, with no sustained-use discount.
    monthlyUsd: round6(o.monthlyUsd + licence * HOURS_PER_MONTH),
    ...(o.spotHourlyUsd !== undefined && { spotHourlyUsd: round9(o.spotHourlyUsd + licence) }),
    ...(o.spotMonthlyUsd !== undefined && { spotMonthlyUsd: round6(o.spotMonthlyUsd + licence * HOURS_PER_MONTH) }),
    // Committed-use discounts do not cover the licence: not comparable, dropped.
    monthlyUsdCommitted1y: undefined,
    monthlyUsdCommitted3y: undefined,
    priceSource: `${o.priceSource}; + Windows Server licence ${licence} $/h (same source)`,
  };
}

/**
 * A Linux offering with a premium image licence (RHEL, SLES) on top, or undefined when no
 * source prices that licence for the size. The licence is billed per hour with no sustained-use
 * or committed-use discount (GCP), and on spot VMs too.
 */
export function licensedOffering(o: Offering, licence: string): Offering | undefined {
  if (o.imageLicence === licence) return o;
  const hourly = o.imageLicencesHourlyUsd?.[licence];
  if (hourly === undefined || o.kind !== 'vm' || (o.os !== undefined && o.os !== 'linux') || o.imageLicence !== undefined) return undefined;
  return {
    ...o,
    imageLicence: licence,
    hourlyUsd: round9(o.hourlyUsd + hourly),
    monthlyUsd: round6(o.monthlyUsd + hourly * HOURS_PER_MONTH),
    ...(o.spotHourlyUsd !== undefined && { spotHourlyUsd: round9(o.spotHourlyUsd + hourly) }),
    ...(o.spotMonthlyUsd !== undefined && { spotMonthlyUsd: round6(o.spotMonthlyUsd + hourly * HOURS_PER_MONTH) }),
    monthlyUsdCommitted1y: undefined,
    monthlyUsdCommitted3y: undefined,
    priceSource: `${o.priceSource}; + ${licence} image licence ${hourly} $/h (same source)`,
  };
}

/** The spot price of an offering, or undefined when the source has none. */
export function spotOffering(o: Offering): Offering | undefined {
  if (o.spot) return o;
  if (o.spotMonthlyUsd === undefined || o.spotHourlyUsd === undefined) return undefined;
  return {
    ...o,
    spot: true,
    hourlyUsd: o.spotHourlyUsd,
    monthlyUsd: o.spotMonthlyUsd,
    monthlyUsdCommitted1y: undefined,
    monthlyUsdCommitted3y: undefined,
    priceSource: `${o.priceSource}; spot price (can be evicted at any time)`,
  };
}

/** An offering as a workload in `view` would pay for it, or undefined when no such price exists. */
export function inView(o: Offering, view: PriceView): Offering | undefined {
  const os = view.licence !== undefined ? licensedOffering(o, view.licence) : view.os === 'windows' ? windowsOffering(o) : o;
  if (!os) return undefined;
  return view.spot ? spotOffering(os) : os;
}

const viewCache = new Map<string, WeakMap<readonly Offering[], readonly Offering[]>>();

/** A catalog pool in a view (cached per pool: the catalog's lists are shared and immutable). */
export function poolInView(pool: readonly Offering[], view: PriceView): readonly Offering[] {
  if (view.os === 'linux' && !view.spot && view.licence === undefined) return pool;
  const key = `${view.os}|${view.spot}|${view.licence ?? ''}`;
  let byPool = viewCache.get(key);
  if (!byPool) viewCache.set(key, (byPool = new WeakMap()));
  let viewed = byPool.get(pool);
  if (!viewed) {
    viewed = Object.freeze(pool.map((o) => inView(o, view)).filter((o): o is Offering => o !== undefined));
    byPool.set(pool, viewed);
  }
  return viewed;
}

/**
 * What the workload pays today, or why that is not known. The current size is priced in its OS,
 * on demand unless it runs on spot capacity today (then at the spot price, or unpriced where the
 * catalog has none: never the on-demand price a spot VM does not pay).
 */
export function currentPrice(
  catalog: Catalog,
  w: Pick<
    Workload,
    'cloud' | 'region' | 'zone' | 'size' | 'kind' | 'engine' | 'multiAz' | 'os' | 'osEvidence' | 'spot' | 'dedicated' | 'imageLicence'
  >,
): { offering: Offering } | { unpriced: string } {
  if (w.cloud === 'aws' && w.zone !== undefined && isAwsLocalZone(w.zone)) {
    return { unpriced: `AWS Local/Wavelength Zone ${w.zone}: priced apart from ${w.region ?? 'its region'}, and the catalog holds region prices only: not priced` };
  }
  if (w.dedicated !== undefined) {
    return { unpriced: `dedicated hardware (${w.dedicated}): the catalog holds shared-tenancy prices: not priced rather than shown the shared price` };
  }
  const priced = onDemandPrice(catalog, w);
  if (w.spot === undefined || !('offering' in priced)) return priced;
  const spot = spotOffering(priced.offering);
  if (spot) return { offering: spot };
  return {
    unpriced: `spot (${w.spot}): no spot price for ${w.size} in ${w.cloud}/${w.region} (the catalog has GCP spot prices only): not priced rather than shown at the on-demand price`,
  };
}

function onDemandPrice(
  catalog: Catalog,
  w: Pick<Workload, 'cloud' | 'region' | 'size' | 'kind' | 'engine' | 'multiAz' | 'os' | 'osEvidence' | 'imageLicence'>,
): { offering: Offering } | { unpriced: string } {
  if (w.imageLicence !== undefined) return licensedPrice(catalog, w, w.imageLicence);
  if (w.os === 'unknown') {
    if (w.osEvidence?.startsWith(PAID_IMAGE)) return { unpriced: `${w.osEvidence}: its licence fee is not in the catalog: not priced rather than shown at a Linux price` };
    return { unpriced: `operating system not recognised${w.osEvidence ? ` (${w.osEvidence})` : ''}: not priced rather than shown at a Linux price` };
  }
  if (!w.region) return { unpriced: `region unknown: ${w.size} cannot be priced` };
  const linux = catalog.lookup(w.cloud, w.region, w.size, w.kind === 'database' ? { engine: w.engine, multiAz: w.multiAz } : undefined);
  if (!linux) {
    if (!catalog.knowsSize(w.cloud, w.size)) {
      const custom = w.cloud === 'gcp' ? gcpCustomShape(w.size) : undefined;
      if (custom) {
        return {
          unpriced: `GCP custom machine type ${w.size} (${custom.vcpu} vCPU, ${custom.memoryGiB} GiB): billed per vCPU and per GB of its series, prices the catalog does not hold: not priced`,
        };
      }
      return { unpriced: `unknown ${w.cloud} size ${w.size}: not in the price catalog` };
    }
    if (!catalog.regions(w.cloud, w.kind).includes(w.region)) {
      if (w.cloud === 'aws' && w.kind === 'vm') {
        return {
          unpriced: `no offline AWS price for ${w.region} (the shipped EC2 catalog covers us-east-1 and GovCloud): run \`stackfit catalog refresh --cloud aws --region ${w.region}\``,
        };
      }
      return { unpriced: `no ${w.cloud} prices for region ${w.region} in the catalog` };
    }
    return { unpriced: `${w.size} has no price in ${w.cloud}/${w.region}${w.engine ? ` for ${w.engine}${w.multiAz ? ' Multi-AZ' : ''}` : ''}` };
  }
  if (w.os === 'windows') {
    const windows = windowsOffering(linux);
    if (!windows) {
      return {
        unpriced: `Windows${w.osEvidence ? ` (${w.osEvidence})` : ''}: no source prices the Windows licence for ${w.size} in ${w.cloud}/${w.region} (the catalog holds Linux prices): not priced rather than shown at the Linux price`,
      };
    }
    return { offering: windows };
  }
  return { offering: linux };
}

/** A VM from a premium image: the Linux price plus the image licence, or unpriced with the reason. */
function licensedPrice(
  catalog: Catalog,
  w: Pick<Workload, 'cloud' | 'region' | 'size' | 'kind' | 'engine' | 'multiAz' | 'os' | 'osEvidence'>,
  licence: string,
): { offering: Offering } | { unpriced: string } {
  const linux = onDemandPrice(catalog, { ...w, os: 'linux', imageLicence: undefined });
  if (!('offering' in linux)) return linux;
  const licensed = licensedOffering(linux.offering, licence);
  if (licensed) return { offering: licensed };
  return { unpriced: `${w.osEvidence ?? `${licence} image`}: no ${licence} licence price for ${w.size} in the catalog: not priced rather than shown at a Linux price` };
}
