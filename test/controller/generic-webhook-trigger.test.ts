// The Generic Webhook Trigger plugin end to end (controller/generic-trigger.ts,
// pipeline/model/generic-trigger.ts): a real controller whose jobs declare
// `triggers { GenericTrigger(...) }` or `properties([pipelineTriggers([GenericTrigger(...)])])`;
// real HTTP requests to /generic-webhook-trigger/invoke with JSON, XML and form bodies, query
// parameters and headers. What a user sees: the plugin's JSON answer (resolved variables, the
// filter, the build started), the variables in the build's environment and parameters, jobs of
// other tokens untouched. The attacker's view: a wrong token, no token anonymously, the token in
// no API answer, values with shell metacharacters reaching `sh` as data, hostile bodies (deep
// nesting, a billion-laughs entity, a huge body) answered without harm.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, finishedBuild, consoleText, testConfig } from '../helpers/controller.ts';

const TOKEN = 'gwt-token-5b1e9';
const DECLARATIVE = `pipeline {
  agent any
  parameters { string(name: 'ref', defaultValue: 'none') }
  triggers {
    GenericTrigger(
      genericVariables: [
        [key: 'ref', value: '$.ref'],
        [key: 'repo', value: '$.repository'],
        [key: 'author', value: '$.commits[0].author.name', regexpFilter: '[^A-Za-z ;$()]', defaultValue: 'nobody'],
        [key: 'missing', value: '$.nothing.here', defaultValue: 'dflt'],
      ],
      genericRequestVariables: [[key: 'env', regexpFilter: '']],
      genericHeaderVariables: [[key: 'X-Event', regexpFilter: '']],
      causeString: 'Triggered on $ref',
      token: '${TOKEN}',
      regexpFilterText: '$ref',
      regexpFilterExpression: 'refs/heads/(main|release/.*)'
    )
  }
  stages {
    stage('Build') {
      steps {
        sh 'echo "ref=[$ref] repo_name=[$repo_name] author=[$author] missing=[$missing] env=[$env] event=[$x_event]"'
        echo "groovy param=\${params.ref}"
      }
    }
  }
}
`;

const SCRIPTED_XML = `properties([pipelineTriggers([GenericTrigger(
  genericVariables: [[key: 'ID', value: '/order/@id', expressionType: 'XPath'], [key: 'ITEM', value: '//item', expressionType: 'XPath']],
  token: 'xml-token', silentResponse: false)])])
node { sh 'echo "id=$ID items=$ITEM_0,$ITEM_1"' }
`;

const CRED_TOKEN = `pipeline {
  agent any
  triggers { GenericTrigger(genericVariables: [[key: 'v', value: '$.v']], tokenCredentialId: 'gwt-secret') }
  stages { stage('a') { steps { sh 'echo "v=$v"' } } }
}
`;

const NO_TOKEN = `pipeline {
  agent any
  triggers { GenericTrigger(genericVariables: [[key: 'who', value: '$.who']]) }
  stages { stage('a') { steps { sh 'echo "who=$who"' } } }
}
`;

const PRINTS = `pipeline {
  agent any
  triggers { GenericTrigger(genericVariables: [[key: 'v', value: '$.v'], [key: 'w', value: '$.w']], token: 'print-token', printPostContent: true, printContributedVariables: true) }
  stages { stage('a') { steps { echo "v is \${env.v}" } } }
}
`;

