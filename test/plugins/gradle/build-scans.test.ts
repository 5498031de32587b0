// findBuildScans and withGradle on a real controller: a build whose shell prints what Gradle and the Develocity
// Maven extension print when they publish a build scan gets each scan's URL, once, as a badge
// linking to it (the build's API answer, which the build page shows), and the step returns the
// URLs in the order printed. A URL printed without the "Publishing build scan..." line before it,
// or more than 1000 lines after it, is not a scan.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { scanUrls } from '../../../src/plugins/gradle/runtime.ts';

async function* chunks(text: string, size: number): AsyncIterable<Buffer> {
  const b = Buffer.from(text, 'utf8');
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe('findBuildScans', () => {
  let c: ControllerHandle;
  const api = rawApi(() => c.url);
  before(async () => {
    c = await startController(testConfig({ home: path.join(tempDir('gradle-scans'), 'home'), port: '0', executors: '1' }));
  });
  after(async () => { await c?.close(); });

  test('the scans Gradle and Maven printed become badges and the step returns them', async () => {
    const script = `
pipeline {
  agent any
  stages {
    stage('build') {
      steps {
        sh '''
          echo 'https://scans.gradle.com/s/notascan'
          echo 'BUILD SUCCESSFUL in 3s'
          echo 'Publishing build scan...'
          echo 'https://scans.gradle.com/s/abc123xyz'
          echo '[INFO] Publishing Build Scan...'
          echo '[INFO] https://develocity.example.com/s/mvn456'
          echo 'Publishing build information...'
          echo 'https://ge.example.com/s/info789'
        '''
        script {
          def scans = findBuildScans()
          echo "scans: \${scans}"
          sh '''
            echo 'Publishing build scan...'
            echo 'https://scans.gradle.com/s/abc123xyz'
          '''
          echo "again: \${findBuildScans()}"
        }
      }
    }
  }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'scanned', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/scanned/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'scanned', 1);
    const log = await consoleText(c.url, 'scanned', 1);
    assert.equal(b.result, 'SUCCESS', log);
    assert.match(log, /^scans: \[https:\/\/scans\.gradle\.com\/s\/abc123xyz, https:\/\/develocity\.example\.com\/s\/mvn456, https:\/\/ge\.example\.com\/s\/info789\]$/m);
    // The same scan printed again is recorded once.
    assert.match(log, /^again: \[https:\/\/scans\.gradle\.com\/s\/abc123xyz, https:\/\/develocity\.example\.com\/s\/mvn456, https:\/\/ge\.example\.com\/s\/info789\]$/m);
    const d = await api('GET', '/api/v1/jobs/scanned/builds/1');
    assert.equal(d.status, 200, d.text);
    const badges = d.json.badges as { kind: string; id: string; icon: string; text: string; link: string }[];
    assert.deepEqual(badges.map((x) => [x.kind, x.id, x.icon, x.text, x.link]), [
      ['badge', 'buildScans', 'gradle-build-scan', 'Build Scan', 'https://scans.gradle.com/s/abc123xyz'],
      ['badge', 'buildScans', 'gradle-build-scan', 'Build Scan', 'https://develocity.example.com/s/mvn456'],
      ['badge', 'buildScans', 'gradle-build-scan', 'Build Scan', 'https://ge.example.com/s/info789'],
    ]);
  });

  test('withGradle records the scans its block printed, also when the block fails; scans printed before it are not its', async () => {
    const script = `
node {
  sh '''echo 'Publishing build scan...'; echo 'https://scans.gradle.com/s/before-the-block' '''
  echo 'a line that closes nothing'
  try {
    withGradle {
      sh '''echo 'Publishing build scan...'; echo 'https://scans.gradle.com/s/in-the-block'; exit 3'''
    }
  } catch (e) {
    echo "block failed: \${e.message}"
  }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'wrapped', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/wrapped/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'wrapped', 1);
    const log = await consoleText(c.url, 'wrapped', 1);
    assert.equal(b.result, 'SUCCESS', log);
    assert.match(log, /^block failed: /m);
    const badges = (await api('GET', '/api/v1/jobs/wrapped/builds/1')).json.badges as { id: string; link: string }[];
    assert.deepEqual(badges.map((x) => [x.id, x.link]), [['buildScans', 'https://scans.gradle.com/s/in-the-block']]);
  });

  test('a build without scans gets an empty list and no badge; a scripted findBuildScans outside a node works', async () => {
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'plain', script: "echo 'no scans here'\necho \"found ${findBuildScans().size()}\"" })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/plain/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'plain', 1);
    const log = await consoleText(c.url, 'plain', 1);
    assert.equal(b.result, 'SUCCESS', log);
    assert.match(log, /^found 0$/m);
    assert.deepEqual((await api('GET', '/api/v1/jobs/plain/builds/1')).json.badges, []);
  });
});

test('the scanner: the window of 1000 lines after the publishing line, lines split across chunks, CRLF', async () => {
  const filler = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n');
  const text = `Publishing build scan...\n${filler}\nhttps://scans.gradle.com/s/too-late\n`
    + 'Publishing build scan...\r\nhttps://scans.gradle.com/s/crlf\r\n'
    + 'Publishing build scan...\n12:00:01 https://scans.gradle.com/s/prefixed\n';
  assert.deepEqual(await scanUrls(chunks(text, 7)), ['https://scans.gradle.com/s/crlf', 'https://scans.gradle.com/s/prefixed']);
  // The 1000th line after the message is still in the window.
  const inWindow = `Publishing build scan...\n${Array.from({ length: 999 }, () => 'x').join('\n')}\nhttps://h/s/last\n`;
  assert.deepEqual(await scanUrls(chunks(inWindow, 4096)), ['https://h/s/last']);
});
