/**
 * The AnalyzeStack request is encoded one resource at a time (memory: issue 13). Its bytes must be
 * exactly what google-protobuf writes for the same request built the usual way.
 */
import { describe, expect, it } from 'vitest';
import { PolicySession, type HarnessResource } from '../../src/policy-harness/session';
import { lengthDelimitedField } from '../../src/policy-harness/session';
import { toStruct } from '../../src/policy-harness/encode';
import { analyzerProto } from '../../src/policy-harness/proto';

const provider = {
  urn: 'urn:pulumi:s::p::pulumi:providers:aws::default',
  type: 'pulumi:providers:aws',
  name: 'default',
  inputs: { region: 'us-east-1' },
};
const resources: HarnessResource[] = [
  {
    urn: 'urn:pulumi:s::p::aws:ec2/instance:Instance::a',
    type: 'aws:ec2/instance:Instance',
    inputs: { instanceType: 't3.micro' },
    outputs: { instanceType: 't3.micro', tags: { x: 'é'.repeat(200) } },
    provider,
    parent: 'urn:pulumi:s::p::pulumi:pulumi:Stack::p-s',
    dependencies: ['urn:x'],
    propertyDependencies: { ami: ['urn:y'] },
    protect: true,
  },
  {
    urn: 'urn:pulumi:s::p::aws:ec2/instance:Instance::b',
    type: 'aws:ec2/instance:Instance',
    inputs: { instanceType: 'm5.large', big: 'z'.repeat(70_000) },
    provider,
  },
];

describe('AnalyzeStack request encoding', () => {
  it('is byte-identical to the request google-protobuf builds', () => {
    const { pb } = analyzerProto();
    // The method reads no pack state but its provider-message cache.
    const session = Object.create(PolicySession.prototype) as PolicySession;
    Object.assign(session as object, { providerMessages: new WeakMap() });
    const actual = session.analyzeStackRequest(resources).serializeBinary();
    const expected = new pb.AnalyzeStackRequest();
    expected.setResourcesList(
      resources.map((r) => {
        const m = new pb.AnalyzerResource();
        m.setUrn(r.urn);
        m.setType(r.type);
        m.setName(r.urn.split('::').pop()!);
        m.setProperties(toStruct(r.outputs ?? r.inputs));
        const o = new pb.AnalyzerResourceOptions();
        if (r.parent) o.setParent(r.parent);
        if (r.protect) o.setProtect(true);
        m.setOptions(o);
        if (r.parent) m.setParent(r.parent);
        if (r.dependencies) m.setDependenciesList(r.dependencies);
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
          const deps = new pb.AnalyzerPropertyDependencies();
          deps.setUrnsList(urns);
          m.getPropertydependenciesMap().set(k, deps);
        }
        const p = new pb.AnalyzerProviderResource();
        p.setUrn(provider.urn);
        p.setType(provider.type);
        p.setName(provider.name);
        p.setProperties(toStruct(provider.inputs));
        m.setProvider(p);
        return m;
      }),
    );
    expect(Buffer.from(actual).equals(Buffer.from(expected.serializeBinary()))).toBe(true);
    expect(
      pb.AnalyzeStackRequest.deserializeBinary(actual)
        .getResourcesList()
        .map((r) => r.getUrn()),
    ).toEqual(resources.map((r) => r.urn));
  });

  it('writes lengths as protobuf varints', () => {
    expect([...lengthDelimitedField(1, 5)]).toEqual([0x0a, 5]);
    expect([...lengthDelimitedField(1, 300)]).toEqual([0x0a, 0xac, 0x02]);
    expect([...lengthDelimitedField(1, 70_123)]).toEqual([0x0a, 0xeb, 0xa3, 0x04]);
  });
});
