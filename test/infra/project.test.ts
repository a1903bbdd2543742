import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPulumiProject, readStackConfig, stackConfigPath, toPulumiConfig } from '../../src/stack/project';
import { parseWorkloadsConfig } from '../../infra/config';

const ROOT = path.resolve(__dirname, '../..');
const DATA = path.resolve(ROOT, 'data/pulumi');

describe('Pulumi.yaml', () => {
  it('is valid against the official project schema', () => {
    const schema = JSON.parse(readFileSync(path.join(DATA, 'schemas/workspace-project.schema.json'), 'utf8'));
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const project = parse(readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8'));
    expect(validate(project), JSON.stringify(validate.errors)).toBe(true);
    expect(project).toMatchObject({
      name: 'stackfit-demo',
      runtime: { name: 'nodejs', options: { typescript: true } },
      main: 'infra/index.ts',
      stackConfigDir: 'stacks',
    });
    expect(project.description).toEqual(expect.any(String));
    // And the schema does catch a broken project file.
    expect(validate({ ...project, runtime: { name: 'nodejs', typo: true } })).toBe(false);
  });

  it('loads: entry and stack config directory resolved', () => {
    const project = loadPulumiProject(ROOT);
    expect(project).toEqual({
      dir: ROOT,
      name: 'stackfit-demo',
      main: path.join(ROOT, 'infra/index.ts'),
      stackConfigDir: path.join(ROOT, 'stacks'),
    });
    expect(stackConfigPath(project, 'prod')).toBe(path.join(ROOT, 'stacks/Pulumi.prod.yaml'));
  });

  it('reads the legacy `config: <dir>` form (real sample)', () => {
    const dir = path.join(DATA, 'stack-config/legacy-config-dir');
    const project = loadPulumiProject(dir);
    expect(project.stackConfigDir).toBe(path.join(dir, '.config'));
    expect(readStackConfig(stackConfigPath(project, 'dev'), project.name)).toEqual({ 'dynamic-provider-secret:password': 's3cret2' });
  });
});

describe('stack files', () => {
  it.each(['prod', 'dev'])('Pulumi.%s.yaml: provider config and valid workloads, commented for humans', (stack) => {
    const file = path.join(ROOT, `stacks/Pulumi.${stack}.yaml`);
    const text = readFileSync(file, 'utf8');
    const config = readStackConfig(file, 'stackfit-demo');
    expect(config).toMatchObject({ 'aws:region': 'us-east-1', 'azure-native:location': 'eastus', 'gcp:project': `stackfit-demo-${stack}` });
    const workloads = parseWorkloadsConfig(config['stackfit-demo:workloads'], 'stackfit-demo:workloads');
    expect(Object.keys(workloads)).toEqual(
      stack === 'prod' ? ['web', 'api', 'worker', 'cache', 'search', 'reporting'] : ['web', 'api', 'worker'],
    );
    // The PR bot edits these files with a comment-preserving updater: the comments are part of the fixture.
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    expect(doc.commentBefore).toMatch(/stack of the stackfit demo/);
    expect(text).toMatch(/\n\n(?: {4}#.*\n)* {4}api:\n/);
  });
});

describe('stack config for a mocked run (real samples)', () => {
  it('structured values become JSON, bare keys take the project name, secure values are left out', () => {
    const nested = readStackConfig(path.join(DATA, 'stack-config/pulumi-auto-nested_config.Pulumi.dev.yaml'), 'nested_config');
    expect(toPulumiConfig(nested)).toEqual({
      values: {
        'aws:region': 'us-west-2',
        'nested_config:bar': '1234',
        'nested_config:foo': 'aha',
        'nested_config:myList': '["one","two","three"]',
        'nested_config:outer': '{"inner":"my_value","other":"something_else"}',
      },
      secureKeys: [],
    });
    const bare = readStackConfig(path.join(DATA, 'stack-config/pulumi-python-automation-yaml.Pulumi.dev.yaml'), 'testproj');
    expect(bare).toEqual({ 'testproj:plain': 'plain', 'testproj:secure': { secure: 'secret' } });
    expect(toPulumiConfig(bare)).toEqual({ values: { 'testproj:plain': 'plain' }, secureKeys: ['testproj:secure'] });
    const service = readStackConfig(path.join(DATA, 'stack-config/AustinWise-MastodonPulumi.Pulumi.dev.yaml'), 'MastodonPulumi');
    expect(toPulumiConfig(service).secureKeys).toEqual([
      'MastodonPulumi:SmtpPassword',
      'MastodonPulumi:VapidPrivateKey',
      'MastodonPulumi:VapidPublicKey',
    ]);
  });
});
