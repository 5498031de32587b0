// The OpenShift Client plugin's `openshift` global through `kiln run` (the real CLI, a local
// node). `oc` cannot be installed here, so:
// - for the verbs oc shares with kubectl (get, create, apply, label, delete, describe, rollout,
//   logs), `oc` on PATH is a small wrapper that runs the real kubectl 1.32 (translating oc's
//   --loglevel=N to kubectl's --v=N) against the fake Kubernetes API server (test/fakes/kube),
//   and records its arguments;
// - for OpenShift-only verbs (start-build, new-app, process, tag), `oc` is a recording script
//   that answers as oc prints, and the test checks the exact arguments the plugin's DSL gives.
// The cluster is configured as the host does it (KILN_OPENSHIFT_CLUSTERS: URL, token credential,
// CA), or named by URL in the Jenkinsfile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { KUBECTL, requireKubectl } from '../../fakes/kube/prereqs.ts';

let kube: FakeKube;
before(async () => {
  requireKubectl();
  kube = await startFakeKube({ runner: 'scripted', namespaces: ['shop'], deployments: 'complete' });
});
after(async () => {
  await kube?.close();
});

/** A bin directory with `oc` = kubectl (args recorded to oc.log), for the shared verbs. */
function kubectlAsOc(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'oc'), `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/oc.log"
for a; do shift; case "$a" in --loglevel=*) set -- "$@" "--v=\${a#--loglevel=}";; *) set -- "$@" "$a";; esac; done
exec ${KUBECTL} "$@"
`, { mode: 0o755 });
  return bin;
}

async function run(dir: string, jenkinsfile: string, bin: string, env: Record<string, string> = {}) {
  fs.writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  fs.writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'oc-token': { type: 'secretText', secret: kube.token }, 'not-a-token': { type: 'usernamePassword', username: 'u', password: 'p' } }));
  const clusters = [{ name: 'dev', url: kube.url, credentialsId: 'oc-token', serverCertificateAuthority: kube.caPem, defaultProject: 'shop' }];
  return runKiln(['run', '--credentials', 'creds.json'], {
    cwd: dir,
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, KILN_OPENSHIFT_CLUSTERS: JSON.stringify(clusters), ...env },
  });
}

const lines = (out: string, prefix: string) => out.split('\n').filter((l) => l.startsWith(prefix));

