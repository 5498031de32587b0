// The Active Choices plugin's parameters on a real controller: jobs whose Jenkinsfiles declare
// activeChoice / reactiveChoice / activeChoiceHtml (declarative `parameters {}`, scripted
// `properties([parameters([...])])` and the [$class: 'ChoiceParameter' ...] forms); after the
// first build the job has them, and GET /api/v1/jobs/:job/parameters/:name/choices runs the
// script in Kiln's sandboxed interpreter with the referenced parameters' values from the query:
// the choices, the ':selected'/':disabled' marks, a map's labels, the HTML text, the fallback
// script when the script fails, and a sandbox escape refused. Who may ask: a developer.
// The same parameters in a waiting input's form (input(parameters: [...]) and declarative
// `input { parameters {} }`): rendered when the input is shown, asked again for a referenced
// value (GET .../inputs/:id/parameters/:name/choices), their script never in the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { consoleText, finishedBuild, rawApi, testConfig, until } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = rawApi(() => c.url);

const DECLARATIVE = `pipeline {
  agent none
  parameters {
    activeChoice(name: 'ENV', choiceType: 'PT_SINGLE_SELECT', filterable: true,
      script: groovyScript(script: [script: "return ['dev', 'qa:selected', 'prod', 'old:disabled']", sandbox: true], fallbackScript: [script: "return ['error']", sandbox: true]))
    reactiveChoice(name: 'HOSTS', choiceType: 'PT_CHECKBOX', referencedParameters: 'ENV',
      script: groovyScript(script: [script: '''
        def hosts = [dev: ['d1'], prod: ['p1', 'p2']]
        return hosts[ENV] ?: ['none for ' + ENV]
      ''', sandbox: true]))
    activeChoiceHtml(name: 'INFO', choiceType: 'ET_FORMATTED_HTML', referencedParameters: 'ENV',
      script: groovyScript(script: [script: '"<b>deploying to \${ENV}</b>"', sandbox: true]))
    reactiveChoice(name: 'ESCAPE', referencedParameters: 'ENV',
      script: groovyScript(script: [script: "['cat /etc/passwd'.execute().text]", sandbox: false], fallbackScript: [script: "['refused']", sandbox: true]))
    activeChoice(name: 'BROKEN', script: groovyScript(script: [script: "throw new Exception('no registry')"]))
  }
  stages { stage('show') { steps { echo "env=\${params.ENV} hosts=\${params.HOSTS}" } } }
}`;

const SCRIPTED = `properties([parameters([
  [$class: 'ChoiceParameter', name: 'REGION', choiceType: 'PT_RADIO', script: [$class: 'GroovyScript', script: [classpath: [], sandbox: true, script: "[eu: 'Europe', us: 'United States']"], fallbackScript: [classpath: [], sandbox: true, script: '']]],
  [$class: 'CascadeChoiceParameter', name: 'ZONE', referencedParameters: 'REGION', choiceType: 'PT_SINGLE_SELECT', script: [$class: 'GroovyScript', script: [sandbox: true, script: "(1..3).collect { REGION + '-' + it }"]]],
  string(name: 'PLAIN', defaultValue: 'x'),
])])
echo "region=\${params.REGION} zone=\${params.ZONE}"`;

before(async () => {
  c = await startController(testConfig({ home: path.join(tempDir('active-choices'), 'home'), port: '0', executors: '2' }));
});
after(async () => { await c?.close(); });

const choices = (job: string, name: string, query = '') => api('GET', `/api/v1/jobs/${job}/parameters/${name}/choices${query}`);

