import { z } from 'zod';

/**
 * Schemas for what Pulumi writes about a stack. They check the fields stackfit reads and let
 * the rest through (Pulumi adds fields over time). Sources: the official JSON Schemas
 * (sdk/go/common/apitype/{deployments,resources}.json) and real files (see docs/inventory.md).
 */

const propertyMap = z.record(z.string(), z.unknown());

/** One resource in a deployment (`apitype.ResourceV3`), also a preview step's old/new state. */
export const resourceStateSchema = z.looseObject({
  urn: z.string().min(1),
  type: z.string().min(1),
  custom: z.boolean().optional(),
  id: z.string().nullish(),
  inputs: propertyMap.nullish(),
  outputs: propertyMap.nullish(),
  parent: z.string().nullish(),
  provider: z.string().nullish(),
  /** True for the old copy of a resource pending deletion after a replace. */
  delete: z.boolean().optional(),
  dependencies: z.array(z.string()).nullish(),
});
export type ResourceState = z.infer<typeof resourceStateSchema>;

/** `apitype.DeploymentV3` (version 4 has the same deployment body). */
export const deploymentSchema = z.looseObject({
  manifest: z.looseObject({ time: z.string().optional(), version: z.string().optional() }).optional(),
  secrets_providers: z.looseObject({ type: z.string() }).nullish(),
  resources: z.array(resourceStateSchema).nullish(),
});
export type Deployment = z.infer<typeof deploymentSchema>;

/** Versions of the deployment format stackfit reads: 3, and 4 (3 plus required `features`). */
export const SUPPORTED_DEPLOYMENT_VERSIONS = [3, 4] as const;

/** `pulumi stack export` output, and the body of the Pulumi Cloud export endpoint. */
export const stackExportSchema = z.looseObject({
  version: z.number().int(),
  features: z.array(z.string()).nullish(),
  deployment: deploymentSchema,
});
export type StackExport = z.infer<typeof stackExportSchema>;

/** `GET /api/stacks/{org}/{project}/{stack}/export` answers with the export shape. */
export const pulumiCloudExportSchema = stackExportSchema;

/** A DIY-backend checkpoint file (`.pulumi/stacks/<project>/<stack>.json`). */
export const checkpointSchema = z.looseObject({
  version: z.number().int(),
  features: z.array(z.string()).nullish(),
  checkpoint: z.looseObject({
    stack: z.string(),
    config: propertyMap.nullish(),
    latest: deploymentSchema.nullish(),
  }),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** One step of `pulumi preview --json`. */
export const previewStepSchema = z.looseObject({
  op: z.string().min(1),
  urn: z.string().min(1),
  provider: z.string().nullish(),
  oldState: resourceStateSchema.nullish(),
  newState: resourceStateSchema.nullish(),
  diffReasons: z.array(z.string()).nullish(),
  replaceReasons: z.array(z.string()).nullish(),
  detailedDiff: z.record(z.string(), z.unknown()).nullish(),
});
export type PreviewStep = z.infer<typeof previewStepSchema>;

/** `pulumi preview --json` output. */
export const previewSchema = z.looseObject({
  config: propertyMap.nullish(),
  steps: z.array(previewStepSchema),
  duration: z.number().optional(),
  changeSummary: z.record(z.string(), z.number()).nullish(),
});
export type Preview = z.infer<typeof previewSchema>;
