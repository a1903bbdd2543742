import type { Cloud } from '../model';
import type { ResourceKind } from './kind';
import { resourceKinds } from './registry';

export type { ResourceContext, ReadResult } from '../stack/handler';
export { resourceKinds } from './registry';

const kindByType = new Map<string, ResourceKind>();
for (const kind of resourceKinds) {
  for (const type of kind.types) {
    if (kindByType.has(type)) throw new Error(`two resource kinds claim ${type}`);
    kindByType.set(type, kind);
  }
}

/**
 * azure-native publishes each resource once per API version
 * (`azure-native:compute/v20240301:VirtualMachine`); they carry the same properties.
 */
export function normalizeResourceType(type: string): string {
  return type.replace(/^(azure-native:[A-Za-z0-9]+)\/v\d{8}(?:preview)?:/, '$1:');
}

/** The resource kind for a type token, or undefined when the type carries no size. */
export function kindFor(type: string): ResourceKind | undefined {
  return kindByType.get(normalizeResourceType(type));
}

/** Whether stackfit reads anything from this type. */
export function isSizedType(type: string): boolean {
  return kindByType.has(normalizeResourceType(type));
}

/**
 * A resource someone pays for that stackfit does not size or price (a bucket, a network, a role):
 * not a sized type, not a provider, not the stack. Components are excluded by the caller (their
 * types are the program's own), so a total can say what it leaves out.
 */
export function isOtherBilledType(type: string): boolean {
  return !isSizedType(type) && !type.startsWith('pulumi:providers:') && type !== 'pulumi:pulumi:Stack';
}

/** The cloud a provider package belongs to (`pulumi:providers:azure-native` → azure). */
export function cloudOfPackage(pkg: string): Cloud | undefined {
  if (pkg === 'aws') return 'aws';
  if (pkg === 'azure-native' || pkg === 'azure') return 'azure';
  if (pkg === 'gcp' || pkg === 'google-native') return 'gcp';
  return undefined;
}
