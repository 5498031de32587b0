// The android-signing plugin: the Android Signing plugin's signAndroidApks step
// (jenkinsci/android-signing-plugin's SignApksBuilder), declared as data (runtime.ts runs it):
//   signAndroidApks(keyStoreId: 'android-release', keyAlias: 'release', apksToSign: '**/*-unsigned.apk',
//     archiveSignedApks: true, archiveUnsignedApks: false, skipZipalign: false,
//     androidHome: env.ANDROID_HOME, zipalignPath: '', signedApkMapping: unsignedApkNameDir())
// Each APK matched is aligned with the SDK's zipalign and signed (v1, v2 and v3 schemes) with the
// key of a certificate credential (a PKCS#12 key store and its password) by the SDK's apksigner,
// on the node; the signed APKs (and unsigned ones when asked) are archived.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Android Signing';
const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

export const androidSigningPlugin: PipelinePlugin = {
  name: 'android-signing',
  doc: 'Android Signing: signAndroidApks, zipalign and apksigner with a certificate credential',
  steps: [
    {
      name: 'signAndroidApks',
      doc: "Align and sign APKs with a key store credential: signAndroidApks(keyStoreId: 'release-keys', keyAlias: 'release', apksToSign: '**/*-unsigned.apk').",
      params: [
        s('keyStoreId', 'a certificate credential: the PKCS#12 key store holding the signing key, and its password', true),
        s('keyAlias', "the key's alias in the key store (empty: the store's only key)"),
        s('apksToSign', "comma-separated Ant patterns of the APKs to sign, in the workspace ('**/*-unsigned.apk')", true),
        b('archiveSignedApks', 'archive the signed APKs (default true) as SignApksBuilder-out/<keyStoreId>/<keyAlias>/<apk>/<signed apk>'),
        b('archiveUnsignedApks', 'archive the unsigned APKs too (default false)'),
        s('androidHome', 'the Android SDK: zipalign and apksigner from its latest build-tools'),
        s('zipalignPath', 'the zipalign executable, or the directory holding it (apksigner is looked for beside it)'),
        b('skipZipalign', 'sign the APKs as they are (default false)'),
        { name: 'signedApkMapping', type: 'any', doc: "where a signed APK goes: unsignedApkSibling() (default: app-unsigned.apk → app.apk, app.apk → app-signed.apk, beside it) or unsignedApkNameDir() (SignApksBuilder-out/<apk name>/<name>-signed.apk)" },
      ],
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'org.jenkinsci.plugins.androidsigning.SignApksBuilder',
      differs: "signing runs the SDK's apksigner on the node (found beside zipalign, in the SDK's latest build-tools, or on PATH) rather than the apksig library inside the agent, with the key store in a private file under the workspace's @tmp for the call and its password on apksigner's stdin; a zipalign that does not know -P (before build-tools 35) is run with -p 4 instead of -P 16 4",
    },
    {
      name: 'unsignedApkSibling',
      kind: 'symbol',
      doc: 'signAndroidApks(signedApkMapping:): the signed APK beside the unsigned one (app-unsigned.apk → app.apk; app.apk → app-signed.apk)',
      params: [], block: 'none', needsNode: false, jenkinsPlugin: PLUGIN,
      jenkinsClass: 'org.jenkinsci.plugins.androidsigning.SignedApkMappingStrategy$UnsignedApkSiblingMapping',
    },
    {
      name: 'unsignedApkNameDir',
      kind: 'symbol',
      doc: 'signAndroidApks(signedApkMapping:): the signed APK as SignApksBuilder-out/<apk file name>/<name>-signed.apk',
      params: [], block: 'none', needsNode: false, jenkinsPlugin: PLUGIN,
      jenkinsClass: 'org.jenkinsci.plugins.androidsigning.SignedApkMappingStrategy$UnsignedApkBuilderDirMapping',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
