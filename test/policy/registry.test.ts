/**
 * The policy registry: every policy folder is registered, and the configSchema the Pulumi CLI
 * gets (generated from the policy's zod schema) is what the CLI accepts — `properties` and
 * `required` only, JSON Schema draft 7 — and accepts and refuses the same configs as the zod
 * schema the pack reads them with, with the same defaults.
 */
import Ajv from 'ajv';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPolicyConfig } from '../../src/policy/config';
import { policyConfigSchema } from '../../src/policy/contract';
import { policyNamed, stackfitPolicies } from '../../src/policy/registry';

const policyDir = path.resolve(__dirname, '../../src/policy');
const ajv = new Ajv({ allErrors: true, strict: false });

/** Validates as the CLI does: the properties and required list, as a draft-7 object schema. */
function cliAccepts(name: string, config: unknown): boolean {
  const { properties, required } = policyNamed(name)!.configSchema;
  return ajv.validate({ type: 'object', properties, required: required ?? [] }, config);
}
const packAccepts = (name: string, config: unknown): boolean => policyNamed(name)!.config.safeParse(config).success;

describe('policy registry', () => {
  it('registers every policy folder (index.ts + schema.ts) once, under a unique stackfit- name', () => {
    const folders = readdirSync(policyDir, { withFileTypes: true })
      .filter(
        (d) =>
          d.isDirectory() && existsSync(path.join(policyDir, d.name, 'index.ts')) && existsSync(path.join(policyDir, d.name, 'schema.ts')),
      )
      .map((d) => d.name);
    expect(folders.length).toBe(stackfitPolicies.length);
    expect(new Set(stackfitPolicies.map((p) => p.name)).size).toBe(stackfitPolicies.length);
    for (const p of stackfitPolicies) {
      expect(p.name).toMatch(/^stackfit-[a-z0-9-]+$/);
      expect(folders.some((f) => p.name.endsWith(f))).toBe(true);
    }
  });

  it('sends the CLI a configSchema of properties (and required) only, every property a draft-7 schema', () => {
    for (const p of stackfitPolicies) {
      expect(Object.keys(p.configSchema).filter((k) => k !== 'properties' && k !== 'required')).toEqual([]);
      expect(Object.keys(p.configSchema.properties).sort()).toEqual(Object.keys(p.config.shape).sort());
      for (const [key, schema] of Object.entries(p.configSchema.properties)) {
        expect(JSON.stringify(schema), `${p.name}.${key}`).not.toMatch(/"\$schema"|"\$ref"|"~standard"/);
        expect(ajv.validateSchema(schema), `${p.name}.${key}`).toBe(true);
      }
    }
  });

  it('gives the CLI the defaults the pack applies', () => {
    for (const p of stackfitPolicies) {
      const parsed: Record<string, unknown> = p.config.parse({});
      const defaults = Object.fromEntries(
        Object.entries(p.configSchema.properties).flatMap(([k, s]) => (s.default !== undefined ? [[k, s.default]] : [])),
      );
      expect(defaults, p.name).toEqual(Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)));
    }
    expect(policyNamed('stackfit-stack-budget')!.configSchema.properties.topContributors).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 50,
      default: 3,
    });
  });

  it.each([
    ['stackfit-stack-budget', { maxMonthlyCost: 100, topContributors: 5 }, true],
    ['stackfit-stack-budget', { maxMonthlyCost: 0 }, false],
    ['stackfit-stack-budget', { maxMonthlyCost: 'lots' }, false],
    ['stackfit-stack-budget', { topContributors: 51 }, false],
    ['stackfit-stack-budget', { topContributors: 2.5 }, false],
    ['stackfit-stack-budget', { pricing: { discounts: [{ percent: 20 }] } }, true],
    ['stackfit-stack-budget', { stackfitConfigPath: '' }, false],
    ['stackfit-right-size', { minMonthlySavingUsd: -1 }, false],
    ['stackfit-instance-generation', { disallowedFamilies: ['t2'], allowArm64: true }, true],
    ['stackfit-instance-generation', { disallowedFamilies: [''] }, false],
    ['stackfit-placement', { clouds: ['aws'], regions: { aws: ['us-east-1'] }, architectures: ['arm64'] }, true],
    ['stackfit-placement', { clouds: ['moon'] }, false],
    ['stackfit-placement', { clouds: [] }, false],
    ['stackfit-placement', { regions: { moon: ['x'] } }, false],
    ['stackfit-placement', { regions: { aws: [] } }, false],
    ['stackfit-placement', { architectures: ['riscv'] }, false],
    ['stackfit-cost-report', { includeUnpriced: 'yes' }, false],
  ])('%s %j: the CLI and the pack agree (%s)', (name, config, ok) => {
    expect(cliAccepts(name, config)).toBe(ok);
    expect(packAccepts(name, config)).toBe(ok);
  });

  it('the pricing property carries stackfit.yaml pricing schema, so the CLI already refuses a bad discount', () => {
    expect(cliAccepts('stackfit-cost-report', { pricing: { discounts: [{ percent: 120 }] } })).toBe(false);
  });

  it('still refuses an unknown key inside the pack, with a did-you-mean', () => {
    const budget = policyNamed('stackfit-stack-budget')!;
    expect(() => readPolicyConfig(budget.name, budget.config, { maxMonthyCost: 10 })).toThrowError(
      /^invalid config for stackfit-stack-budget: unknown property "maxMonthyCost" \(did you mean "maxMonthlyCost"\?\); known properties: /,
    );
  });

  it('generates required for a field without a default', async () => {
    const { z } = await import('zod');
    expect(policyConfigSchema(z.object({ a: z.string(), b: z.number().default(1), c: z.boolean().optional() }))).toEqual({
      properties: { a: { type: 'string' }, b: { type: 'number', default: 1 }, c: { type: 'boolean' } },
      required: ['a'],
    });
  });
});
