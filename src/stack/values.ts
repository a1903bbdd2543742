/**
 * Reading Pulumi property values as they appear in state files, preview JSON, mocked programs and
 * CrossGuard arguments. Secrets and preview unknowns are recognised by Pulumi's well-known
 * signatures, so that they are never mistaken for a size.
 */

/** Key and value that mark a secret (`{sig: SECRET_SIG, ciphertext | value}`). */
export const SIG_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
/** The string Pulumi puts where a value is not known until the update runs. */
export const UNKNOWN_VALUE = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** What `pulumi preview --json` prints in place of a secret value. */
export const PREVIEW_SECRET = '[secret]';

export function isSecret(value: unknown): boolean {
  if (value === PREVIEW_SECRET) return true;
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

/** The result of looking up a property: a value, nothing, or something stackfit must not read. */
export type Lookup = { kind: 'value'; value: unknown } | { kind: 'missing' } | { kind: 'secret' } | { kind: 'unknown' };

/**
 * Walks `path` into `props`; a secret or unknown on the way wins over what lies beneath it.
 * Live CrossGuard props throw `UnknownValueError` when an unknown is read: that is an unknown too.
 */
export function lookup(props: Record<string, unknown>, path: readonly string[]): Lookup {
  let current: unknown = props;
  for (const key of path) {
    if (isSecret(current)) return { kind: 'secret' };
    if (isUnknown(current)) return { kind: 'unknown' };
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return { kind: 'missing' };
    try {
      current = (current as Record<string, unknown>)[key];
    } catch (err) {
      if ((err as Error)?.name === 'UnknownValueError' || (err as Error)?.constructor?.name === 'UnknownValueError') {
        return { kind: 'unknown' };
      }
      throw err;
    }
  }
  if (isSecret(current)) return { kind: 'secret' };
  if (isUnknown(current)) return { kind: 'unknown' };
  if (current === undefined || current === null || current === '') return { kind: 'missing' };
  return { kind: 'value', value: current };
}

/** A non-empty string at `path`, or undefined (missing, secret, unknown or not a string). */
export function stringAt(props: Record<string, unknown>, path: readonly string[]): string | undefined {
  const found = lookup(props, path);
  return found.kind === 'value' && typeof found.value === 'string' && found.value !== '' ? found.value : undefined;
}

/** A number at `path` (numeric strings accepted: config-driven inputs arrive as strings), or undefined. */
export function numberAt(props: Record<string, unknown>, path: readonly string[]): number | undefined {
  const found = lookup(props, path);
  if (found.kind !== 'value') return undefined;
  if (typeof found.value === 'number' && Number.isFinite(found.value)) return found.value;
  if (typeof found.value === 'string' && /^\d+(\.\d+)?$/.test(found.value)) return Number(found.value);
  return undefined;
}

export function booleanAt(props: Record<string, unknown>, path: readonly string[]): boolean | undefined {
  const found = lookup(props, path);
  if (found.kind !== 'value') return undefined;
  if (typeof found.value === 'boolean') return found.value;
  if (found.value === 'true' || found.value === 'false') return found.value === 'true';
  return undefined;
}

/** A string-valued map (tags, labels) at `path`; secret or unknown entries are left out. */
export function stringMapAt(props: Record<string, unknown>, path: readonly string[]): Record<string, string> {
  const found = lookup(props, path);
  if (found.kind !== 'value' || typeof found.value !== 'object' || found.value === null) return {};
  const out: Record<string, string> = {};
  // Entry by entry through `lookup`: one unknown tag must not hide the others.
  for (const key of Object.keys(found.value)) {
    const entry = lookup(found.value as Record<string, unknown>, [key]);
    if (entry.kind === 'value' && typeof entry.value === 'string') out[key] = entry.value;
  }
  return out;
}

/**
 * Merges a resource's inputs over its outputs. Inputs say what the program asks for (the size a
 * preview is about to set); outputs add what only the cloud knows (ids, zones). Engine
 * bookkeeping keys (`__defaults`, `__meta`) stay: handlers read named fields only.
 */
export function mergeProps(
  outputs: Record<string, unknown> | undefined,
  inputs: Record<string, unknown> | undefined,
): Record<string, unknown> {
  // Object spread is V8's fast path; state files hold tens of thousands of these.
  const merged: Record<string, unknown> = { ...outputs, ...inputs };
  if (inputs && outputs) {
    for (const key in inputs) {
      // An input that is absent/null does not erase a known output.
      if (inputs[key] === null || inputs[key] === undefined) merged[key] = outputs[key];
    }
  }
  return merged;
}

/**
 * The same view as `mergeProps`, without copying: reads the input, else the output. Stack files
 * hold tens of thousands of resources with dozens of properties each, and a handler reads three.
 */
export function layeredProps(
  outputs: Record<string, unknown> | null | undefined,
  inputs: Record<string, unknown> | null | undefined,
): Record<string, unknown> {
  if (!outputs) return inputs ?? {};
  if (!inputs) return outputs;
  return new Proxy(inputs, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      return value === undefined || value === null ? (Reflect.get(outputs, key) as unknown) : value;
    },
    has: (target, key) => Reflect.has(target, key) || Reflect.has(outputs, key),
    ownKeys: (target) => [...new Set([...Reflect.ownKeys(outputs), ...Reflect.ownKeys(target)])],
    getOwnPropertyDescriptor(target, key) {
      const value: unknown = this.get!(target, key, target);
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
    },
  });
}

/** The last segment of a URN: the resource's logical name. */
export function nameFromUrn(urn: string): string {
  const parts = urn.split('::');
  return parts[parts.length - 1] ?? urn;
}

/** Stack and project from `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackAndProjectFromUrn(urn: string): { stack?: string; project?: string } {
  const match = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
  return match ? { stack: match[1], project: match[2] } : {};
}

/** The provider URN of a provider reference `<provider urn>::<provider id>`. */
export function providerUrnFromRef(ref: string): string {
  const cut = ref.lastIndexOf('::');
  return cut > 0 ? ref.slice(0, cut) : ref;
}
