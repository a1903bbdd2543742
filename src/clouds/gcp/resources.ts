import { configString, readSize, type ResourceContext } from '../../stack/handler';
import { stringAt } from '../../stack/values';
import { paidImage, plainAt, type OsFinding } from '../../stack/os';

/** A boot image is Windows when it comes from the `windows-cloud` / `windows-sql-cloud` projects or its family or name starts `windows-`. */
function isWindowsImage(image: string): boolean {
  return /(^|\/)windows-(sql-)?cloud\//.test(image) || /(^|\/)(family\/)?windows-/.test(image);
}

/**
 * Public image projects whose images carry a per-hour licence on top of the VM (premium images),
 * with the key of the licence price in the catalog (from the pricing YAML) where it has one.
 */
const PAID_IMAGE_PROJECTS: Record<string, { what: string; licence?: string }> = {
  'rhel-cloud': { what: 'Red Hat Enterprise Linux', licence: 'rhel' },
  'rhel-sap-cloud': { what: 'RHEL for SAP', licence: 'rhel-sap' },
  'suse-cloud': { what: 'SUSE Linux Enterprise Server', licence: 'sles' },
  'suse-sap-cloud': { what: 'SLES for SAP', licence: 'sles-sap' },
  'ubuntu-os-pro-cloud': { what: 'Ubuntu Pro' },
  'windows-sql-cloud': { what: 'SQL Server on Windows' },
};

function paidGcpImage(image: string): { what: string; licence?: string } | undefined {
  const project = /(?:^|\/)([a-z0-9-]+-cloud)\//.exec(image)?.[1];
  // SQL Server Express and Developer carry no SQL licence: Windows only.
  if (project === 'windows-sql-cloud' && /express|developer/.test(image)) return undefined;
  return project ? PAID_IMAGE_PROJECTS[project] : undefined;
}

/** The OS of a GCE instance (boot disk image) or instance template (boot disk source image). */
export function gcpInstanceOs(props: Record<string, unknown>): OsFinding | undefined {
  const images: { path: string; image: unknown }[] = [
    { path: 'bootDisk.initializeParams.image', image: plainAt(props, ['bootDisk', 'initializeParams', 'image']) },
  ];
  const disks = plainAt(props, ['disks']);
  if (Array.isArray(disks)) {
    disks.forEach((disk: unknown, i) => {
      if (disk && typeof disk === 'object')
        images.push({ path: `disks.${i}.sourceImage`, image: (disk as Record<string, unknown>).sourceImage });
    });
  }
  for (const { path, image } of images) {
    const paid = typeof image === 'string' ? paidGcpImage(image) : undefined;
    if (paid) return paidImage(paid.what, `${path} ${String(image)}`, paid.licence);
    if (typeof image === 'string' && isWindowsImage(image)) return { os: 'windows', osEvidence: `${path} ${image}` };
  }
  return undefined;
}

/**
 * GCP resources that carry a size (@pulumi/gcp tokens). Machine types and zones may be plain
 * names or (partial) resource URLs; the last path segment is the name.
 */

/** `https://…/zones/us-central1-a/machineTypes/n2-standard-8` → `n2-standard-8`. */
export function lastSegment(value: string): string {
  const parts = value.split('/').filter((part) => part !== '');
  return parts[parts.length - 1] ?? value;
}

/** `us-central1-a` → `us-central1`. */
export function gcpRegionFromZone(zone: string): string | undefined {
  const match = /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(zone);
  return match?.[1];
}

export function sizeName(ctx: ResourceContext): { size: string } | { skip: string } {
  const size = readSize(ctx, ['machineType']);
  if (!('size' in size)) return size;
  // Accelerator-optimized types (A2, A3, G2, …) have their GPUs in the machine type and its price.
  const gpus = /^[ag]\d+-/.test(lastSegment(size.size)) ? undefined : attachedGpus(ctx.props);
  // Attached GPUs (N1): their price is not in the catalog, and most series (E2, N2, …) cannot
  // take them: a size change could neither be priced nor run.
  if (gpus)
    return {
      skip: `attached GPUs (guestAccelerators ${gpus}): their price is not in the catalog and most machine series cannot take them: not sized`,
    };
  return { size: lastSegment(size.size) };
}

/** `guestAccelerators: [{type, count}]` with any count > 0, as `1 × nvidia-tesla-t4`. */
function attachedGpus(props: Record<string, unknown>): string | undefined {
  const list = plainAt(props, ['guestAccelerators']);
  if (!Array.isArray(list)) return undefined;
  const parts = list
    .filter((a): a is Record<string, unknown> => a !== null && typeof a === 'object')
    .filter((a) => typeof a.count !== 'number' || a.count > 0)
    .map((a) => `${typeof a.count === 'number' ? a.count : '?'} × ${typeof a.type === 'string' ? lastSegment(a.type) : 'GPU'}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export function project(ctx: ResourceContext): string | undefined {
  return stringAt(ctx.props, ['project']) ?? configString(ctx.stackConfig, 'gcp:project');
}
