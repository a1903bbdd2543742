import { configString, readSize, type ResourceContext } from '../../stack/handler';
import { stringAt } from '../../stack/values';
import { plainAt, type OsFinding } from '../../stack/os';

/** A boot image is Windows when it comes from the `windows-cloud` / `windows-sql-cloud` projects or its family or name starts `windows-`. */
function isWindowsImage(image: string): boolean {
  return /(^|\/)windows-(sql-)?cloud\//.test(image) || /(^|\/)(family\/)?windows-/.test(image);
}

/** The OS of a GCE instance (boot disk image) or instance template (boot disk source image). */
export function gcpInstanceOs(props: Record<string, unknown>): OsFinding | undefined {
  const images: { path: string; image: unknown }[] = [{ path: 'bootDisk.initializeParams.image', image: plainAt(props, ['bootDisk', 'initializeParams', 'image']) }];
  const disks = plainAt(props, ['disks']);
  if (Array.isArray(disks)) {
    disks.forEach((disk: unknown, i) => {
      if (disk && typeof disk === 'object') images.push({ path: `disks.${i}.sourceImage`, image: (disk as Record<string, unknown>).sourceImage });
    });
  }
  for (const { path, image } of images) {
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
  return 'size' in size ? { size: lastSegment(size.size) } : size;
}

export function project(ctx: ResourceContext): string | undefined {
  return stringAt(ctx.props, ['project']) ?? configString(ctx.stackConfig, 'gcp:project');
}