test('a declarative job lists its scripts\' choices, reacting to the referenced parameter; the value the form sends is the build\'s', async () => {
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'deploy', script: DECLARATIVE })).status, 201);
  assert.equal((await choices('deploy', 'ENV')).status, 404, 'before a build the job has no parameters');
  assert.equal((await api('POST', '/api/v1/jobs/deploy/builds', {})).status, 201);
  await finishedBuild(c.url, 'deploy', 1);
  const job = await api('GET', '/api/v1/jobs/deploy');
  assert.deepEqual(job.json.parameters.find((p: { name: string }) => p.name === 'HOSTS').activeChoice.referencedParameters, ['ENV']);

  const env = await choices('deploy', 'ENV');
  assert.equal(env.status, 200, env.text);
  assert.deepEqual(env.json, {
    kind: 'activeChoice', choiceType: 'PT_SINGLE_SELECT', referencedParameters: [],
    values: ['dev', 'qa', 'prod', 'old'], labels: ['dev', 'qa', 'prod', 'old'], selected: ['qa'], disabled: ['old'], html: null, fallback: false, error: null,
  });
  assert.deepEqual((await choices('deploy', 'HOSTS', '?ENV=prod')).json.values, ['p1', 'p2']);
  assert.deepEqual((await choices('deploy', 'HOSTS', '?ENV=dev&OTHER=x')).json.values, ['d1']);
  assert.deepEqual((await choices('deploy', 'HOSTS', '?ENV=%3Cscript%3E')).json.values, ['none for <script>']);
  const info = await choices('deploy', 'INFO', '?ENV=qa');
  assert.equal(info.json.html, '<b>deploying to qa</b>');

  // The script may not reach the controller's processes or files, whatever `sandbox:` says: the fallback answers.
  const escape = await choices('deploy', 'ESCAPE', '?ENV=dev');
  assert.deepEqual([escape.json.values, escape.json.fallback], [['refused'], true]);
  assert.match(escape.json.error, /Scripts not permitted to use staticMethod org\.codehaus\.groovy\.runtime\.ProcessGroovyMethods execute java\.lang\.String/);
  const broken = await choices('deploy', 'BROKEN');
  assert.equal(broken.status, 200);
  assert.deepEqual([broken.json.values, broken.json.fallback], [[], false]);
  assert.match(broken.json.error, /no registry/);

  const second = await api('POST', '/api/v1/jobs/deploy/builds', { params: { ENV: 'prod', HOSTS: 'p1,p2' } });
  assert.equal(second.status, 201, second.text);
  await finishedBuild(c.url, 'deploy', 2);
  assert.match(await consoleText(c.url, 'deploy', 2), /^env=prod hosts=p1,p2$/m);
  // Started without the form: the script's ':selected' entry, and HOSTS' script sees that ENV.
  assert.equal((await api('POST', '/api/v1/jobs/deploy/builds', {})).status, 201);
  await finishedBuild(c.url, 'deploy', 3);
  assert.match(await consoleText(c.url, 'deploy', 3), /^env=qa hosts=none for qa$/m);
});

test("the [$class: 'ChoiceParameter' / 'CascadeChoiceParameter'] forms of properties([parameters(...)]); a map's labels; not an Active Choices parameter, a viewer", async () => {
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'regions', script: SCRIPTED })).status, 201);
  await api('POST', '/api/v1/jobs/regions/builds', {});
  assert.equal((await finishedBuild(c.url, 'regions', 1)).result, 'SUCCESS');
  const region = await choices('regions', 'REGION');
  assert.equal(region.status, 200, region.text);
  assert.deepEqual([region.json.choiceType, region.json.values, region.json.labels], ['PT_RADIO', ['eu', 'us'], ['Europe', 'United States']]);
  assert.deepEqual((await choices('regions', 'ZONE', '?REGION=eu')).json.values, ['eu-1', 'eu-2', 'eu-3']);
  const plain = await choices('regions', 'PLAIN');
  assert.equal(plain.status, 400);
  assert.match(plain.json.error.message, /is a string parameter, not an Active Choices parameter/);
  assert.equal((await choices('regions', 'ZONE', `?REGION=${'x'.repeat(2001)}`)).status, 400);

  assert.equal((await api('POST', '/api/v1/users', { name: 'vera', password: 'vera-password-1', role: 'viewer' })).status, 201);
  const token = (await api('POST', '/api/v1/users/vera/tokens', { name: 't' })).json.token as string;
  const denied = await api('GET', '/api/v1/jobs/regions/parameters/REGION/choices', undefined, { authorization: `Bearer ${token}` });
  assert.equal(denied.status, 403, denied.text);
});

test('a script that never ends is stopped and the fallback answers; the controller goes on', async () => {
  const script = `properties([parameters([activeChoice(name: 'LOOP', script: groovyScript(script: [script: 'while (true) { }'], fallbackScript: [script: "['stopped']"]))])])
echo 'ok'`;
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'loop', script })).status, 201);
  await api('POST', '/api/v1/jobs/loop/builds', {});
  await finishedBuild(c.url, 'loop', 1);
  const [r, health] = await Promise.all([choices('loop', 'LOOP'), api('GET', '/api/v1/health')]);
  assert.equal(health.status, 200);
  assert.deepEqual([r.json.values, r.json.fallback], [['stopped'], true]);
  assert.match(r.json.error, /the script did not finish within 10 seconds/);
});

const INPUT = `def r = input(id: 'where', message: 'Deploy where?', parameters: [
  activeChoice(name: 'ENV', script: groovyScript(script: [script: "[dev: 'Development', prod: 'Production']", sandbox: true])),
  reactiveChoice(name: 'HOST', choiceType: 'PT_CHECKBOX', referencedParameters: 'ENV', script: groovyScript(script: [script: "ENV == 'dev' ? ['d1', 'd2:selected', 'd3:selected'] : ['p1']", sandbox: true])),
  activeChoiceHtml(name: 'INFO', choiceType: 'ET_FORMATTED_HTML', referencedParameters: 'ENV', script: groovyScript(script: [script: '"<i>to \${ENV}</i>"', sandbox: true])),
  [$class: 'CascadeChoiceParameter', name: 'ESCAPE', referencedParameters: 'ENV', script: [$class: 'GroovyScript', script: [sandbox: false, script: "[System.getenv('HOME')]"], fallbackScript: [sandbox: true, script: "['refused']"]]],
  string(name: 'NOTE', defaultValue: 'n'),
])
echo "env=\${r.ENV} host=\${r.HOST} note=\${r.NOTE}"`;

