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
