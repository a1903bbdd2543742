/**
 * A `__proto__` key in a policy pack config (`check --policy-pack-config`) is refused like any
 * name that is not a policy (issue 13, session 4 probe K03): zod's record dropped it, so it was
 * ignored silently and `check` exited 0.
 */
import { describe, expect, it } from 'vitest';
import { parsePolicyPackConfig } from '../../src/policy-harness';

describe('policy pack config keys', () => {
  it('refuses __proto__ (as JSON.parse makes it: an own property), and nothing is polluted', () => {
    const json: unknown = JSON.parse('{"__proto__": {"enforcementLevel": "disabled"}, "stackfit-max-size": {"maxVcpu": 4}}');
    expect(() => parsePolicyPackConfig(json, 'cfg.json')).toThrow('cfg.json: "__proto__" is not a policy name');
    expect(({} as Record<string, unknown>).enforcementLevel).toBeUndefined();
  });

  it('control: the same config without it is read', () => {
    expect(parsePolicyPackConfig(JSON.parse('{"stackfit-max-size": {"maxVcpu": 4}}'), 'cfg.json')).toEqual({
      'stackfit-max-size': { maxVcpu: 4 },
    });
  });
});
