// The active-choices plugin: the Active Choices plugin's build parameters, declared as data.
// They are symbols: in `properties([parameters([activeChoice(...)])])` they define a parameter
// (steps/job-properties.ts reads them; `parameters { activeChoice(...) }` is read by
// model/parameters.ts); groovyScript(...) is their script. Their options are checked by
// pipeline/model/active-choices.ts; the build form's choices come from the controller
// (controller/active-choices.ts), which runs the script sandboxed (model/active-choices-eval.ts).
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { CHOICE_TYPES, HTML_TYPES } from '../../pipeline/model/active-choices.ts';

const PLUGIN = 'Active Choices';
const s = (name: string, doc: string, values?: readonly string[]): StepParam => ({ name, type: 'string', doc, ...(values ? { values } : {}) });
const DIFFERS = "the script runs in Kiln's sandboxed Groovy interpreter whatever `sandbox:` says (no classpath, no Scriptler scripts), at most 10 seconds, with only the referenced parameters bound; a build started without the form (API, timer) gets the script's ':selected' entries, else its first (Jenkins: the first entry's label)";

const param = (name: string, cls: string, doc: string, more: StepParam[]): StepDecl => ({
  name,
  kind: 'symbol',
  jenkinsPlugin: PLUGIN,
  jenkinsClass: `org.biouno.unochoice.${cls}`,
  doc,
  differs: DIFFERS,
  params: [
    { name: 'name', type: 'string', required: true, doc: 'the parameter name' },
    s('description', 'help text'),
    { name: 'script', type: 'any', required: true, doc: "groovyScript(script: [script: \"return ['a', 'b']\", sandbox: true], fallbackScript: [script: \"return ['error']\", sandbox: true])" },
    s('randomName', 'accepted (the form element id in Jenkins)'),
    ...more,
  ],
  block: 'none',
  needsNode: false,
});

const filter: StepParam[] = [
  { name: 'filterable', type: 'boolean', doc: 'the form shows a filter box' },
  { name: 'filterLength', type: 'integer', doc: 'accepted (characters before the filter applies)' },
];
const refs = s('referencedParameters', "the parameters (comma separated) whose values the script sees as variables; the form asks again when they change");

export const activeChoicesPlugin: PipelinePlugin = {
  name: 'active-choices',
  doc: 'Active Choices: activeChoice, reactiveChoice and activeChoiceHtml, build parameters whose choices a sandboxed Groovy script gives',
  steps: [
    param('activeChoice', 'ChoiceParameter', "A parameter whose choices a script gives: activeChoice(name: 'ENV', choiceType: 'PT_SINGLE_SELECT', script: groovyScript(script: [script: \"['dev', 'prod']\"])).",
      [s('choiceType', 'how the form shows it (default PT_SINGLE_SELECT)', CHOICE_TYPES), ...filter]),
    param('reactiveChoice', 'CascadeChoiceParameter', "A parameter whose choices depend on others: reactiveChoice(name: 'HOST', referencedParameters: 'ENV', script: groovyScript(script: [script: \"ENV == 'prod' ? ['p1'] : ['d1']\"])).",
      [s('choiceType', 'how the form shows it (default PT_SINGLE_SELECT)', CHOICE_TYPES), refs, ...filter]),
    param('activeChoiceHtml', 'DynamicReferenceParameter', "A parameter whose text or HTML a script gives: activeChoiceHtml(name: 'INFO', choiceType: 'ET_FORMATTED_HTML', referencedParameters: 'ENV', script: groovyScript(...)).",
      [s('choiceType', 'how the form shows it (default ET_TEXT_BOX)', HTML_TYPES), refs, { name: 'omitValueField', type: 'boolean', doc: 'the form sends no value of its own for ET_FORMATTED_HTML' }]),
    {
      name: 'groovyScript',
      kind: 'symbol',
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'org.biouno.unochoice.model.GroovyScript',
      doc: "An Active Choices parameter's script: groovyScript(script: [script: '...', sandbox: true, classpath: []], fallbackScript: [script: '...', sandbox: true]).",
      params: [
        { name: 'script', type: 'any', required: true, doc: "the script: [script: '...', sandbox: true] (or the text)" },
        { name: 'fallbackScript', type: 'any', doc: 'the script run when the first one fails' },
      ],
      block: 'none',
      needsNode: false,
    },
  ],
};
