import type { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { analyzerProto } from './proto';

/** The string the engine sends in place of a value not known until apply (see pulumi-notes.md). */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** The key and value that mark an object as a secret on the wire and in state. */
export const SIG_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** A secret as the engine sends it to an analyzer: the signature plus the plaintext `value`. */
export function secret(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Turns a property value into what the engine puts in a google.protobuf.Struct: internal keys
 * (`__defaults`, `__meta`, …) dropped, `undefined` dropped, everything else as plain JSON.
 */
export function toWireValue(value: unknown): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map((v) => toWireValue(v) ?? null);
  if (typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k.startsWith('__')) continue;
      const w = toWireValue(v);
      if (w !== undefined) out[k] = w;
    }
    return out;
  }
  return undefined;
}

export function toStruct(props: Record<string, unknown> | undefined): Struct {
  const { struct } = analyzerProto();
  const wire = toWireValue(props ?? {});
  return struct.Struct.fromJavaScript(wire && typeof wire === 'object' && !Array.isArray(wire) ? wire : {});
}

/**
 * A secret as stored in a stack export (`{sig, ciphertext}` or `{sig, plaintext}`) → the wire form.
 * Encrypted secrets cannot be read without the stack's secrets provider, so they go out as
 * secret unknowns: a policy that reads one reports "can't run during preview" instead of guessing.
 */
export function fromStateValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromStateValue);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  if (obj[SIG_KEY] === SECRET_SIG) {
    if (typeof obj.plaintext === 'string') {
      try {
        return secret(fromStateValue(JSON.parse(obj.plaintext)));
      } catch {
        return secret(obj.plaintext);
      }
    }
    if ('value' in obj) return secret(fromStateValue(obj.value));
    return secret(UNKNOWN);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = fromStateValue(v);
  return out;
}
