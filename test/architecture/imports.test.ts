// The import rules of .dependency-cruiser.cjs (no circles, src/core contracts only, the layers
// that hold today) checked on src with dependency-cruiser's API: part of every test run, so of CI.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = path.resolve(import.meta.dirname, '../..');

test('src keeps the import rules of .dependency-cruiser.cjs', async () => {
  const cwd = process.cwd();
  process.chdir(root); // the rules and the cruise speak in paths relative to the repository
  let result: ICruiseResult;
  try {
    const options = await extractDepcruiseOptions(path.join(root, '.dependency-cruiser.cjs'));
    const tsConfig = extractTSConfig(path.join(root, 'tsconfig.json'));
    const reporting = await cruise(['src'], { ...options, validate: true }, undefined, { tsConfig });
    result = reporting.output as ICruiseResult;
  } finally {
    process.chdir(cwd);
  }
  assert.ok(result.summary.totalCruised > 100, `cruised only ${result.summary.totalCruised} modules`);
  const rules = (result.summary.ruleSetUsed?.forbidden ?? []).map((r) => r.name);
  for (const name of ['no-circular', 'core-is-contracts-only', 'exec-imports-only-core-util', 'agent-imports-only-agent-protocol-core-util-exec']) assert.ok(rules.includes(name), `rule ${name} missing`);
  const lines = result.summary.violations.map((v) => {
    const cycle = v.cycle && v.cycle.length > 0 ? `\n      circle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')}` : '';
    return `  ${v.rule.name}: ${v.from} → ${v.to}${cycle}`;
  });
  assert.equal(lines.length, 0, `import rules broken (see .dependency-cruiser.cjs and docs/architecture.md):\n${lines.join('\n')}`);
});