test('selectors, create, label, raw, delete against the API server; the token never in oc\'s arguments nor the console', async () => {
  const dir = tempDir('openshift-dsl');
  const bin = kubectlAsOc(dir);
  const r = await run(dir, `
node {
  openshift.withCluster('dev') {
    echo "project=\${openshift.project()} cluster=\${openshift.cluster() == '${kube.url}'}"
    openshift.withProject('shop') {
      def cm = [apiVersion: 'v1', kind: 'ConfigMap', metadata: [name: 'web-config', labels: [app: 'web']], data: [a: '1']]
      def created = openshift.create(cm)
      echo "created=\${created.names()} status=\${created.status}"
      def sel = openshift.selector('configmap', [app: 'web'])
      echo "count=\${sel.count()} exists=\${sel.exists()} names=\${sel.names()}"
      echo "data.a=\${openshift.selector('configmap/web-config').object().data.a}"
      openshift.selector('configmap', 'web-config').label([tier: 'front'], '--overwrite')
      echo "tier=\${openshift.selector('configmap/web-config').object().metadata.labels.tier}"
      def raw = openshift.raw('get', 'configmap', 'web-config', '-o', 'jsonpath={.data.a}')
      echo "raw=\${raw.out.trim()} status=\${raw.status} verb=[\${raw.actions[0].verb}]"
      echo "missing=\${openshift.selector('configmap', 'nope').exists()}"
      def applied = openshift.apply([apiVersion: 'v1', kind: 'ConfigMap', metadata: [name: 'web-config', labels: [app: 'web']], data: [a: '2']])
      echo "applied=\${applied.names()} a=\${openshift.selector('configmap/web-config').object().data.a}"
      try {
        openshift.create(cm)
      } catch (e) {
        echo "second create: \${e.message.readLines()[0]}"
        echo "already=\${e.message.contains('AlreadyExists')}"
      }
      openshift.selector('configmap', [app: 'web']).delete()
      echo "after=\${openshift.selector('configmap', [app: 'web']).count()}"
    }
  }
}
`, bin);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /project=shop cluster=true/, 'the default project and the URL of the configured cluster');
  assert.match(r.stdout, /created=\[configmap\/web-config\] status=0/);
  assert.match(r.stdout, /count=1 exists=true names=\[configmap\/web-config\]/);
  assert.match(r.stdout, /data\.a=1/);
  assert.match(r.stdout, /tier=front/);
  assert.match(r.stdout, /raw=1 status=0 verb=\[\]/, 'raw has no verb of its own, as in the plugin');
  assert.match(r.stdout, /missing=false/);
  assert.match(r.stdout, /applied=\[configmap\/web-config\] a=2/);
  assert.match(r.stdout, /second create: create returned an error;/);
  assert.match(r.stdout, /already=true/);
  assert.match(r.stdout, /after=0/);
  const log = fs.readFileSync(path.join(dir, 'oc.log'), 'utf8').split('\n').filter(Boolean);
  const server = `--server=${kube.url}`;
  assert.ok(log.includes(`get configmap -l app=web -o=name --ignore-not-found ${server} --namespace=shop --loglevel=0 --kubeconfig=${log[0]!.split('--kubeconfig=')[1]}`) || log.some((l) => l.startsWith(`get configmap -l app=web -o=name --ignore-not-found ${server} --namespace=shop --loglevel=0 --kubeconfig=`)), log.join('\n'));
  assert.ok(log.some((l) => l.startsWith(`label --overwrite configmap/web-config tier=front ${server} --namespace=shop`)), log.join('\n'));
  assert.ok(log.some((l) => /^create -f \S+\/create\.markup -o=name /.test(l)), log.join('\n'));
  assert.ok(log.some((l) => l.startsWith(`delete configmap -l app=web ${server}`)), log.join('\n'));
  for (const l of log) assert.ok(!l.includes(kube.token), `the token is in oc's arguments: ${l}`);
  assert.ok(!r.stdout.includes(kube.token));
  // The kubeconfigs and markup files are gone.
  const leftovers = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /(^|\/)oc-[0-9a-f]{12}/.test(f));
  assert.deepEqual(leftovers, []);
  assert.equal(lines(r.stdout, '[Pipeline] _OcAction').length > 5, true);
});

test('describe and rollout status stream their output with the plugin\'s [prefix]; withCluster by URL with withCredentials', async () => {
  const dir = tempDir('openshift-dsl');
  const bin = kubectlAsOc(dir);
  await kube.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
  const r = await run(dir, `
openshift.withCluster('insecure://${kube.url.replace('https://', '')}') {
  openshift.withCredentials('oc-token') {
    openshift.withProject('shop') {
      def d = openshift.selector('deployment', 'web')
      def st = d.rollout().status()
      echo "rollout status=\${st.status} op=\${st.operation}"
      d.describe()
    }
  }
}
`, bin);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\[rollout:status:deployment\/web\] deployment "web" successfully rolled out$/m);
  assert.match(r.stdout, /rollout status=0 op=rollout:status/);
  assert.match(r.stdout, /^\[describe\] Name:\s+web$/m);
  assert.match(r.stdout, /^\[describe\] Namespace:\s+shop$/m);
  assert.match(r.stdout, /\[Pipeline\] node/, 'withCluster outside a node takes one, as the plugin does');
});

