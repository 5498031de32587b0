// extendedChoice (the Extended Choice Parameter plugin) end to end: a real controller whose
// jobs declare it in `parameters { }` and in `properties([parameters([...])])`; the parameter in
// the job's API (its kind of form, choices, defaults, delimiter), the value a build gets (the
// chosen values joined by the delimiter; the defaults without a form), a value that is not made
// of the choices refused with 400, and `kiln lint` refusing the plugin's script and file sources.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, finishedBuild, consoleText, testConfig } from '../helpers/controller.ts';
import { runKiln } from '../helpers/kiln.ts';

const DECLARATIVE = `pipeline {
  agent any
  parameters {
    extendedChoice(name: 'OS', type: 'PT_CHECKBOX', value: 'linux,mac,windows', defaultValue: 'linux,mac', multiSelectDelimiter: ';', visibleItemCount: 3, description: 'targets')
    extendedChoice(name: 'ENV', type: 'PT_RADIO', value: 'dev, prod', defaultValue: 'dev')
  }
  stages { stage('a') { steps { sh 'echo "os=[$OS] env=[$ENV]"'; echo "groovy os=\${params.OS}" } } }
}
`;
const SCRIPTED = `properties([parameters([extendedChoice(name: 'TAGS', type: 'PT_MULTI_SELECT', value: 'a,b,c', defaultValue: 'b', quoteValue: true)])])
node { sh 'echo "tags=[$TAGS]"' }
`;

describe('extendedChoice: the parameter in the API, the value a build gets', () => {
  let c: ControllerHandle;
  const api = rawApi(() => c.url);
  before(async () => {
    c = await startController(testConfig({ home: path.join(tempDir('ecp'), 'home'), port: '0', executors: '1' }), { log: () => undefined });
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'multi', script: DECLARATIVE })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'props', script: SCRIPTED })).status, 201);
  });
  after(async () => { await c?.close(); });

  test('declarative: the defaults without a form, the API shows the parameter, a chosen value joined by the delimiter, a foreign value refused', async () => {
    assert.equal((await api('POST', '/api/v1/jobs/multi/builds', {})).status, 201);
    await finishedBuild(c.url, 'multi', 1);
    assert.match(await consoleText(c.url, 'multi', 1), /os=\[linux;mac\] env=\[dev\]/);
    const job = (await api('GET', '/api/v1/jobs/multi')).json;
    const os = job.parameters.find((p: { name: string }) => p.name === 'OS');
    assert.equal(os.type, 'extendedChoice');
    assert.deepEqual(os.choices, ['linux', 'mac', 'windows']);
    assert.equal(os.defaultValue, 'linux;mac');
    assert.deepEqual(os.extendedChoice, { type: 'PT_CHECKBOX', choices: ['linux', 'mac', 'windows'], defaults: ['linux', 'mac'], delimiter: ';', visibleItemCount: 3, quoteValue: false });

    const r = await api('POST', '/api/v1/jobs/multi/builds', { params: { OS: 'mac;windows', ENV: 'prod' } });
    assert.equal(r.status, 201, r.text);
    await finishedBuild(c.url, 'multi', 2);
    const log = await consoleText(c.url, 'multi', 2);
    assert.match(log, /os=\[mac;windows\] env=\[prod\]/);
    assert.match(log, /groovy os=mac;windows/);

    const bad = await api('POST', '/api/v1/jobs/multi/builds', { params: { OS: 'linux;bsd' } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /parameter 'OS' must be made of linux, mac, windows \(joined by ';'\); 'bsd' is not one of them/);
    const two = await api('POST', '/api/v1/jobs/multi/builds', { params: { ENV: 'dev,prod' } });
    assert.equal(two.status, 400);
    assert.match(two.text, /parameter 'ENV' must be one of dev, prod; got 'dev,prod'/);
  });

  test('properties([parameters([extendedChoice(...)])]): quoted value, for the next builds', async () => {
    assert.equal((await api('POST', '/api/v1/jobs/props/builds', {})).status, 201);
    await finishedBuild(c.url, 'props', 1);
    const p = (await api('GET', '/api/v1/jobs/props')).json.parameters[0];
    assert.equal(p.type, 'extendedChoice');
    assert.equal(p.defaultValue, '"b"');
    assert.equal((await api('POST', '/api/v1/jobs/props/builds', { params: { TAGS: '"a,c"' } })).status, 201);
    await finishedBuild(c.url, 'props', 2);
    assert.match(await consoleText(c.url, 'props', 2), /tags=\["a,c"\]/);
  });
});

test('kiln lint refuses the plugin\'s Groovy and property-file sources, and a default that is no choice', async () => {
  const dir = tempDir('ecp-lint');
  const f = path.join(dir, 'Jenkinsfile');
  writeFileSync(f, `pipeline {
  agent any
  parameters {
    extendedChoice(name: 'A', type: 'PT_SINGLE_SELECT', groovyScript: 'return ["x"]')
    extendedChoice(name: 'B', type: 'PT_CHECKBOX', value: 'x,y', defaultValue: 'z')
    extendedChoice(name: 'C', type: 'PT_JSON', value: '{}')
  }
  stages { stage('a') { steps { echo 'x' } } }
}
`);
  const r = await runKiln(['lint', f]);
  assert.notEqual(r.code, 0);
  const out = r.stdout + r.stderr;
  assert.match(out, /:4:\d+: extendedChoice "A": groovyScript: Kiln does not run the plugin's Groovy scripts or read property files on the controller/);
  assert.match(out, /:5:\d+: extendedChoice "B": defaultValue 'z' is not one of the choices \(x, y\)/);
  assert.match(out, /:6:\d+: extendedChoice "C": type 'PT_JSON' needs the plugin's JSON editor/);
});
