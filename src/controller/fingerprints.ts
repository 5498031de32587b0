// The fingerprints API (store/fingerprints.ts keeps them; pipeline/steps/fingerprint.ts records
// them), registered by compose.ts. Read-only, for any logged-in user as builds and artifacts are
// (auth/policy.ts): a build's fingerprinted files, and one MD5's original and the builds that used it,
// as Jenkins' "See Fingerprints" and /fingerprint/<md5>/ pages show them.
//
//   GET /api/v1/jobs/:job/builds/:number/fingerprints   { fingerprints: [{ path, md5, fileName, original, createdAt }] }
//   GET /api/v1/fingerprints/:md5                      { md5, fileName, original, createdAt, uses: [{ job, number }] }
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Store } from '../store/types.ts';
import { ApiError } from './http-errors.ts';
import { Answer, answers, type TypeBoxProvider } from './api-schemas.ts';

const BuildRef = Type.Object({ job: Type.String(), number: Type.Integer() });
const Original = Type.Union([BuildRef, Type.Null()], { description: 'the build that made the file; null: made outside Kiln, or before a build recorded it' });

export function registerFingerprintRoutes(root: FastifyInstance, deps: { store: Store }): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  app.get('/api/v1/jobs/:job/builds/:number/fingerprints', {
    schema: {
      operationId: 'listBuildFingerprints', tags: ['builds'], summary: "The files the build fingerprinted (fingerprint, archiveArtifacts(fingerprint: true), copyArtifacts), by path",
      params: Type.Object({ job: Type.String(), number: Type.Integer({ minimum: 1 }) }),
      response: answers({ 200: Answer({ fingerprints: Type.Array(Type.Object({ path: Type.String(), md5: Type.String(), fileName: Type.String(), original: Original, createdAt: Type.Integer() })) }) }),
    },
  }, async (req) => {
    const b = await deps.store.builds.getByNumber(req.params.job, req.params.number);
    if (!b) {
      if (!(await deps.store.jobs.get(req.params.job))) throw new ApiError('not-found', `no job named '${req.params.job}'`);
      throw new ApiError('not-found', `${req.params.job} has no build #${req.params.number}`);
    }
    return { fingerprints: await deps.store.fingerprints.ofBuild(b.id) };
  });
  app.get('/api/v1/fingerprints/:md5', {
    schema: {
      operationId: 'getFingerprint', tags: ['builds'], summary: "A file's fingerprint by MD5: the build that made it and every build that recorded it",
      params: Type.Object({ md5: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'the MD5, 32 lowercase hex digits' }) }),
      response: answers({ 200: Answer({ md5: Type.String(), fileName: Type.String(), original: Original, createdAt: Type.Integer(), uses: Type.Array(BuildRef) }) }),
    },
  }, async (req) => {
    const fp = await deps.store.fingerprints.get(req.params.md5);
    if (!fp) throw new ApiError('not-found', `no build recorded a file with MD5 ${req.params.md5}`);
    return fp;
  });
}
