// The agent bundle the SSH launcher uploads: it lives in src/util/agent-bundle.ts, since the
// controller also serves it as a download (GET /api/v1/agent/bundle.tgz) and a host may not
// import a plugin's folder. Re-exported here so the plugin's imports stay as they were.
export { agentBundle, BUNDLE_MARKER, KILN_ROOT, type AgentBundle, type BundleFile } from '../../util/agent-bundle.ts';
