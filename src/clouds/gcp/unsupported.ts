import { unsupportedTypes } from '../../stack/handler';
import { singleResourceKind, type ResourceKind } from '../kind';

/** Sized GCP compute stackfit recognises but does not size: skipped, with why. */
export const gcpUnsupported: ResourceKind = singleResourceKind(
  unsupportedTypes(
    'gcp',
    ['gcp:sql/databaseInstance:DatabaseInstance', 'gcp:redis/instance:Instance'],
    'stackfit sizes compute instances, instance templates, instance groups and GKE node pools',
  ),
);