describe('GenericTrigger: /generic-webhook-trigger/invoke starts the jobs of the token with the variables of the request', () => {
  let c: ControllerHandle;
  const api = rawApi(() => c.url);
  const invoke = (q: string, body: unknown, headers: Record<string, string> = {}) =>
    api('POST', `/generic-webhook-trigger/invoke${q}`, body, { authorization: '', ...headers });

  before(async () => {
    const dir = tempDir('gwt');
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '2' }), { log: () => undefined });
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'gwt-secret', type: 'secretText', secret: 'from-a-credential-77' })).status, 201);
    for (const [name, script] of [['deploy', DECLARATIVE], ['orders', SCRIPTED_XML], ['open', NO_TOKEN], ['credjob', CRED_TOKEN], ['printer', PRINTS]] as const) {
      assert.equal((await api('POST', '/api/v1/jobs', { name, script })).status, 201);
      // The job knows its trigger once a build has read the pipeline (as Jenkins).
      assert.equal((await api('POST', `/api/v1/jobs/${name}/builds`, {})).status, 201);
      const b = await finishedBuild(c.url, name, 1);
      assert.equal(b.result, 'SUCCESS', await consoleText(c.url, name, 1));
    }
  });
  after(async () => { await c?.close(); });

  test('a JSON push with the token: variables from body, query and headers; the filter passes; the build gets them in env and parameters', async () => {
    const body = { ref: 'refs/heads/main', repository: { name: 'app; rm -rf /', url: 'https://git.example/app', 'a=b\u0000c': 'x\u0000y' }, commits: [{ author: { name: 'Eve $(id) `x`' } }] };
    const r = await invoke(`?token=${TOKEN}&env=prod`, body, { 'x-event': 'push' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.message, 'Triggered jobs.');
    const d = r.json.jobs.deploy;
    assert.equal(d.triggered, true);
    assert.equal(d.id, 2);
    assert.equal(d.regexpFilterText, 'refs/heads/main');
    assert.equal(d.resolvedVariables.ref, 'refs/heads/main');
    assert.equal(d.resolvedVariables.repo_name, 'app; rm -rf /');
    assert.equal(d.resolvedVariables.repo_a_b_c, 'xy', 'a field name that no variable name can hold, a NUL in a value: made safe');
    assert.equal(d.resolvedVariables.author, 'Eve $(id) x', 'the regexpFilter removed what it matches');
    assert.equal(d.resolvedVariables.missing, 'dflt');
    assert.equal(d.resolvedVariables.env, 'prod');
    assert.equal(d.resolvedVariables.x_event, 'push');
    assert.deepEqual(Object.keys(r.json.jobs), ['deploy'], 'only the job of this token');
    const b = await finishedBuild(c.url, 'deploy', 2);
    const log = await consoleText(c.url, 'deploy', 2);
    assert.equal(b.result, 'SUCCESS', log);
    assert.match(log, /ref=\[refs\/heads\/main\] repo_name=\[app; rm -rf \/\] author=\[Eve \$\(id\) x\] missing=\[dflt\] env=\[prod\] event=\[push\]/);
    assert.match(log, /groovy param=refs\/heads\/main/);
    assert.ok(b.causes.some((x: { description: string }) => x.description === 'Triggered on refs/heads/main'), JSON.stringify(b.causes));
    const job = (await api('GET', '/api/v1/jobs/deploy')).json;
    assert.doesNotMatch(JSON.stringify({ ...job, definition: null }) + r.text, new RegExp(TOKEN), 'the token is in no answer but the script the user wrote');
  });

  test('the filter: a branch it does not match starts nothing and says so; the token also comes as a Bearer or token header', async () => {
    const r = await invoke('', { ref: 'refs/heads/feature/x' }, { authorization: `Bearer ${TOKEN}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.jobs.deploy.triggered, false);
    assert.equal(r.json.jobs.deploy.id, 0);
    const h = await invoke('', { ref: 'refs/heads/release/1.0' }, { token: TOKEN });
    assert.equal(h.json.jobs.deploy.triggered, true);
    await finishedBuild(c.url, 'deploy', 3);
  });

  test('XPath on an XML body, from properties([pipelineTriggers([...])])', async () => {
    const res = await fetch(new URL('generic-webhook-trigger/invoke?token=xml-token', c.url), { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><order id="42"><item>a&amp;b</item><item>c</item></order>' });
    const j = await res.json() as any;
    assert.equal(res.status, 200, JSON.stringify(j));
    assert.equal(j.jobs.orders.resolvedVariables.ID, '42');
    assert.equal(j.jobs.orders.resolvedVariables.ITEM_0, 'a&b');
    const log = await consoleText(c.url, 'orders', (await finishedBuild(c.url, 'orders', 2)).number);
    assert.match(log, /id=42 items=a&b,c/);
  });

  test('tokenCredentialId: the secret of a secret text credential is the token', async () => {
    const r = await invoke('?token=from-a-credential-77', { v: 'one' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json.jobs), ['credjob']);
    assert.equal(r.json.jobs.credjob.triggered, true);
    assert.match(await consoleText(c.url, 'credjob', (await finishedBuild(c.url, 'credjob', 2)).number), /v=one/);
    assert.equal((await invoke('?token=gwt-secret', { v: 'x' })).status, 404, 'the credential id is no token');
  });

  test('printPostContent and printContributedVariables: the body and the variables at the build\'s start, once; a huge body cut', async () => {
    const r = await invoke('?token=print-token', { v: 'one', w: 'two words' });
    assert.equal(r.status, 200, r.text);
    const n = r.json.jobs.printer.id;
    const log = await consoleText(c.url, 'printer', (await finishedBuild(c.url, 'printer', n)).number);
    assert.ok(log.includes('GenericWebhookEnvironmentContributor\n Received:\n\n{"v":"one","w":"two words"}\n\n\n'), log);
    assert.ok(log.includes('Contributing variables:\n\n    v = one\n    w = two words\n'), log);
    assert.equal(log.split('Contributing variables:').length, 2, 'printed once');
    assert.ok(log.indexOf('Contributing variables:') < log.indexOf('v is one'), 'before the pipeline runs');
    const b = (await api('GET', `/api/v1/jobs/printer/builds/${n}`)).json;
    assert.doesNotMatch(JSON.stringify(b.causes), /Received/, 'the printed text stays out of the API answer');

    const big = await invoke('?token=print-token', { v: 'small', pad: 'x'.repeat(900 * 1024) });
    assert.equal(big.status, 200, big.text.slice(0, 500));
    const bigLog = await consoleText(c.url, 'printer', (await finishedBuild(c.url, 'printer', big.json.jobs.printer.id)).number);
    assert.match(bigLog, /\.\.\. \(\d+ more characters not shown\)/);
    assert.match(bigLog, /v is small/);
    assert.ok(bigLog.length < 300 * 1024, `the console holds the cut body only (${bigLog.length} characters)`);
  });

  test('the attacker: a wrong token, no token anonymously, hostile bodies', async () => {
    const wrong = await invoke('?token=guess', { ref: 'refs/heads/main' });
    assert.equal(wrong.status, 404);
    assert.match(wrong.json.message, /^Did not find any jobs with GenericTrigger configured!\nA token was supplied\./);
    const anon = await invoke('', { who: 'eve' });
    assert.equal(anon.status, 404);
    assert.match(anon.json.message, /No token was supplied/);
    // An authenticated user who may build the job starts the job without a token.
    const user = await api('POST', '/generic-webhook-trigger/invoke', { who: 'admin' });
    assert.equal(user.status, 200, user.text);
    assert.equal(user.json.jobs.open.triggered, true);
    await finishedBuild(c.url, 'open', 2);

    const deep = '['.repeat(200000) + ']'.repeat(200000);
    const deepRes = await fetch(new URL(`generic-webhook-trigger/invoke?token=${TOKEN}`, c.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    const dj = await deepRes.json() as any;
    assert.equal(deepRes.status, 200, JSON.stringify(dj));
    assert.equal(dj.jobs.deploy.triggered, false, 'no variables from a body that is no object; the filter text is empty');

    const lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><order id="&lol2;"><item>x</item></order>';
    const x = await fetch(new URL('generic-webhook-trigger/invoke?token=xml-token', c.url), { method: 'POST', headers: { 'content-type': 'application/xml' }, body: lol });
    const xj = await x.json() as any;
    assert.ok(x.status === 200, JSON.stringify(xj));
    assert.ok((xj.jobs.orders.resolvedVariables.ID ?? '').length < 100, 'no entity expansion');
    await finishedBuild(c.url, 'orders', 3);

    const huge = await fetch(new URL(`generic-webhook-trigger/invoke?token=${TOKEN}`, c.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'x'.repeat(2 * 1024 * 1024) }) });
    assert.equal(huge.status, 413);
  });
});