test('parallel branches keep their own project; logs stream with [logs:pod/x]; verbose prints the sub-step output', async () => {
  const dir = tempDir('openshift-dsl');
  const bin = kubectlAsOc(dir);
  await kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'printer', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  await kube.waitForPod('shop', 'printer', (p) => (p.status as { phase?: string } | undefined)?.phase === 'Running');
  kube.scripted!.log('shop', 'printer', 'c', 'first line\nsecond line\n');
  const r = await run(dir, `
node {
  openshift.withCluster('dev') {
    parallel a: {
      openshift.withProject('shop') {
        openshift.create([apiVersion: 'v1', kind: 'ConfigMap', metadata: [name: 'branch-a']])
        echo "a=\${openshift.project()}"
      }
    }, b: {
      openshift.withProject('default') {
        openshift.create([apiVersion: 'v1', kind: 'ConfigMap', metadata: [name: 'branch-b']])
        echo "b=\${openshift.project()}"
      }
    }
    openshift.withProject('shop') {
      def l = openshift.selector('pod', 'printer').logs()
      echo "logs status=\${l.status} lines=\${l.out.readLines().size()}"
      openshift.verbose()
      openshift.selector('cm', 'branch-a').exists()
      openshift.verbose(false)
    }
  }
}
`, bin);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /a=shop/);
  assert.match(r.stdout, /b=default/);
  const cm = (await import('../../fakes/kube/cluster.ts')).core('configmaps');
  assert.ok(kube.cluster.find(cm, 'shop', 'branch-a'), 'branch a created in its project');
  assert.ok(kube.cluster.find(cm, 'default', 'branch-b'), 'branch b created in its project');
  assert.match(r.stdout, /^\[logs:pod\/printer\] first line$/m);
  assert.match(r.stdout, /^\[logs:pod\/printer\] second line$/m);
  assert.match(r.stdout, /logs status=0 lines=2/);
  assert.match(r.stdout, /Verbose sub-step output:\n\tCommand> oc get cm\/branch-a -o=name --ignore-not-found --server=\S+ --namespace=shop --loglevel=8 --kubeconfig=\S+\n\tStatus> 0\n\tStdOut>configmap\/branch-a\n/);
  assert.ok(!r.stdout.includes(kube.token));
});

test('misuse: outside withCluster, withCluster inside withProject, a credential that is no token, an unknown cluster name', async () => {
  const dir = tempDir('openshift-dsl');
  const bin = kubectlAsOc(dir);
  const one = async (body: string) => {
    const r = await run(dir, `node {\n${body}\n}`, bin);
    assert.notEqual(r.code, 0, r.stdout);
    return r.stdout;
  };
  assert.match(await one(`openshift.selector('dc').exists()`), /You have illegally attempted a get command when not inside a openshift\.withCluster closure body/);
  assert.match(await one(`openshift.withCluster('dev') { openshift.withProject('shop') { openshift.withCluster('dev') { } } }`), /openshift\.withCluster cannot be used within a openshift\.withProject closure body/);
  assert.match(await one(`openshift.withProject('shop') { }`), /openshift\.withProject can only be used within a openshift\.withCluster closure body/);
  assert.match(await one(`openshift.withCluster('dev', 'not-a-token') { openshift.selector('pods').count() }`), /the credential 'not-a-token' is a usernamePassword: an OpenShift token is a secret text credential/);
  assert.match(await one(`openshift.withCluster('prod') { openshift.selector('pods').count() }`), /openshift\.withCluster\('prod'\): no cluster of that name is configured \(configured: dev\) and it is not a URL/);
  assert.match(await one(`openshift.withCluster('dev') { openshift.selector('dc/a', 'b') }`), /Unsupported selector parameter; only a single argument is permitted if name\/name is specified/);
  assert.match(await one(`openshift.withCluster() { openshift.selector('pods').count() }`), /openshift\.withCluster\(\): no cluster named "default" is configured and the agent is not in a pod \(KUBERNETES_SERVICE_HOST is not set\)/);
  assert.match(await one(`openshift.withCluster('dev') { openshift.selector('configmap', 'nope').object() }`), /Expected single object, but found selection empty|Unable to retrieve object markup with get/);
});

