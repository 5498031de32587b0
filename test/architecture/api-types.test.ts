// The API types the web UI and the CLI compile against (src/api/types.gen.ts) are the ones the
// controller's OpenAPI document gives today: regenerated here in memory from a controller
// started in this process (scripts/gen-api-types.ts) and compared with the committed file, so a
// changed route schema without regenerated types fails the test run (and CI).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { API_TYPES_FILE, apiDocument, apiTypes } from '../../scripts/gen-api-types.ts';

test('src/api/types.gen.ts is generated from the API document as it is now', async () => {
  const fresh = await apiTypes(await apiDocument());
  const committed = readFileSync(API_TYPES_FILE, 'utf8');
  if (committed === fresh) return;
  const a = committed.split('\n');
  const b = fresh.split('\n');
  const at = a.findIndex((line, i) => line !== b[i]);
  assert.fail(`src/api/types.gen.ts is stale (it differs from line ${at + 1}: ${JSON.stringify(a[at] ?? '<end>')} where the document gives ${JSON.stringify(b[at] ?? '<end>')}): run node scripts/gen-api-types.ts`);
});