test("Active Choices parameters in an input's form: the scripts' choices when it is shown, asked again for a referenced value; the answer is the build's", async () => {
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'ask', script: INPUT })).status, 201);
  assert.equal((await api('POST', '/api/v1/jobs/ask/builds', {})).status, 201);
  let inputs: any[] = [];
  await until(async () => { inputs = (await api('GET', '/api/v1/jobs/ask/builds/1/inputs')).json.inputs ?? []; return inputs.length > 0; }, 'the input');
  const ps = inputs[0].parameters;
  assert.deepEqual(ps.map((p: any) => [p.name, p.type, p.choices, p.labels, p.defaultValue]), [
    ['ENV', 'activeChoice', ['dev', 'prod'], ['Development', 'Production'], 'dev'],
    ['HOST', 'reactiveChoice', ['d1', 'd2', 'd3'], ['d1', 'd2', 'd3'], 'd2,d3'],
    ['INFO', 'activeChoiceHtml', [], [], ''],
    ['ESCAPE', 'reactiveChoice', ['refused'], ['refused'], 'refused'],
    ['NOTE', 'string', [], undefined, 'n'],
  ]);
  assert.equal(ps[1].choiceType, 'PT_CHECKBOX');
  assert.deepEqual(ps[1].referencedParameters, ['ENV']);
  assert.equal(ps[2].html, '<i>to dev</i>');
  assert.match(ps[3].error, /Scripts not permitted to use staticMethod java\.lang\.System getenv/);
  const text = JSON.stringify(inputs);
  assert.ok(!text.includes('groovyScript') && !text.includes('ENV == '), 'the scripts stay on the controller');

  const ask = (name: string, q: string) => api('GET', `/api/v1/jobs/ask/builds/1/inputs/where/parameters/${name}/choices${q}`);
  assert.deepEqual((await ask('HOST', '?ENV=prod')).json.values, ['p1']);
  assert.equal((await ask('INFO', '?ENV=prod')).json.html, '<i>to prod</i>');
  assert.equal((await ask('NOTE', '')).status, 400);
  assert.equal((await ask('NOPE', '')).status, 404);

  const answered = await api('POST', '/api/v1/jobs/ask/builds/1/inputs/where', { action: 'approve', params: { ENV: 'prod', HOST: 'p1' } });
  assert.equal(answered.status, 200, answered.text);
  assert.equal((await finishedBuild(c.url, 'ask', 1)).result, 'SUCCESS');
  assert.match(await consoleText(c.url, 'ask', 1), /^env=prod host=p1 note=n$/m);
});

test("a declarative stage's input { parameters { activeChoice... } }: rendered when the input is shown; the answer is the stage's environment", async () => {
  const script = `pipeline {
  agent none
  stages {
    stage('ask') {
      input {
        message 'Where?'
        id 'where'
        parameters {
          activeChoice(name: 'ENV', script: groovyScript(script: [script: "['dev', 'prod:selected']", sandbox: true]))
          reactiveChoice(name: 'HOST', referencedParameters: 'ENV', script: groovyScript(script: [script: "ENV == 'prod' ? ['p1', 'p2'] : ['d1']", sandbox: true]))
        }
      }
      steps { echo "env=\${ENV} host=\${HOST}" }
    }
  }
}`;
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'ask-decl', script })).status, 201);
  assert.equal((await api('POST', '/api/v1/jobs/ask-decl/builds', {})).status, 201);
  let inputs: any[] = [];
  await until(async () => { inputs = (await api('GET', '/api/v1/jobs/ask-decl/builds/1')).json.inputs ?? []; return inputs.length > 0; }, 'the input');
  assert.deepEqual(inputs[0].parameters.map((p: any) => [p.name, p.choices, p.defaultValue]), [['ENV', ['dev', 'prod'], 'prod'], ['HOST', ['p1', 'p2'], 'p1']]);
  assert.ok(!JSON.stringify(inputs).includes('sandbox'), 'the scripts stay on the controller');
  assert.deepEqual((await api('GET', '/api/v1/jobs/ask-decl/builds/1/inputs/where/parameters/HOST/choices?ENV=dev')).json.values, ['d1']);
  assert.equal((await api('POST', '/api/v1/jobs/ask-decl/builds/1/inputs/where', { action: 'approve', params: { HOST: 'p2' } })).status, 200);
  assert.equal((await finishedBuild(c.url, 'ask-decl', 1)).result, 'SUCCESS');
  assert.match(await consoleText(c.url, 'ask-decl', 1), /^env=prod host=p2$/m);
});