/** A recording oc: each call's arguments to oc.log; answers as oc prints for the OpenShift-only verbs. */
function recordingOc(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(dir, 'list.json'), JSON.stringify({ kind: 'List', apiVersion: 'v1', items: [
    { apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: { name: 'web' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } },
  ] }));
  fs.writeFileSync(path.join(bin, 'oc'), `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/oc.log"
case "$1" in
  start-build) for a; do case "$a" in buildconfig/*) echo "build.build.openshift.io/\${a#buildconfig/}-7" ;; esac; done ;;
  new-app|process) cat "${dir}/list.json" ;;
  create) [ -f "$3" ] && cp "$3" "${dir}/created.json"; printf 'deploymentconfig.apps.openshift.io/web\\nservice/web\\n' ;;
  tag) echo "Tag $3 set to $2." ;;
  get) echo "buildconfig.build.openshift.io/web" ;;
  *) echo "unexpected $1" >&2; exit 1 ;;
esac
`, { mode: 0o755 });
  return bin;
}

test('OpenShift-only verbs: start-build, new-app (-o=json, then create), process, tag: the exact arguments', async () => {
  const dir = tempDir('openshift-dsl');
  const bin = recordingOc(dir);
  const r = await run(dir, `
node {
  openshift.withCluster('dev') {
    openshift.withProject('shop') {
      def b = openshift.selector('bc', 'web').startBuild('--wait')
      echo "build=\${b.names()}"
      def app = openshift.newApp('https://git.example/web.git', '--name=web')
      echo "app=\${app.names()}"
      def objs = openshift.process('web-template', '-p', 'TAG=1.0')
      echo "processed=\${objs.collect { it.kind }}"
      openshift.tag('web:latest', 'web:prod')
      def related = openshift.selector('bc/web').related('builds')
      echo "related=\${related}"
      echo "bcs=\${openshift.selector('bc', [app: 'web']).narrow('bc').names()}"
    }
  }
}
`, bin);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /build=\[build\/web-7\]/, 'names lose their API group, as the plugin\'s splitNames');
  assert.match(r.stdout, /app=\[deploymentconfig\/web, service\/web\]/);
  assert.match(r.stdout, /processed=\[DeploymentConfig, Service\]/);
  assert.match(r.stdout, /related=selector\(\[name=builds\],\[labels=\{openshift\.io\/build-config\.name=web\}\],\[namelist=null\],\[projectlist=null\]\)/);
  assert.match(r.stdout, /bcs=\[buildconfig\/web\]/);
  const tail = (l: string) => l.replace(/ --kubeconfig=\S+$/, '');
  const log = fs.readFileSync(path.join(dir, 'oc.log'), 'utf8').split('\n').filter(Boolean).map(tail);
  const at = `--server=${kube.url} --namespace=shop --loglevel=0`;
  assert.deepEqual(log.filter((l) => !l.startsWith('get ')), [
    `start-build --wait buildconfig/web -o=name ${at}`,
    `new-app https://git.example/web.git --name=web -o=json ${at}`,
    log.find((l) => l.startsWith('create -f '))!,
    `process -p TAG=1.0 web-template -o=json ${at}`,
    `tag web:latest web:prod ${at}`,
  ]);
  assert.match(log.find((l) => l.startsWith('create -f '))!, new RegExp(`^create -f \\S+/create\\.markup -o=name ${at.replace(/[.]/g, '\\.')}$`));
  const created = JSON.parse(fs.readFileSync(path.join(dir, 'created.json'), 'utf8')) as { kind: string; items: { kind: string }[] };
  assert.deepEqual([created.kind, created.items.map((i) => i.kind)], ['List', ['DeploymentConfig', 'Service']], 'new-app\'s objects are created from its JSON');
});
