// The two schemas the Benchmark plugin ships for JSON result files (its schemas/default.json and
// schemas/simplest.json, as its doc/EXAMPLE_SCHEMA_JSON_*.md describe them), written here as the
// data the mapper (map.ts) walks:
//   defaultSchema   { groups: [{ name, description, parameters: [..], tests: [{ name, description,
//                   parameters: [..], results: [{ name, description, unit, boolValue | intValue |
//                   dblValue | value, thresholds: [{ method, minimum, maximum, delta, percentage }] }] }] }] }
//   simplestSchema  one result at the root: { name, description, value, unit, id, message,
//                   parameters: [..], thresholds: [..] }
// In both, a boolean result whose value is true is a failure (the schemas' `failure: { value: true }`).
export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  failure?: unknown;
  failures?: unknown[];
}

const leaf = (type: string): Schema => ({ type });

const PARAMETERS: Schema = { type: 'array', items: { type: 'parameter', properties: { name: leaf('name'), description: leaf('description'), unit: leaf('unit'), value: leaf('value') } } };
const THRESHOLDS: Schema = {
  type: 'array',
  items: { type: 'threshold', properties: { method: leaf('method'), minimum: leaf('minimum'), maximum: leaf('maximum'), delta: leaf('delta'), percentage: leaf('percentage') } },
};

export const DEFAULT_SCHEMA: Schema = {
  description: 'Default schema of the Benchmark Jenkins plug-in',
  failure: { value: true },
  type: 'object',
  properties: {
    groups: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: leaf('name'), description: leaf('description'), parameters: PARAMETERS,
          tests: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: leaf('name'), description: leaf('description'), parameters: PARAMETERS,
                results: {
                  type: 'array',
                  items: {
                    type: 'result',
                    properties: {
                      name: leaf('name'), description: leaf('description'), unit: leaf('unit'),
                      boolValue: leaf('boolean'), intValue: leaf('integer'), dblValue: leaf('double'), value: leaf('value'),
                      thresholds: THRESHOLDS,
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

export const SIMPLEST_SCHEMA: Schema = {
  description: 'Simplest result',
  failure: { value: true },
  type: 'result',
  properties: {
    name: leaf('name'), description: leaf('description'), value: leaf('value'), unit: leaf('unit'), id: leaf('id'), message: leaf('message'),
    parameters: PARAMETERS, thresholds: THRESHOLDS,
  },
};

export const SCHEMAS: Readonly<Record<string, Schema>> = { defaultSchema: DEFAULT_SCHEMA, simplestSchema: SIMPLEST_SCHEMA };
