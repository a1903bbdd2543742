/**
 * Runs a CrossGuard policy pack the way the Pulumi CLI does — launched with run-policy-pack,
 * driven over the analyzer gRPC protocol with @pulumi/pulumi's own stubs — on resources from a
 * state file, a preview or a mocked program. Used by the tests and by `stackfit check`.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { StackfitError } from '../model';

export {
  ENFORCEMENT_LEVELS,
  mergePolicyConfig,
  parsePolicyPackConfig,
  parsePolicyPackConfigFile,
  type EffectivePolicyConfig,
  type EnforcementLevelName,
  type PackInfoView,
  type PolicyInfoView,
  type PolicyPackConfigFile,
} from './config';
export { SECRET_SIG, SIG_KEY, UNKNOWN, secret, toStruct } from './encode';
export { launchPolicyPack, resolveRunPolicyPack, type LaunchedPack, type LaunchOptions } from './launch';
export {
  PolicySession,
  runPolicyPack,
  type HarnessProvider,
  type HarnessResource,
  type NotApplicable,
  type PolicyDiagnostic,
  type PolicyRunResult,
  type RunOptions,
  type SeverityName,
} from './session';
export { policyInputsFromJson, policyInputsFromProgram, readPolicyInputs, toHarnessResources, type PolicyInputs } from './state';

/** The stackfit pack shipped with this package: `policies/` beside `src/` (or above `dist/`). */
export function defaultPackDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'policies');
    if (existsSync(path.join(candidate, 'PulumiPolicy.yaml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new StackfitError('cannot find the stackfit policy pack (policies/PulumiPolicy.yaml) above this module', __dirname);
    dir = parent;
  }
}
