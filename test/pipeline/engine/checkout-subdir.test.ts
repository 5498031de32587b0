// options { checkoutToSubdirectory(...) } with the path written as an expression (a script
// variable and a script function in a GString), as Jenkins' suite has it: validation accepts it,
// and the default checkout of a real git repository lands in the evaluated directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, userLines } from './harness.ts';
import { libraryRepo } from '../../helpers/git-servers.ts';

test('checkoutToSubdirectory("${var}/${fn()}") checks out into the directory the expression names', async () => {
  const repo = libraryRepo({ 'README.md': 'checked out\n' }, 'subdir-src');
  repo.commit({ 'README.md': 'checked out\n' }, 'first');
  const source = `
def base = 'nested'
def leaf() { return 'src' }
pipeline {
  agent any
  options { checkoutToSubdirectory("\${base}/\${leaf()}") }
  stages {
    stage('look') { steps { sh 'cat nested/src/README.md' } }
  }
}
`;
  const { state, console } = await runPipeline(source, { scm: { url: repo.bare, branch: 'main', credentialsId: null } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(userLines(console).includes('checked out'), console);
});

// Jenkins' CheckoutScript: every declarative agent checks out, a stage's own too (in the stage,
// without a synthetic stage), unless skipDefaultCheckout is set for the pipeline or that stage.
test('a stage\'s own agent checks the repository out; skipDefaultCheckout (stage or pipeline) and checkoutToSubdirectory apply', async () => {
  const repo = libraryRepo({ 'README.md': 'from the repo\n' }, 'stage-agent-src');
  repo.commit({ 'README.md': 'from the repo\n' }, 'first');
  const scm = { url: repo.bare, branch: 'main', credentialsId: null };
  const stageAgent = (ws: string, extra = '') => `agent { node { label 'any'; customWorkspace '${ws}' } }${extra}`;
  const look = `steps { sh 'if [ -e README.md ]; then cat README.md; else echo NOTHING; fi; if [ -e sub/README.md ]; then echo IN-SUB; fi' }`;
  let stageNames: string[] = [];
  const run = async (options: string, stages: string) => {
    const { state, console } = await runPipeline(`
pipeline {
  agent none
  ${options}
  stages { ${stages} }
}`, { scm });
    stageNames = state.stages.map((s) => s.name);
    return userLines(console);
  };

  let lines = await run('', `stage('a') { ${stageAgent('a')} ${look} }
    stage('b') { ${stageAgent('b', ' options { skipDefaultCheckout() }')} ${look} }`);
  assert.deepEqual(lines.filter((l) => l === 'from the repo' || l === 'NOTHING'), ['from the repo', 'NOTHING'], lines.join('\n'));
  assert.deepEqual(stageNames, ['a', 'b'], 'no "Declarative: Checkout SCM" stage for a stage\'s agent');

  lines = await run('options { skipDefaultCheckout() }', `stage('a') { ${stageAgent('p')} ${look} }`);
  assert.ok(lines.includes('NOTHING'), lines.join('\n'));

  lines = await run("options { checkoutToSubdirectory('sub') }", `stage('a') { ${stageAgent('s')} ${look} }`);
  assert.ok(lines.includes('IN-SUB') && lines.includes('NOTHING'), lines.join('\n'));
});
