// The extended-choice plugin: the Extended Choice Parameter plugin's `extendedChoice`, declared
// as data. It is a build parameter (a symbol): in `properties([parameters([extendedChoice(...)])])`
// steps/job-properties.ts reads it, `parameters { extendedChoice(...) }` is read by
// model/parameters.ts; both check its options with model/extended-choice.ts. The build form
// (web) shows a select, checkboxes, radio buttons or a text box; the controller checks a given
// value against the choices (controller/builds.ts).
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { EXTENDED_CHOICE_ACCEPTED, EXTENDED_CHOICE_REFUSED, EXTENDED_CHOICE_TYPES } from '../../pipeline/model/extended-choice.ts';

const s = (name: string, doc: string, values?: readonly string[]): StepParam => ({ name, type: 'string', doc, ...(values ? { values } : {}) });

export const extendedChoicePlugin: PipelinePlugin = {
  name: 'extended-choice',
  doc: 'Extended Choice Parameter: extendedChoice, a build parameter of several values (select, checkboxes, radio buttons, text box)',
  steps: [
    {
      name: 'extendedChoice',
      kind: 'symbol',
      jenkinsPlugin: 'Extended Choice Parameter',
      jenkinsClass: 'com.cwctravel.hudson.plugins.extended_choice_parameter.ExtendedChoiceParameterDefinition',
      doc: "A build parameter of several values: extendedChoice(name: 'OS', type: 'PT_CHECKBOX', value: 'linux,mac,windows', defaultValue: 'linux', multiSelectDelimiter: ',', visibleItemCount: 3)",
      differs: "the choices come from value: only; Groovy scripts, script files, property files and PT_JSON are refused (they run code or read the controller's files: use activeChoice for computed choices); a given value must be made of the choices",
      params: [
        s('name', 'the parameter name'),
        s('type', 'the form: PT_SINGLE_SELECT, PT_MULTI_SELECT, PT_CHECKBOX, PT_RADIO or PT_TEXTBOX', EXTENDED_CHOICE_TYPES),
        s('value', "the choices, separated by commas: 'a,b,c'"),
        s('defaultValue', 'the chosen ones of a build without the form, separated by commas (PT_TEXTBOX: the text)'),
        s('multiSelectDelimiter', "joins the chosen values in the build's value (default ',')"),
        { name: 'visibleItemCount', type: 'any', doc: 'the rows the form shows (default 5)' },
        { name: 'quoteValue', type: 'boolean', doc: 'the value is wrapped in double quotes' },
        s('description', 'help text'),
        s('descriptionPropertyValue', 'accepted (labels of the choices in Jenkins\' form)'),
        ...EXTENDED_CHOICE_REFUSED.map((name): StepParam => ({ name, type: 'any', doc: 'refused: Kiln does not run these scripts or read property files' })),
        ...EXTENDED_CHOICE_ACCEPTED.map((name): StepParam => ({ name, type: 'any', doc: 'accepted, no effect' })),
      ],
      block: 'none',
      needsNode: false,
    },
  ],
};
