import { SECRET_SIG, SIG_KEY } from '../src/stack/values';

/**
 * CrossGuard hands policies plaintext: @pulumi/policy's `deserializeProperties(struct, false)`
 * unwraps every secret the engine marked, so a policy cannot tell a secret size from a plain one
 * and prints it (issue 13: `stackfit check` and the pack showed a size held as a Pulumi secret,
 * which `recommend` skips). This keeps the engine's marking: each secret stays
 * `{[SIG_KEY]: SECRET_SIG, value}`, the form state files use, so the shared readers
 * (src/stack/values.ts `lookup`) skip it as "secret" exactly as the inventory does.
 *
 * `deserializeProperties` is internal to @pulumi/policy (not in its typings); its server calls
 * it through the module's exports object on every request, so replacing the export here, before
 * the pack serves, takes effect for Analyze, AnalyzeStack and the provider's properties.
 */

type Deserialize = (struct: { toJavaScript(): unknown }, proxySecrets: boolean) => Record<string, unknown>;

function isSecretSig(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

function hasSecret(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  if (isSecretSig(raw)) return true;
  return Array.isArray(raw) ? raw.some(hasSecret) : Object.values(raw).some(hasSecret);
}

/** `plain` (what @pulumi/policy made of `raw`) with every value that `raw` marks secret wrapped again. */
export function markSecrets(raw: unknown, plain: unknown): unknown {
  if (isSecretSig(raw)) return { [SIG_KEY]: SECRET_SIG, value: plain };
  if (typeof raw !== 'object' || raw === null || typeof plain !== 'object' || plain === null) return plain;
  if (Array.isArray(raw)) return Array.isArray(plain) ? plain.map((p, i) => markSecrets(raw[i], p)) : plain;
  // Assets and archives (another signature) come back as objects of their own: left as they are.
  if (SIG_KEY in raw) return plain;
  const out: Record<string, unknown> = { ...(plain as Record<string, unknown>) };
  for (const [key, value] of Object.entries(raw)) if (key in out && hasSecret(value)) out[key] = markSecrets(value, out[key]);
  return out;
}

/** Installs the secret-keeping deserializer (once; before `new PolicyPack`). */
export function keepSecretsMarked(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require('@pulumi/policy/deserialize') as { deserializeProperties: Deserialize & { keepsSecrets?: true } };
  const original = module.deserializeProperties;
  if (original.keepsSecrets) return;
  const wrapped: Deserialize & { keepsSecrets?: true } = (struct, proxySecrets) => {
    if (proxySecrets) return original(struct, proxySecrets);
    const raw = struct.toJavaScript();
    const props = original({ toJavaScript: () => raw }, false);
    return hasSecret(raw) ? (markSecrets(raw, props) as Record<string, unknown>) : props;
  };
  wrapped.keepsSecrets = true;
  module.deserializeProperties = wrapped;
}
