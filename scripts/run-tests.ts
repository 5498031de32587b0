// Runs every test file under test/ with Node's built-in test runner.
// Usage: node scripts/run-tests.ts [pattern...]   (default: every test/**/*.test.ts)
import { spawnSync } from 'node:child_process';

const patterns = process.argv.slice(2);
const args = [
  '--test',
  '--test-reporter=spec',
  `--test-concurrency=${process.env.KILN_TEST_CONCURRENCY ?? '2'}`,
  '--test-timeout=300000',
  ...(patterns.length > 0 ? patterns : ['test/**/*.test.ts']),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
