/**
 * Validates HTTP responses against Fortnox's own OpenAPI document (../shared/fortnox/openapi.json),
 * patched only for the gaps listed in ../shared/fortnox/SOURCE.md and fortnox-api.md §4:
 *  - list envelopes carry `MetaInformation` (`@TotalResources`, `@TotalPages`, `@CurrentPage`);
 *  - error bodies come in two casings (`Error/Message/Code` and `error/message/code`), plus the
 *    API layer's 401 `{"message":"unauthorized"}` and a 429;
 *  - `GET /3/sie/{Type}` answers 200 with the file's bytes instead of 204;
 *  - field types are loose in reality (fortnox-api.md §4 item 6): scalars may be `null`, numbers may
 *    arrive as strings and string fields may hold numbers, booleans may be "true"/"false", and value
 *    constraints (maxLength, minimum, enum, pattern) are not kept by Fortnox's own data.
 *  - three keys real 2023 responses carry that the document lacks (REAL_KEYS_MISSING_FROM_DOCUMENT).
 * What stays strict is the *shape*: which operation answers, the envelope key, objects vs arrays vs
 * scalars, and that every key sent is one the document declares (no invented fields).
 * The validator must accept every real recorded body; openapi-shape.test.ts proves that.
 */
import { readFileSync } from 'node:fs';

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  required?: string[];
};

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

export interface ShapeProblem {
  path: string;
  message: string;
}

export interface ResponseCheck {
  /** The OpenAPI path template that matched, e.g. `/3/customers/{CustomerNumber}`. */
  template: string;
  problems: ShapeProblem[];
}

export const OPENAPI_PATH = new URL('../../../../shared/fortnox/openapi.json', import.meta.url);

const META: Schema = {
  type: 'object',
  properties: {
    '@TotalResources': { type: 'integer' },
    '@TotalPages': { type: 'integer' },
    '@CurrentPage': { type: 'integer' },
  },
  required: ['@TotalResources', '@TotalPages', '@CurrentPage'],
};

const ERROR_BODY: Schema = {
  type: 'object',
  properties: {
    ErrorInformation: {
      type: 'object',
      properties: {
        Error: { type: 'integer' }, Message: { type: 'string' }, Code: { type: 'integer' },
        error: { type: 'integer' }, message: { type: 'string' }, code: { type: 'integer' },
      },
    },
  },
  required: ['ErrorInformation'],
};
const UNAUTHORIZED_BODY: Schema = { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] };
/** Schemas written here, whose `required` keys are enforced. */
const PATCHES = new WeakSet<Schema>([META, ERROR_BODY, UNAUTHORIZED_BODY]);

/** Keys seen in the real recorded bodies but not declared in Fortnox's document. */
const REAL_KEYS_MISSING_FROM_DOCUMENT: Record<string, Record<string, Schema>> = {
  fortnox_Article: { CommodityCode: { type: 'string' } }, // articles/limits/*.yml
  fortnox_Invoice: { InvoiceReference: { type: 'string' } }, // invoices/save_*.yml
  fortnox_Invoice_InvoiceRow: { Cost: { type: 'number' } }, // invoices/row_*.yml
};

export class OpenApiShapes {
  readonly #schemas: Record<string, Schema>;
  readonly #paths: { template: string; segments: string[]; ops: Record<string, Operation> }[];

