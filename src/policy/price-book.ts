import type { PolicyConfigJSONSchema } from '@pulumi/policy/schema';
import { z } from 'zod';
import { applyPricing, hasPricing, withPricing } from '../catalog/discounts';
import type { Catalog } from '../catalog/types';
import { describeZodIssue, loadConfig, pricingSchema, type PricingConfig } from '../config';
import { StackfitError, type Offering } from '../model';
import type { PriceNote } from './pricing';

/**
 * The team's price book in the policy pack: the same `pricing:` as stackfit.yaml (discounts,
 * GCP commitment, overlayDir), given inline as `pricing` or as `stackfitConfigPath` (a
 * stackfit.yaml whose `pricing:` is used), on each policy that prices. Pulumi's `all` entry
 * only carries an enforcement level, so the properties are per policy; the priced catalog is
 * built once per distinct price book and shared.
 */

const pricingJsonSchema: PolicyConfigJSONSchema = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(pricingSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  // zod emits draft-7 JSON Schema, which is what the CLI validates with.
  return {
    ...(schema as PolicyConfigJSONSchema),
    description: 'The price book, as `pricing:` in stackfit.yaml: discounts, commitment, overlayDir (docs/prices.md).',
  };
})();

/** The configSchema properties each pricing policy declares (the CLI validates `pricing` with them). */
export const priceBookConfigSchemaProperties: Record<'pricing' | 'stackfitConfigPath', PolicyConfigJSONSchema> = {
  pricing: pricingJsonSchema,
  stackfitConfigPath: {
    type: 'string',
    minLength: 1,
    description: 'A stackfit.yaml whose `pricing:` section prices this policy (instead of `pricing`).',
  },
};

/**
 * The price-book fields of a policy's config. `pricing` is checked with stackfit.yaml's own
 * schema in `resolvePriceBook`, for errors that name the field; its JSON Schema (for the CLI)
 * is that schema's, attached as metadata.
 */
export const priceBookConfigShape = {
  pricing: z
    .unknown()
    .optional()
    .meta({ ...pricingJsonSchema }),
  stackfitConfigPath: z.string().min(1).optional().describe(priceBookConfigSchemaProperties.stackfitConfigPath.description!),
};

export interface PriceBookConfig {
  pricing?: unknown;
  stackfitConfigPath?: string | undefined;
}

/** A catalog at the team's prices, and how to say where a price came from. */
export interface PricedView {
  catalog: Catalog;
  /** The discount / commitment note of a priced offering, undefined at list price. */
  note: PriceNote;
  /** Distinct per price book: keys per-RPC memos so two books never share an assessment. */
  id: number;
}

/**
 * The pricing section a policy's config names, parsed with stackfit.yaml's schema; overlayDir
 * resolved with `resolvePath` (the pack resolves every user path from where `pulumi` runs).
 * Throws a StackfitError naming the field (or the file and line).
 */
export function resolvePriceBook(cfg: PriceBookConfig, resolvePath: (p: string) => string): PricingConfig | undefined {
  if (cfg.pricing !== undefined && cfg.stackfitConfigPath !== undefined) {
    throw new StackfitError('set either pricing or stackfitConfigPath, not both', 'policy pack config');
  }
  let pricing: PricingConfig | undefined;
  if (cfg.stackfitConfigPath !== undefined) {
    pricing = loadConfig(resolvePath(cfg.stackfitConfigPath)).pricing;
  } else if (cfg.pricing !== undefined) {
    const parsed = pricingSchema.safeParse(cfg.pricing);
    if (!parsed.success) {
      const issue = describeZodIssue(parsed.error);
      throw new StackfitError(issue.startsWith('(root)') ? issue.replace('(root)', 'pricing') : `pricing.${issue}`, 'policy pack config');
    }
    pricing = parsed.data;
  }
  if (!pricing) return undefined;
  return pricing.overlayDir === undefined ? pricing : { ...pricing, overlayDir: resolvePath(pricing.overlayDir) };
}

/** `−22 % (pricing.discounts[0]: savings plan)`: what the price book did to an offering, cached per offering. */
export function priceNoteFor(pricing: PricingConfig | undefined): PriceNote {
  if (!hasPricing(pricing)) return () => undefined;
  const notes = new WeakMap<Offering, string | null>();
  return (o) => {
    let n = notes.get(o);
    if (n === undefined) {
      // The rules match on cloud, kind, region, family and size, never on price: re-applying
      // them to an empty source yields exactly the notes the priced offering carries.
      const applied = applyPricing({ ...o, priceSource: '' }, pricing);
      n = applied.priceSource ? applied.priceSource.replace(/^; /, '') : null;
      notes.set(o, n);
    }
    return n ?? undefined;
  };
}

/**
 * Priced views, one per distinct price book: inline `pricing` objects are keyed by identity (the
 * framework hands every call the same parsed config), stackfit.yaml paths by path. A failure is
 * cached too, so a broken book is reported the same way for every resource without re-reading.
 */
export function createPriceBooks(loadBase: (overlayDir?: string) => Catalog, resolvePath: (p: string) => string) {
  let nextId = 0;
  const list: PricedView = { catalog: loadBase(), note: () => undefined, id: nextId++ };
  const byObject = new WeakMap<object, PricedView | StackfitError>();
  const byKey = new Map<string, PricedView | StackfitError>();
  const build = (cfg: PriceBookConfig): PricedView | StackfitError => {
    try {
      const pricing = resolvePriceBook(cfg, resolvePath);
      if (!pricing) return list;
      let base = list.catalog;
      if (pricing.overlayDir !== undefined) {
        try {
          base = loadBase(pricing.overlayDir);
        } catch (err) {
          // Name the setting as well as the directory: the user wrote a relative path.
          if (err instanceof StackfitError)
            throw new StackfitError(
              `pricing.overlayDir: ${err.message}`,
              cfg.stackfitConfigPath ? resolvePath(cfg.stackfitConfigPath) : 'policy pack config',
            );
          throw err;
        }
      }
      return { catalog: withPricing(base, pricing), note: priceNoteFor(pricing), id: nextId++ };
    } catch (err) {
      if (err instanceof StackfitError) return err;
      throw err;
    }
  };
  /** The view a policy's config asks for; throws the (cached) StackfitError of a broken book. */
  return (cfg: PriceBookConfig): PricedView => {
    let view: PricedView | StackfitError | undefined;
    if (cfg.pricing !== undefined && cfg.pricing !== null && typeof cfg.pricing === 'object' && cfg.stackfitConfigPath === undefined) {
      view = byObject.get(cfg.pricing);
      if (!view) byObject.set(cfg.pricing, (view = build(cfg)));
    } else if (cfg.pricing === undefined && cfg.stackfitConfigPath === undefined) {
      view = list;
    } else {
      const key = JSON.stringify([cfg.stackfitConfigPath, cfg.pricing]);
      view = byKey.get(key);
      if (!view) byKey.set(key, (view = build(cfg)));
    }
    if (view instanceof StackfitError) throw view;
    return view;
  };
}
