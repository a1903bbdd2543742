/**
 * Step 1 of the pipeline: what a stack runs. Reads `pulumi stack export` output, DIY checkpoint
 * files, Pulumi Cloud exports, `pulumi preview --json` output and mocked program runs into an
 * `Inventory` of sized workloads.
 */
export {
  detectFormat,
  inventoryFromResources,
  parseInventory,
  parseJsonText,
  readInventory,
  type InventoryFormat,
  type InventoryOptions,
  type StackResource,
} from './inventory';
export { providerRegion, workloadFromResource, type ResourceInput } from './workload';
export { fetchPulumiCloudExport, type PulumiCloudExportRequest } from './pulumi-cloud';
export { inventoryFromProgram, registeredResourcesFromProgram, type ProgramRunOptions, type RegisteredResource } from './demo';
export { loadPulumiProject, readStackConfig, stackConfigPath, toPulumiConfig, type PulumiProject } from './project';
export { GROUP_TAG, WORKLOAD_TAG, type ResourceContext, type ResourceHandler, type ReadResult } from './handler';
export { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE, isSecret, isUnknown, mergeProps } from './values';
export * from './schema';
