// The mask-passwords plugin: Jenkins' Mask Passwords plugin, declared as data (runtime.ts runs it):
//   maskPasswords(varPasswordPairs: [[var: 'DB_PW', password: 's3cret']], varMaskRegexes: [[regex: 'tok-[0-9a-f]{8}']]) { ... }
//   wrap([$class: 'MaskPasswordsBuildWrapper', varPasswordPairs: [...], varMaskRegexes: [...]]) { ... }
// The block runs with each pair's variable set to its password, and from then on the console
// shows ******** for each password and each match of each regex (Kiln's secret masking: the
// build's masker, engine/output.ts). The class form is a 'class' step with a block, which `wrap`
// runs (steps/wrap.ts).
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Mask Passwords';
const FQCN = 'com.michelin.cio.hudson.plugins.maskpasswords.MaskPasswordsBuildWrapper';
const DIFFERS = 'There are no global var/password pairs or regexes (Manage Jenkins); Kiln already masks credentials and password parameters itself. The values stay masked until the build ends, not only inside the block. Regexes are Java regular expressions, translated as the rest of Kiln translates them (a construct JavaScript cannot express, such as \\G or \\X, is refused by name), and must be safe to run: at most 512 characters, no back-reference and no repeated part that can match the same text in several ways (such patterns can take exponential time); each is matched against lines in pieces of 4096 characters.';

const params: StepParam[] = [
  { name: 'varPasswordPairs', type: 'list', doc: "[[var: 'NAME', password: 'value'], ...]: each password is masked; a non-empty var is set to it in the block" },
  { name: 'varMaskRegexes', type: 'list', doc: "[[regex: '...'], ...]: every match is masked" },
];

const wrapperClass: StepDecl = {
  name: 'MaskPasswordsBuildWrapper',
  kind: 'class',
  doc: "Mask passwords and regex matches in the block's console (the wrapper, as wrap([$class: 'MaskPasswordsBuildWrapper', varPasswordPairs: [...]]) { ... }).",
  params,
  block: 'required',
  needsNode: false,
  jenkinsPlugin: PLUGIN,
  jenkinsClass: FQCN,
  differs: DIFFERS,
};

export const maskPasswordsPlugin: PipelinePlugin = {
  name: 'mask-passwords',
  doc: 'Mask Passwords: maskPasswords(varPasswordPairs:, varMaskRegexes:) { ... } and its wrap([$class: MaskPasswordsBuildWrapper]) form',
  steps: [
    {
      name: 'maskPasswords',
      doc: "Mask passwords and regex matches in the console (********): maskPasswords(varPasswordPairs: [[var: 'PW', password: 's3cret']], varMaskRegexes: [[regex: 'tok-[0-9a-f]{8}']]) { sh 'deploy.sh' }.",
      params,
      block: 'required',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: FQCN,
      differs: DIFFERS,
    },
    wrapperClass,
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
