// The library step's retriever as Kiln reads it: from the Jenkinsfile's tree (lint, and the
// requests a host resolves before the build) and from the values the step receives at run
// time. Each git form gives its URL and credential; github(...) becomes its https URL; scm is the
// job's own repository (url null); every other form is refused with a message saying what to write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { libraryRequests, loadPipeline } from '../../../src/pipeline/load.ts';
import { retrieverOfValue } from '../../../src/pipeline/libraries/requests.ts';
import { registry } from '../../helpers/registry.ts';

const req = (src: string) => libraryRequests(src).map((r) => ({ name: r.name, version: r.version, retriever: r.retriever ?? null, changelog: r.changelog ?? null }));

test('the retriever forms read from the Jenkinsfile', () => {
  assert.deepEqual(req("library(identifier: 'a@v1', retriever: modernSCM([$class: 'GitSCMSource', remote: 'https://h/a.git', credentialsId: 'tok']))"),
    [{ name: 'a', version: 'v1', retriever: { url: 'https://h/a.git', credentialsId: 'tok', form: 'modernSCM(GitSCMSource)' }, changelog: null }]);
  assert.deepEqual(req("library(identifier: 'b@main', retriever: modernSCM(github(repoOwner: 'acme', repository: 'tools', credentialsId: 'gh')), changelog: false)"),
    [{ name: 'b', version: 'main', retriever: { url: 'https://github.com/acme/tools.git', credentialsId: 'gh', form: 'modernSCM(github)' }, changelog: false }]);
  assert.deepEqual(req("library(identifier: 'c@main', retriever: legacySCM(scm))"),
    [{ name: 'c', version: 'main', retriever: { url: null, credentialsId: null, form: 'legacySCM(scm)' }, changelog: null }]);
  assert.deepEqual(req("library(identifier: 'd@main', retriever: legacySCM([$class: 'GitSCM', userRemoteConfigs: [[url: 'git@h:d.git', credentialsId: 'key']]]))"),
    [{ name: 'd', version: 'main', retriever: { url: 'git@h:d.git', credentialsId: 'key', form: 'legacySCM(GitSCM)' }, changelog: null }]);
});

test('forms Kiln cannot fetch are lint errors; a URL in a variable is a warning', () => {
  const diags = (src: string) => loadPipeline(src, registry).diagnostics.filter((d) => d.code === 'library-retriever').map((d) => `${d.severity}: ${d.message}`);
  assert.match(diags("library(identifier: 'a@1', retriever: modernSCM(git('https://h/a.git')))\n")[0]!, /^error: library: modernSCM\(git\(\.\.\.\)\): git here is the git step .* write modernSCM\(\[\$class: 'GitSCMSource'/);
  assert.match(diags("library(identifier: 'a@1', retriever: modernSCM(github(repository: 'x')))\n")[0]!, /^error: .*needs repoOwner and repository/);
  assert.match(diags("library(identifier: 'a@1', retriever: 'https://h/a.git')\n")[0]!, /^error: library: retriever: Kiln fetches a library from git, written as modernSCM/);
  assert.match(diags("def u = 'https://h/a.git'\nlibrary(identifier: 'a@1', retriever: modernSCM([$class: 'GitSCMSource', remote: u]))\n")[0]!, /^warning: library: remote is not a literal string/);
  assert.match(diags("library(identifier: 'a', retriever: legacySCM(scm))\n")[0]!, /^error: Must specify a version for library a/);
});

test('the retriever the step receives at run time', () => {
  const m = (o: Record<string, unknown>) => new Map(Object.entries(o)) as never;
  assert.deepEqual(retrieverOfValue(m({ $symbol: 'modernSCM', scm: m({ $class: 'GitSCMSource', remote: 'ssh://h/x.git', credentialsId: 'k' }) })),
    { retriever: { url: 'ssh://h/x.git', credentialsId: 'k', form: 'modernSCM(GitSCMSource)' } });
  assert.deepEqual(retrieverOfValue(m({ $symbol: 'modernSCM', scm: m({ $symbol: 'github', repoOwner: 'o', repository: 'r.git' }) })),
    { retriever: { url: 'https://github.com/o/r.git', credentialsId: null, form: 'modernSCM(github)' } });
  assert.deepEqual(retrieverOfValue(m({ $symbol: 'legacySCM', scm: m({ $class: 'GitSCM', userRemoteConfigs: [m({ url: 'https://h/y.git' })] }) })),
    { retriever: { url: 'https://h/y.git', credentialsId: null, form: 'legacySCM(GitSCM)' } });
  assert.match((retrieverOfValue(m({ $symbol: 'modernSCM', scm: m({ $class: 'MercurialSCMSource', source: 'x' }) })) as { problem: string }).problem, /git only/);
  assert.match((retrieverOfValue('https://h/z.git') as { problem: string }).problem, /written as modernSCM/);
});
