// The Kubernetes plugin's provisioner, on a controller (under `kiln run` it has nothing: pods
// there are the Docker plugin's, on this machine's engine): `agent { kubernetes }`, podTemplate
// pods, and `agent { label 'x' }` where no agent has label x but a pod template of a Kubernetes
// cloud does, become pods of the controller's Kubernetes clouds (cloud type `kubernetes`,
// cloud.ts; the pods themselves: provider.ts). It takes a kubernetes request when a Kubernetes
// cloud exists (the one the pipeline names, when it names one); otherwise the router offers it to
// the Docker plugin's clouds, and when no one takes it this provisioner says what is missing.
// At start it deletes the pods a previous run of this controller left, except those of builds
// that run again after the restart, which they adopt (provider.ts); when the controller stops, its
// idle pods (idleMinutes) go.
import type { Provisioner } from '../../core/plugin.ts';
import { kubernetesCloudType } from './cloud.ts';
import { KubernetesPods } from './provider.ts';

const provisioner: Provisioner = {
  serves: ['kubernetes'],
  cloudTypes: [kubernetesCloudType],
  open(host) {
    const ctl = host.controller;
    if (!ctl) return null;
    const clouds = () => ctl.clouds(kubernetesCloudType);
    const pods = new KubernetesPods({
      clouds,
      credential: (id, cloud) => ctl.cloudCredential(id, cloud),
      controllerId: ctl.id,
      agentUrl: () => ctl.agentUrl(),
      buildUrl: (b) => ctl.buildUrl(b),
      agents: ctl.agents,
      log: host.log,
      slots: ctl.slots,
      ...(ctl.buildRunning ? { buildRunning: (id: string) => ctl.buildRunning!(id) } : {}),
    });
    return {
      async takes(req) {
        const wanted = typeof req.options.cloud === 'string' && req.options.cloud !== '' ? req.options.cloud : null;
        const all = await clouds();
        return wanted ? all.some((c) => c.name === wanted) : all.length > 0;
      },
      servesLabel: async (label) => (await pods.cloudForLabel(label)) !== null,
      allocate: (req, build, signal, say) => pods.allocate(req, build, signal, say),
      start: async () => {
        await pods.sweep().catch((e: unknown) => host.log(`kubernetes: sweeping leftover pods failed: ${(e as Error).message}`, { level: 'error' }));
      },
      close: () => pods.close(),
    };
  },
};

export default provisioner;
