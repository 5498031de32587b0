// The SonarQube Scanner plugin's `withSonarQubeEnv` and `waitForQualityGate`, declared as data;
// runtime.ts exports the server's variables and polls its web API. The servers (name, URL,
// token credential) are the host's settings (core/http-services.ts). See docs/notifications.md.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const sonarPlugin: PipelinePlugin = {
  name: 'sonar',
  doc: "SonarQube Scanner: withSonarQubeEnv exports a configured server's URL and token; waitForQualityGate polls its quality gate",
  steps: [
    {
      name: 'withSonarQubeEnv',
      jenkinsPlugin: 'SonarQube Scanner',
      differs: "servers are the host's settings (kiln run: KILN_SONAR_SERVERS)",
      doc: "Export a SonarQube server's variables to the block: withSonarQubeEnv('sonar') { sh 'mvn sonar:sonar' }.",
      params: [
        { name: 'installationName', type: 'string', doc: 'the configured server (default: the only one configured)' },
        { name: 'credentialsId', type: 'string', doc: "a secret text token to use instead of the server's" },
        { name: 'envOnly', type: 'boolean', doc: 'export only the variables, not SONARQUBE_SCANNER_PARAMS' },
      ],
      positional: 'installationName',
      block: 'required',
      needsNode: false,
    },
    {
      name: 'waitForQualityGate',
      jenkinsPlugin: 'SonarQube Scanner',
      differs: "polls api/ce/task and api/qualitygates/project_status instead of waiting for the server's webhook; the analysis is read from report-task.txt in the workspace",
      doc: 'Wait for the analysis of the last withSonarQubeEnv block (report-task.txt) and return its quality gate: def qg = waitForQualityGate(); qg.status.',
      params: [
        { name: 'abortPipeline', type: 'boolean', doc: "fail the build when the gate is not 'OK' (default false)" },
        { name: 'credentialsId', type: 'string', doc: "a secret text token to use instead of the server's" },
        { name: 'webhookSecretId', type: 'string', doc: 'accepted; Kiln polls the server instead of waiting for its webhook' },
      ],
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
