import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Validates the fake server's responses, and the requests it receives, against GitHub's
 * official OpenAPI description (the subset vendored under data/github), so neither the fake nor
 * the client can drift from the real wire format.
 */

export const GITHUB_OPENAPI_FILE = path.resolve(__dirname, '../../../data/github/github-subset.openapi.json');

const SPEC_ID = 'https://stackfit.test/github-subset.openapi.json';

interface OpenApiResponse {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface OpenApiOperation {
  operationId: string;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses: Record<string, OpenApiResponse>;
}
interface OpenApiSpec {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { responses: Record<string, OpenApiResponse>; schemas: Record<string, unknown> };
}

const pointerEscape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class ResponseSchemaValidator {
  private readonly ajv: Ajv;
  private readonly spec: OpenApiSpec;
  private readonly cache = new Map<string, ValidateFunction | null>();
  private readonly operations = new Map<string, { method: string; path: string }>();

  constructor(specFile = GITHUB_OPENAPI_FILE) {
    this.spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as OpenApiSpec;
    // strict: false — the document is OpenAPI, not pure JSON Schema (example, discriminator, …);
    // `nullable` is understood natively by Ajv 8.
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // GitHub's own format for `owner/name` (pulls/create's head_repo).
    this.ajv.addFormat('repo.nwo', /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/);
    this.ajv.addSchema({ ...this.spec, $id: SPEC_ID });
    for (const [p, ops] of Object.entries(this.spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op && typeof op === 'object' && 'operationId' in op) this.operations.set(op.operationId, { method, path: p });
      }
    }
  }

  hasOperation(operationId: string): boolean {
    return this.operations.has(operationId);
  }

  /** The validator of one operation's JSON response for one status; null when the spec documents no JSON body. */
  private validatorFor(operationId: string, status: number): ValidateFunction | null {
    const key = `${operationId} ${status}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const op = this.operations.get(operationId);
    if (!op) throw new Error(`operation ${operationId} is not in the GitHub OpenAPI subset`);
    const responses = this.spec.paths[op.path]![op.method]!.responses;
    let response = responses[String(status)];
    if (!response) throw new Error(`GitHub documents no ${status} response for ${operationId}`);
    let pointer = `/paths/${pointerEscape(op.path)}/${op.method}/responses/${status}`;
    if (response.$ref) {
      const name = response.$ref.replace('#/components/responses/', '');
      response = this.spec.components.responses[name];
      if (!response) throw new Error(`unresolved ${String(responses[String(status)]!.$ref)}`);
      pointer = `/components/responses/${pointerEscape(name)}`;
    }
    const json = response.content?.['application/json'];
    const validate = json?.schema ? this.ajv.compile({ $ref: `${SPEC_ID}#${pointer}/content/application~1json/schema` }) : null;
    this.cache.set(key, validate);
    return validate;
  }

  /**
   * Errors of `body` against the documented response of `operationId` for `status`
   * (empty when valid). A body where the spec documents none is itself an error.
   */
  validate(operationId: string, status: number, body: unknown): string[] {
    const validate = this.validatorFor(operationId, status);
    if (!validate) return body === undefined ? [] : [`${operationId} ${status}: GitHub documents no JSON body`];
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${operationId} ${status}: ${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ' ' + JSON.stringify(e.params) : ''}`,
    );
  }

  /**
   * Errors of a request `body` against `operationId`'s documented requestBody (empty when valid,
   * or when the operation documents none). `undefined` is a missing body: an error when required.
   */
  validateRequest(operationId: string, body: unknown): string[] {
    const op = this.operations.get(operationId);
    if (!op) return [];
    const requestBody = this.spec.paths[op.path]![op.method]!.requestBody;
    if (!requestBody?.content?.['application/json']?.schema) return [];
    if (body === undefined) return requestBody.required ? [`${operationId} request: a JSON body is required`] : [];
    const key = `request ${operationId}`;
    let validate = this.cache.get(key);
    if (!validate) {
      const pointer = `/paths/${pointerEscape(op.path)}/${op.method}/requestBody/content/application~1json/schema`;
      validate = this.ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
      this.cache.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${operationId} request: ${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ' ' + JSON.stringify(e.params) : ''}`,
    );
  }

  /** Validates against a component schema (for operations the subset lacks but whose body is a documented schema). */
  validateComponent(schemaName: string, body: unknown): string[] {
    if (!(schemaName in this.spec.components.schemas)) throw new Error(`schema ${schemaName} not in the subset`);
    const key = `component ${schemaName}`;
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/${pointerEscape(schemaName)}` });
      this.cache.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${schemaName}: ${e.instancePath || '/'} ${e.message ?? ''}`);
  }

  /** Example bodies GitHub ships with the spec, used as templates for the fake's objects. */
  example(name: string): unknown {
    const examples = (this.spec.components as unknown as { examples: Record<string, { value: unknown }> }).examples;
    const ex = examples[name];
    if (!ex) throw new Error(`example ${name} not in the subset`);
    return structuredClone(ex.value);
  }
}
