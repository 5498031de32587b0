// signAndroidApks on a real controller with the Android SDK's real zipalign and apksigner (Debian's
// zipalign and apksigner packages: scripts/test-prereqs.sh). The test builds a minimal real APK: a
// zip holding a binary AndroidManifest.xml (Android's binary XML: a string pool and a <manifest>
// element, which apksig needs to read the minimum SDK version; a text manifest is refused as
// "malformed binary resource") and a classes.dex, and a PKCS#12 key store made by keytool. The
// signed APKs must pass `apksigner verify` with the v1, v2 and v3 schemes and carry the key
// store's certificate; the key store's password never reaches the console; the key store file
// does not outlive the step.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig, adminFetch } from '../../helpers/controller.ts';
import { tempDir } from '../../helpers/tmp.ts';

const PASSWORD = 'ks-Pa55-7c1d9e';

/** A binary AndroidManifest.xml with one <manifest/> element (no uses-sdk: minimum SDK 1). */
function binaryManifest(): Buffer {
  const name = Buffer.from('manifest', 'utf8');
  let data = Buffer.concat([Buffer.from([name.length, name.length]), name, Buffer.from([0])]);
  if (data.length % 4) data = Buffer.concat([data, Buffer.alloc(4 - (data.length % 4))]);
  const poolHead = Buffer.alloc(28 + 4);
  poolHead.writeUInt16LE(0x0001, 0); poolHead.writeUInt16LE(28, 2); poolHead.writeUInt32LE(32 + data.length, 4);
  poolHead.writeUInt32LE(1, 8); poolHead.writeUInt32LE(0, 12); poolHead.writeUInt32LE(0x100, 16); // UTF-8
  poolHead.writeUInt32LE(32, 20); poolHead.writeUInt32LE(0, 24); poolHead.writeUInt32LE(0, 28);
  const start = Buffer.alloc(36);
  start.writeUInt16LE(0x0102, 0); start.writeUInt16LE(16, 2); start.writeUInt32LE(36, 4); start.writeUInt32LE(1, 8);
  start.writeUInt32LE(0xffffffff, 12); start.writeInt32LE(-1, 16); start.writeUInt32LE(0, 20);
  start.writeUInt16LE(20, 24); start.writeUInt16LE(20, 26);
  const end = Buffer.alloc(24);
  end.writeUInt16LE(0x0103, 0); end.writeUInt16LE(16, 2); end.writeUInt32LE(24, 4); end.writeUInt32LE(1, 8);
  end.writeUInt32LE(0xffffffff, 12); end.writeInt32LE(-1, 16); end.writeUInt32LE(0, 20);
  const body = Buffer.concat([poolHead, data, start, end]);
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0x0003, 0); head.writeUInt16LE(8, 2); head.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([head, body]);
}

/** An unsigned APK at `file` (python3's zipfile writes the zip). */
function makeApk(dir: string, file: string): void {
  fs.writeFileSync(path.join(dir, 'AndroidManifest.xml'), binaryManifest());
  execFileSync('python3', ['-c', `import zipfile,sys
z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)
z.write(sys.argv[2], 'AndroidManifest.xml')
z.writestr('classes.dex', b'dex\\n035\\0' + bytes(64))
z.close()`, file, path.join(dir, 'AndroidManifest.xml')]);
}