  constructor(document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } }) {
    this.#schemas = { ...document.components.schemas };
    for (const [name, extra] of Object.entries(REAL_KEYS_MISSING_FROM_DOCUMENT)) {
      const original = this.#schemas[name];
      if (original === undefined) throw new Error(`OpenAPI document lacks schema ${name}`);
      this.#schemas[name] = { ...original, properties: { ...original.properties, ...extra } };
    }
    this.#paths = Object.entries(document.paths).map(([template, ops]) => ({ template, segments: template.split('/').filter(Boolean), ops }));
  }

  static load(): OpenApiShapes {
    return new OpenApiShapes(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as ConstructorParameters<typeof OpenApiShapes>[0]);
  }

  /** The operation for a concrete path; literal segments win over parameters, as a router would. */
  findOperation(method: string, pathname: string): { template: string; operation: Operation } | undefined {
    const segments = pathname.split('/').filter(Boolean);
    let best: { template: string; operation: Operation; literals: number } | undefined;
    for (const p of this.#paths) {
      const operation = p.ops[method.toLowerCase()];
      if (operation === undefined || p.segments.length !== segments.length) continue;
      let literals = 0;
      const matches = p.segments.every((s, i) => {
        if (s.startsWith('{')) return true;
        literals++;
        return s.toLowerCase() === segments[i]?.toLowerCase();
      });
      if (matches && (best === undefined || literals > best.literals)) best = { template: p.template, operation, literals };
    }
    return best;
  }

  /**
   * Checks one response. `body` is the parsed JSON body, or undefined for a binary body, in which
   * case the content type is checked against the document instead.
   */
  checkResponse(method: string, pathname: string, status: number, contentType: string, body: unknown): ResponseCheck {
    const found = this.findOperation(method, pathname);
    if (found === undefined) return { template: '', problems: [{ path: '', message: `no operation ${method} ${pathname} in Fortnox's OpenAPI document` }] };
    const problems: ShapeProblem[] = [];
    const { template, operation } = found;
    const mime = contentType.split(';')[0]?.trim().toLowerCase() ?? '';

    if (status === 401) return { template, problems: this.#check(UNAUTHORIZED_BODY, body, '') };
    if (status === 429) return { template, problems: body === undefined ? [] : this.#check(UNAUTHORIZED_BODY, body, '') };
    if (status >= 400) return { template, problems: this.#check(ERROR_BODY, body, '') };

    if (template === '/3/sie/{Type}') {
      // Patched: the real reply is the SIE file (fortnox-api.md §3.4), not 204.
      if (status !== 200 || body !== undefined) problems.push({ path: '', message: `SIE export must be 200 with the file's bytes, got ${status}` });
      return { template, problems };
    }
    const response = operation.responses[String(status)];
    if (response === undefined) return { template, problems: [{ path: '', message: `status ${status} is not documented for ${method} ${template} (documented: ${Object.keys(operation.responses).join(', ')})` }] };
    const content = response.content ?? {};
    const declared = Object.keys(content);
    if (declared.length === 0) {
      if (body !== undefined) problems.push({ path: '', message: `${status} must have no body` });
      return { template, problems };
    }
    if (body === undefined) {
      if (!declared.some((d) => d === '*/*' || d === mime)) problems.push({ path: '', message: `content type ${mime} not among ${declared.join(', ')}` });
      return { template, problems };
    }
    const schema = content['application/json']?.schema;
    if (schema === undefined) return { template, problems: [{ path: '', message: `JSON body where the document declares ${declared.join(', ')}` }] };
    return { template, problems: this.#check(this.#withListMeta(schema), body, '') };
  }

  /** Patch 1: a list envelope (a wrapper whose only property is an array) also carries MetaInformation. */
  #withListMeta(schema: Schema): Schema {
    const resolved = this.#resolve(schema);
    const props = resolved.properties ?? {};
    const keys = Object.keys(props);
    const only = keys.length === 1 ? this.#resolve(props[keys[0] as string] as Schema) : undefined;
    if (only?.type !== 'array') return resolved;
    const patched: Schema = { ...resolved, properties: { MetaInformation: META, ...props }, required: ['MetaInformation', ...keys] };
    PATCHES.add(patched);
    return patched;
  }

  #resolve(schema: Schema): Schema {
    let s = schema;
    for (let depth = 0; s.$ref !== undefined; depth++) {
      if (depth > 20) throw new Error(`reference cycle at ${s.$ref}`);
      const name = s.$ref.replace('#/components/schemas/', '');
      const target = this.#schemas[name];
      if (target === undefined) throw new Error(`unknown schema ${s.$ref}`);
      s = target;
    }
    return s;
  }

  #check(schema: Schema, value: unknown, path: string): ShapeProblem[] {
    const s = this.#resolve(schema);
    const type = s.type ?? (s.properties !== undefined ? 'object' : s.items !== undefined ? 'array' : undefined);
    if (value === null) return []; // unset values are null in real bodies whatever the declared type
    switch (type) {
      case 'object': {
        if (typeof value !== 'object' || Array.isArray(value)) return [{ path, message: `expected an object, got ${describe(value)}` }];
        const problems: ShapeProblem[] = [];
        const props = s.properties ?? {};
        const rec = value as Record<string, unknown>;
        for (const [key, v] of Object.entries(rec)) {
          const sub = props[key];
          if (sub === undefined) {
            if (s.additionalProperties === undefined || s.additionalProperties === false) problems.push({ path: `${path}/${key}`, message: 'key not declared in the schema' });
            else if (typeof s.additionalProperties === 'object') problems.push(...this.#check(s.additionalProperties, v, `${path}/${key}`));
            continue;
          }
          problems.push(...this.#check(sub, v, `${path}/${key}`));
        }
        // Only our patches' requirements are enforced: Fortnox's own `required` lists are not kept by its data.
        if (PATCHES.has(s)) {
          for (const key of s.required ?? []) if (!(key in rec)) problems.push({ path: `${path}/${key}`, message: 'required key missing' });
        }
        return problems;
      }
      case 'array': {
        if (!Array.isArray(value)) return [{ path, message: `expected an array, got ${describe(value)}` }];
        if (s.items === undefined) return [];
        return value.flatMap((v, i) => this.#check(s.items as Schema, v, `${path}/${i}`));
      }
      case 'string':
        return typeof value === 'string' || typeof value === 'number' ? [] : [{ path, message: `expected a string, got ${describe(value)}` }];
      case 'number':
      case 'integer':
        return typeof value === 'number' || (typeof value === 'string' && (value === '' || Number.isFinite(Number(value)))) ? [] : [{ path, message: `expected a number, got ${describe(value)}` }];
      case 'boolean':
        return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : [{ path, message: `expected a boolean, got ${describe(value)}` }];
      default:
        return [];
    }
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}
