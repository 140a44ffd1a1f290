import { AgentConfig, type AgentSandbox } from '@clawfleet/provisioning';
import { z } from 'zod';
import { runtimeOf } from '../agents/agent-runtime';
import type { LlmProvider } from '../llm/llm.port';
import { defineTool, ToolBox, type ToolContext } from '../tools/tool.port';
import { webFetchTool } from '../tools/web-fetch';
import { createTurnEffects } from './turn.effects';

// The turn's gate in front of the tools: web_fetch only for an agent whose sandbox has egress, and
// every tool run under its agent version's sandbox policy. No network: the only fetch asked for is
// refused by its arguments.
const llm: LlmProvider = { complete: () => Promise.reject(new Error('no model here')) };
const agent = (sandbox: unknown, toolsAllowed: string[] | null = null) =>
  runtimeOf('a1', 1, AgentConfig.parse({ instructions: 'x', sandbox, toolsAllowed }), llm, 'm');
const seen: (AgentSandbox | undefined)[] = [];
const probe = defineTool({
  name: 'probe',
  description: 'records the sandbox it runs under',
  schema: z.object({}),
  idempotent: true,
  async run(_args, context) {
    seen.push(context.sandbox);
    return 'ran';
  },
});

function effects(sandbox: unknown, toolsAllowed: string[] | null = null) {
  return createTurnEffects({
    budgets: { reserve: async () => ({ granted: true, id: null }), settle: async () => {} },
    reserveOutputTokens: 1,
    agents: async () => agent(sandbox, toolsAllowed),
    tools: new ToolBox([probe, webFetchTool({ timeoutMs: 1_000, maxBytes: 1_024, maxOutputBytes: 1_024 })]),
  });
}
const context: ToolContext = { tenantId: 't1', sessionId: 's1', turnId: 't', toolCallId: 'c', agentId: 'a1', agentVersion: 1 };
const call = (name: string, args: unknown = {}) => ({ id: 'c', name, arguments: JSON.stringify(args) });

describe('tools in a turn', () => {
  it('refuse web_fetch to an agent whose sandbox has no egress, saying why', async () => {
    expect(await effects({}).runTool(call('web_fetch', { url: 'http://example.com/' }), context)).toEqual({
      status: 'error',
      content: 'The tool "web_fetch" is not available to this agent: its sandbox has no egress.',
    });
    expect(await effects({ egress: { allow: ['example.com'] } }, ['probe']).runTool(call('web_fetch', { url: 'http://example.com/' }), context)).toEqual({
      status: 'error',
      content: 'The tool "web_fetch" is not available to this agent.',
    });
  });

  it('run web_fetch for an agent with egress, under its sandbox', async () => {
    expect(await effects({ egress: { allow: ['example.com'] } }).runTool(call('web_fetch', { url: 'file:///etc/passwd' }), context)).toEqual({
      status: 'error',
      content: 'Invalid arguments for web_fetch: url: only http and https URLs can be fetched, not file:',
    });
  });

  it("give every tool its agent version's sandbox policy", async () => {
    seen.length = 0;
    await effects({ memoryMb: 64, egress: { allow: ['example.com'] } }).runTool(call('probe'), context);
    expect(seen).toEqual([{ memoryMb: 64, egress: { allow: ['example.com'] }, runtime: null }]);
  });
});
