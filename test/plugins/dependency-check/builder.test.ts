// dependencyCheck (the OWASP Dependency-Check plugin's DependencyCheckToolBuilder) under `kiln run`.
// The real CLI cannot run here (it downloads the NVD database first), so the tool installation's
// bin/dependency-check.sh is a RECORDING STAND-IN written by this test: it saves the arguments it
// was given, one per line, and writes a dependency-check-report.xml (2.x schema) where --out says
// (the working directory by default), as the CLI does; its exit code is what the test asks. What
// is asserted is the command line the step builds (the plugin's defaults, additionalArguments
// tokenized and ${VARS} expanded, an argument given there replacing the default), that no shell
// sees the arguments, the build's result, and that dependencyCheckPublisher then publishes the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd">
  <scanInfo><engineVersion>9.0.9</engineVersion></scanInfo>
  <projectInfo><name>shop</name><reportDate>2026-12-01T10:00:00Z</reportDate><credits>NVD</credits></projectInfo>
  <dependencies>
    <dependency isVirtual="false"><fileName>jackson-databind-2.9.8.jar</fileName><filePath>/src/lib/jackson-databind-2.9.8.jar</filePath><md5>x</md5><sha1>y</sha1><vulnerabilities><vulnerability source="NVD"><name>CVE-2019-12384</name><severity>CRITICAL</severity><cvssV3><baseScore>9.8</baseScore><baseSeverity>CRITICAL</baseSeverity></cvssV3><cwes><cwe>CWE-502</cwe></cwes><description>Deserialization.</description><references></references></vulnerability></vulnerabilities></dependency>
  </dependencies>
</analysis>
`;

/** A Dependency-Check installation whose bin/dependency-check.sh records its arguments. */
function standIn(): { home: string; args: string } {
  const home = tempDir('dc-home');
  mkdirSync(path.join(home, 'bin'));
  const args = path.join(home, 'args.txt');
  writeFileSync(path.join(home, 'report.xml'), REPORT);
  const script = `#!/bin/sh
# Recording stand-in for Dependency-Check's CLI (see the test's header).
: > "${args}"
out=.
prev=
for a in "$@"; do
  printf '%s\\n' "$a" >> "${args}"
  if [ "$prev" = "--out" ] || [ "$prev" = "-o" ]; then out="$a"; fi
  prev="$a"
done
echo "[INFO] Analysis Started"
mkdir -p "$out" && cp "${path.join(home, 'report.xml')}" "$out/dependency-check-report.xml"
echo "[INFO] Analysis Complete"
exit \${STANDIN_EXIT:-0}
`;
  writeFileSync(path.join(home, 'bin', 'dependency-check.sh'), script);
  chmodSync(path.join(home, 'bin', 'dependency-check.sh'), 0o755);
  return { home, args };
}

test('dependencyCheck runs the installation\'s CLI with the plugin\'s arguments; the report is then published', async () => {
  const dc = standIn();
  const dir = tempDir('dc-builder');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  withEnv(['DC_OUT=build/reports']) {
    dependencyCheck odcInstallation: 'dc-9', additionalArguments: '--out \${DC_OUT} --disableAssembly --suppression "my suppressions.xml" $(touch pwned)'
  }
  echo "after the builder: \${currentBuild.currentResult}"
  dependencyCheckPublisher pattern: 'build/reports/dependency-check-report.xml'
  echo "result: \${currentBuild.currentResult}"
}
`);
  const r = await runKiln(['run', '--tool', `dc-9=${dc.home}`], { cwd: dir });
  const args = readFileSync(dc.args, 'utf8').split('\n').slice(0, -1);
  const ws = args[args.indexOf('--scan') + 1];
  assert.ok(ws && path.isAbsolute(ws), r.stdout + r.stderr);
  // kiln run names the job after the directory: the project is Jenkins' full display name, "<job> #<n>".
  assert.deepEqual(args, ['--project', `${path.basename(dir)} #1`, '--scan', ws, '--format', 'XML',
    '--out', 'build/reports', '--disableAssembly', '--suppression', 'my suppressions.xml', '$(touch', 'pwned)']);
  assert.ok(!existsSync(path.join(ws!, 'pwned')), 'no shell ran the arguments');
  assert.match(r.stdout, /\[INFO\] Analysis Complete\n/);
  assert.match(r.stdout, /after the builder: SUCCESS\n/);
  assert.match(r.stdout, /\[DependencyCheck\] Findings: critical 1, high 0, medium 0, low 0, unassigned 0\n/);
});

test('dependencyCheck: --project, --scan and --format given replace the defaults; a failing CLI makes the build FAILURE; OWASP_DC_SKIP skips it; no installation', async () => {
  const dc = standIn();
  const dir = tempDir('dc-builder2');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  withEnv(['STANDIN_EXIT=14']) {
    dependencyCheck odcInstallation: 'dc-9', additionalArguments: '--project shop -s src --format JSON'
  }
  echo "result: \${currentBuild.currentResult}"
}
`);
  const r = await runKiln(['run', '--tool', `dc-9=${dc.home}`], { cwd: dir });
  assert.deepEqual(readFileSync(dc.args, 'utf8').split('\n').slice(0, -1), ['--project', 'shop', '-s', 'src', '--format', 'JSON']);
  assert.match(r.stdout, /result: FAILURE\n/, r.stdout + r.stderr);

  const skip = tempDir('dc-builder3');
  writeFileSync(path.join(skip, 'Jenkinsfile'), `node {
  withEnv(['OWASP_DC_SKIP=true']) { dependencyCheck odcInstallation: 'dc-9', additionalArguments: '' }
  dependencyCheck additionalArguments: '--out x'
  echo "result: \${currentBuild.currentResult}"
}
`);
  writeFileSync(dc.args, 'untouched');
  const s = await runKiln(['run', '--tool', `dc-9=${dc.home}`], { cwd: skip });
  assert.match(s.stdout, /\[DependencyCheck\] Skipping Dependency-Check analysis\n/, s.stdout + s.stderr);
  assert.equal(readFileSync(dc.args, 'utf8'), 'untouched');
  assert.match(s.stdout, /\[DependencyCheck\] Dependency-Check installation was not specified/);
  assert.match(s.stdout, /result: FAILURE\n/);
});
