// Agent secrets: HMAC-SHA256(key, name) in hex, as Jenkins derives JENKINS_SECRET.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { agentCommandLine, agentSecret, verifyAgentSecret } from '../../src/controller/agents/secret.ts';

test('the secret is the hex HMAC-SHA256 of the name under the controller key', () => {
  const s = agentSecret('key-1', 'agent-a');
  assert.match(s, /^[0-9a-f]{64}$/);
  assert.equal(s, createHmac('sha256', 'key-1').update('agent-a').digest('hex'));
  assert.notEqual(agentSecret('key-1', 'agent-b'), s);
  assert.notEqual(agentSecret('key-2', 'agent-a'), s);
  assert.equal(agentSecret(Buffer.from('key-1'), 'agent-a'), s);
});

test('verification accepts exactly the right secret', () => {
  const s = agentSecret('k', 'n');
  assert.equal(verifyAgentSecret('k', 'n', s), true);
  assert.equal(verifyAgentSecret('k', 'n', s.toUpperCase()), false);
  assert.equal(verifyAgentSecret('k', 'n', s.slice(0, -1)), false);
  assert.equal(verifyAgentSecret('k', 'n', ''), false);
  assert.equal(verifyAgentSecret('k', 'other', s), false);
  assert.equal(verifyAgentSecret('k', 'n', s + 'x'), false);
});

test('the command line is quoted for a shell when it needs to be', () => {
  assert.equal(agentCommandLine({ url: 'https://ci.example.com/', name: 'a-1', secret: 'abc', executors: 2 }),
    'kiln agent --url https://ci.example.com/ --name a-1 --secret abc --executors 2');
  assert.equal(agentCommandLine({ url: 'http://x', name: 'a', secret: 's', workdir: "/it's here" }),
    `kiln agent --url http://x --name a --secret s --workdir '/it'\\''s here'`);
});
