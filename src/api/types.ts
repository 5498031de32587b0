// The HTTP API's types as clients use them: `Schemas['Job']` (a named schema of the OpenAPI
// document), `AnswerOf<'listJobs'>` (what an operation answers when it succeeds),
// `BodyOf<'createJob'>` (the JSON it reads). All from types.gen.ts, which
// scripts/gen-api-types.ts generates from the controller's document; the web UI
// (web/src/types.ts) and the CLI (src/cli/) import these, type-only: nothing here runs.
import type { components, operations } from './types.gen.ts';

export type { components, operations, paths } from './types.gen.ts';

export type Schemas = components['schemas'];
export type OperationId = keyof operations;

type JsonOf<R> = R extends { content: { 'application/json': infer A } } ? A : never;

/** The JSON an operation answers with when it succeeds (its 200, else its 201). */
export type AnswerOf<Op extends OperationId> = operations[Op]['responses'] extends infer R
  ? R extends { 200: infer A } ? JsonOf<A> : R extends { 201: infer A } ? JsonOf<A> : never
  : never;

/** The JSON body an operation reads. */
export type BodyOf<Op extends OperationId> = operations[Op] extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
