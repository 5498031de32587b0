// Writes docs/steps.md from the plugin list's step declarations (src/cli/steps-doc.ts):
//   node scripts/gen-steps-doc.ts
// test/cli/steps-doc.test.ts fails when the file is not what this writes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { StepRegistry } from '../src/pipeline/steps/registry.ts';
import { builtins } from '../src/plugins/index.ts';
import { stepsMarkdown } from '../src/cli/steps-doc.ts';

const file = path.join(import.meta.dirname, '..', 'docs', 'steps.md');
writeFileSync(file, stepsMarkdown(new StepRegistry(builtins)));
console.log(`wrote ${file}`);
