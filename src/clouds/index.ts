import type { Cloud } from '../model';
import type { ResourceHandler } from '../stack/handler';
import { awsResourceHandlers } from './aws/resources';
import { azureResourceHandlers } from './azure/resources';
import { gcpResourceHandlers } from './gcp/resources';
import type { ResourceKind } from './kind';
import { resourceKinds } from './registry';

export type { ResourceContext, ResourceHandler, ReadResult } from '../stack/handler';

/**
 * Every cloud's resource handlers. Adding a resource type means adding a handler in
 * `src/clouds/<cloud>/resources.ts`; nothing else changes.
 */
export const resourceHandlers: readonly ResourceHandler[] = [
  ...awsResourceHandlers,
  ...azureResourceHandlers,
  ...gcpResourceHandlers,
];

const kindByType = new Map<string, ResourceKind>();
for (const kind of resourceKinds) {
  for (const type of kind.types) {
    if (kindByType.has(type)) throw new Error(`two resource kinds claim ${type}`);
    kindByType.set(type, kind);
  }
}

const byType = new Map<string, ResourceHandler>();
for (const handler of resourceHandlers) {
  for (const type of handler.types) {
    // A registered kind (src/clouds/registry.ts) replaces an `unsupportedTypes` entry.
    if (kindByType.has(type)) {
      if (!handler.unsupported) throw new Error(`${type} has both a handler and a registered resource kind`);
      continue;
    }
    if (byType.has(type)) throw new Error(`two resource handlers claim ${type}`);
    byType.set(type, handler);
  }
}

/**
 * azure-native publishes each resource once per API version
 * (`azure-native:compute/v20240301:VirtualMachine`); they carry the same properties.
 */
export function normalizeResourceType(type: string): string {
  return type.replace(/^(azure-native:[A-Za-z0-9]+)\/v\d{8}(?:preview)?:/, '$1:');
}

/** The handler for a type token, or undefined when the type carries no size. */
export function handlerFor(type: string): ResourceHandler | undefined {
  return byType.get(normalizeResourceType(type));
}

/** The registered resource kind for a type token (node pools, groups), if any. */
export function kindFor(type: string): ResourceKind | undefined {
  return kindByType.get(normalizeResourceType(type));
}

/** Whether stackfit reads anything from this type (a handler or a registered kind). */
export function isSizedType(type: string): boolean {
  const normalized = normalizeResourceType(type);
  return kindByType.has(normalized) || byType.has(normalized);
}

/** The cloud a provider package belongs to (`pulumi:providers:azure-native` → azure). */
export function cloudOfPackage(pkg: string): Cloud | undefined {
  if (pkg === 'aws') return 'aws';
  if (pkg === 'azure-native' || pkg === 'azure') return 'azure';
  if (pkg === 'gcp' || pkg === 'google-native') return 'gcp';
  return undefined;
}