function verify(apk: string): string {
  const r = spawnSync('apksigner', ['verify', '-v', '--print-certs', apk], { encoding: 'utf8' });
  assert.equal(r.status, 0, `apksigner verify ${apk}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

describe('signAndroidApks', () => {
  let c: ControllerHandle;
  let home: string;
  let fixtures: string;
  let certSha256: string;
  const api = rawApi(() => c.url);
  before(async () => {
    const dir = tempDir('android-signing');
    home = path.join(dir, 'home');
    fixtures = path.join(dir, 'fixtures');
    fs.mkdirSync(fixtures);
    makeApk(fixtures, path.join(fixtures, 'app-unsigned.apk'));
    makeApk(fixtures, path.join(fixtures, 'extra.apk'));
    const ks = path.join(fixtures, 'release.p12');
    execFileSync('keytool', ['-genkeypair', '-keystore', ks, '-storetype', 'PKCS12', '-storepass', PASSWORD, '-alias', 'release',
      '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=Kiln Test Release', '-validity', '30'], { stdio: 'ignore' });
    const list = execFileSync('keytool', ['-list', '-v', '-keystore', ks, '-storetype', 'PKCS12', '-storepass', PASSWORD, '-alias', 'release'], { encoding: 'utf8' });
    certSha256 = /SHA256: ([0-9A-F:]+)/.exec(list)![1]!.replaceAll(':', '').toLowerCase();
    c = await startController(testConfig({ home, port: '0', executors: '1' }));
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'release-keys', type: 'certificate', contentBase64: fs.readFileSync(ks).toString('base64'), password: PASSWORD })).status, 201);
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'not-a-keystore', type: 'usernamePassword', username: 'u', password: 'p' })).status, 201);
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'wrong-password', type: 'certificate', contentBase64: fs.readFileSync(ks).toString('base64'), password: 'not-the-password' })).status, 201);
  });
  after(async () => { await c?.close(); });

  async function runJob(name: string, script: string): Promise<{ result: string; log: string }> {
    assert.equal((await api('POST', '/api/v1/jobs', { name, script })).status, 201);
    assert.equal((await api('POST', `/api/v1/jobs/${name}/builds`, {})).status, 201);
    const b = await finishedBuild(c.url, name, 1);
    return { result: b.result, log: await consoleText(c.url, name, 1) };
  }

  test('zipalign from PATH, signed beside the unsigned APKs, the signed ones archived; apksigner verify passes', async () => {
    const { result, log } = await runJob('sign-sibling', `
node {
  sh 'mkdir -p app/build/outputs/apk && cp ${fixtures}/app-unsigned.apk ${fixtures}/extra.apk app/build/outputs/apk/'
  signAndroidApks keyStoreId: 'release-keys', keyAlias: 'release', apksToSign: 'app/build/outputs/apk/app-unsigned.apk, **/extra.apk'
}`);
    assert.equal(result, 'SUCCESS', log);
    assert.ok(!log.includes(PASSWORD), log);
    assert.match(log, /^\[SignApksBuilder\] searching environment PATH=.* for zipalign\.\.\.$/m);
    assert.match(log, /^\[SignApksBuilder\] \S*zipalign (-P 16 -f 4|-f -p 4) \S+\/app-unsigned\.apk \S+\/SignApksBuilder-out\/zipalign\/aligned-app-unsigned-\S+\.apk$/m);
    assert.match(log, /^\[SignApksBuilder\] signing APK SignApksBuilder-out\/zipalign\/aligned-app-unsigned-\S+\.apk$/m);
    assert.match(log, /^\[SignApksBuilder\] signed APK app\/build\/outputs\/apk\/app\.apk$/m);
    assert.match(log, /^\[SignApksBuilder\] signed APK app\/build\/outputs\/apk\/extra-signed\.apk$/m);
    assert.match(log, /^\[SignApksBuilder\] archiving signed APK app\/build\/outputs\/apk\/app\.apk$/m);
    assert.match(log, /^\[SignApksBuilder\] finished signing APKs$/m);
    const ws = path.join(home, 'workspace', 'sign-sibling');
    for (const f of ['app.apk', 'extra-signed.apk']) {
      const out = verify(path.join(ws, 'app/build/outputs/apk', f));
      assert.match(out, /Verified using v1 scheme \(JAR signing\): true/);
      assert.match(out, /Verified using v2 scheme \(APK Signature Scheme v2\): true/);
      assert.match(out, /Verified using v3 scheme \(APK Signature Scheme v3\): true/);
      assert.match(out, new RegExp(`certificate SHA-256 digest: ${certSha256}`));
      assert.match(out, /certificate DN: CN=Kiln Test Release/);
    }
    // v1's signature file is named after the alias, as the plugin's v1SigName.
    const entries = execFileSync('python3', ['-c', 'import zipfile,sys; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', path.join(ws, 'app/build/outputs/apk/app.apk')], { encoding: 'utf8' });
    assert.match(entries, /^META-INF\/RELEASE\.SF$/m);
    // The key store was written under @tmp for the call only.
    assert.deepEqual(fs.readdirSync(path.join(`${ws}@tmp`, 'android-signing')), []);
    const arts = await api('GET', '/api/v1/jobs/sign-sibling/builds/1/artifacts');
    assert.equal(arts.status, 200, arts.text);
    const paths = (arts.json.artifacts as { path: string }[]).map((a) => a.path).sort();
    assert.deepEqual(paths, ['SignApksBuilder-out/release-keys/release/app-unsigned.apk/app.apk', 'SignApksBuilder-out/release-keys/release/extra.apk/extra-signed.apk']);
    const got = await adminFetch(new URL(`api/v1/jobs/sign-sibling/builds/1/artifacts/SignApksBuilder-out/release-keys/release/app-unsigned.apk/app.apk`, c.url));
    assert.equal(got.status, 200, await got.clone().text());
    const downloaded = path.join(fixtures, 'downloaded.apk');
    fs.writeFileSync(downloaded, Buffer.from(await got.arrayBuffer()));
    assert.match(verify(downloaded), /Verified using v2 scheme \(APK Signature Scheme v2\): true/);
  });

  test('androidHome: the SDK\'s latest build-tools; unsignedApkNameDir; the unsigned APK archived too; no alias: the only key', async () => {
    const { result, log } = await runJob('sign-sdk', `
pipeline {
  agent any
  stages {
    stage('sign') {
      steps {
        sh 'cp ${fixtures}/app-unsigned.apk .'
        signAndroidApks(keyStoreId: 'release-keys', apksToSign: '*.apk', androidHome: '/usr/lib/android-sdk',
          signedApkMapping: unsignedApkNameDir(), archiveUnsignedApks: true)
      }
    }
  }
}`);
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, /^\[SignApksBuilder\] zipalign ANDROID_HOME explicitly set to \/usr\/lib\/android-sdk$/m);
    assert.match(log, /^\[SignApksBuilder\] found zipalign in Android SDK's latest build tools: \/usr\/lib\/android-sdk\/build-tools\/[^/]+\/zipalign$/m);
    assert.match(log, /^\[SignApksBuilder\] signed APK SignApksBuilder-out\/app-unsigned\.apk\/app-signed\.apk$/m);
    verify(path.join(home, 'workspace', 'sign-sdk', 'SignApksBuilder-out/app-unsigned.apk/app-signed.apk'));
    const paths = ((await api('GET', '/api/v1/jobs/sign-sdk/builds/1/artifacts')).json.artifacts as { path: string }[]).map((a) => a.path).sort();
    assert.deepEqual(paths, ['SignApksBuilder-out/release-keys/null/app-unsigned.apk/app-signed.apk', 'SignApksBuilder-out/release-keys/null/app-unsigned.apk/app-unsigned.apk'].sort());
  });

  test('errors: no APK matching, a credential that is not a key store, a wrong password (masked), skipped after a failure', async () => {
    const none = await runJob('sign-none', "node { signAndroidApks keyStoreId: 'release-keys', apksToSign: 'nothing/*.apk' }");
    assert.equal(none.result, 'FAILURE');
    assert.match(none.log, /No APKs in workspace matching nothing\/\*\.apk/);
    const wrongType = await runJob('sign-type', `node { sh 'cp ${fixtures}/extra.apk .'; signAndroidApks keyStoreId: 'not-a-keystore', apksToSign: '*.apk' }`);
    assert.equal(wrongType.result, 'FAILURE');
    assert.match(wrongType.log, /signAndroidApks: the credential 'not-a-keystore' is a usernamePassword: signing needs a certificate credential/);
    const wrongPw = await runJob('sign-pw', `node { sh 'cp ${fixtures}/extra.apk .'; signAndroidApks keyStoreId: 'wrong-password', apksToSign: '*.apk', skipZipalign: true }`);
    assert.equal(wrongPw.result, 'FAILURE');
    assert.match(wrongPw.log, /^\[SignApksBuilder\] skipping zipalign for unsigned apk \S+\/extra\.apk/m);
    assert.match(wrongPw.log, /failed to sign APK \S+\/extra\.apk: keystore password was incorrect/);
    assert.ok(!wrongPw.log.includes('not-the-password'), wrongPw.log);
    assert.ok(!fs.existsSync(path.join(home, 'workspace', 'sign-pw', 'extra-signed.apk')));
    const skipped = await runJob('sign-skip', `node { catchError(buildResult: 'FAILURE', stageResult: 'FAILURE') { error 'compile failed' }
  signAndroidApks keyStoreId: 'release-keys', apksToSign: '*.apk' }`);
    assert.equal(skipped.result, 'FAILURE');
    assert.match(skipped.log, /^\[SignApksBuilder\] skipping Sign APKs step because a previous step failed$/m);
  });
});
