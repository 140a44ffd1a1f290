import type { Attachment, ToolCall, ToolOutcome } from '@clawfleet/contracts';
import type { AgentSandbox } from '@clawfleet/provisioning';
import { z } from 'zod';
import type { ToolSpec } from '../llm/llm.port';
import { Fenced } from '../sandbox/sandbox.port';

export interface ToolContext {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly turnId: string;
  readonly toolCallId: string;
  readonly signal?: AbortSignal;
  /** The session's agent (labels its sandbox) and its configuration version (which tools it allows). */
  readonly agentId?: string;
  readonly agentVersion?: number | null;
  /** The agent version's sandbox policy (lower limits, runtime, egress); absent: the runner's defaults, no egress. */
  readonly sandbox?: AgentSandbox;
  /** The fence of a call with an effect: the epoch ms after which it must not start (see `ExecRequest.startBy`). */
  readonly startBy?: () => number;
}

/** A tool that waits for something outside: the turn suspends, no process holds it. */
export interface Suspension {
  readonly suspend: true;
  readonly reason: string;
  /** Sent to the user now; their next message is the tool's result. */
  readonly question?: string;
}

export const isSuspension = (value: unknown): value is Suspension =>
  typeof value === 'object' && value !== null && (value as Suspension).suspend === true;

/** A file for the user (send_file): it goes out as a reply of its own in the commit that records the call. */
export interface FileForUser {
  readonly file: Attachment;
  /** The reply's text that goes with it. */
  readonly caption: string;
  /** What the model is told. */
  readonly result: string;
}

const isFileForUser = (value: unknown): value is FileForUser =>
  typeof value === 'object' && value !== null && 'file' in value && 'result' in value;

/** What a call gives: an outcome for the model (with, from send_file, a file for the user), or a suspension. */
export type ToolResult = (ToolOutcome & { readonly send?: { readonly file: Attachment; readonly caption: string } }) | Suspension;

export interface Tool<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  /** Safe to run again after a crash cut it off (it has no effect, or the same effect twice). */
  readonly idempotent: boolean;
  run(args: z.infer<S>, context: ToolContext): Promise<string | Suspension | FileForUser>;
}

export const defineTool = <S extends z.ZodType>(tool: Tool<S>): Tool => tool as unknown as Tool;

/** Largest tool output handed back to the model, in characters; the rest is cut with a note. */
export const MAX_TOOL_OUTPUT = 20_000;

/** The tools of an agent: their specs for the model, and validated execution. */
export class ToolBox {
  private readonly byName: Map<string, Tool>;
  readonly specs: readonly ToolSpec[];

  constructor(tools: readonly Tool[]) {
    this.byName = new Map(tools.map((t) => [t.name, t]));
    this.specs = tools.map((t) => ({
      name: t.name,
      description: t.description,
      parameters: z.toJSONSchema(t.schema) as Record<string, unknown>,
    }));
  }

  isIdempotent(name: string): boolean {
    return this.byName.get(name)?.idempotent ?? false;
  }

  /** Runs a call the model made. Bad names and arguments go back to the model as tool errors. */
  async run(call: ToolCall, context: ToolContext): Promise<ToolResult> {
    const tool = this.byName.get(call.name);
    if (!tool) return { status: 'error', content: `Unknown tool "${call.name}". Available: ${[...this.byName.keys()].join(', ') || 'none'}.` };
    let json: unknown;
    try {
      json = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch {
      return { status: 'error', content: `The arguments of ${call.name} are not valid JSON.` };
    }
    const args = tool.schema.safeParse(json);
    if (!args.success) {
      const problems = args.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
      return { status: 'error', content: `Invalid arguments for ${call.name}: ${problems}` };
    }
    try {
      const output = await tool.run(args.data, context);
      if (isSuspension(output)) return output;
      const cut = (text: string) =>
        text.length > MAX_TOOL_OUTPUT ? `${text.slice(0, MAX_TOOL_OUTPUT)}\n[output cut at ${MAX_TOOL_OUTPUT} characters]` : text;
      if (isFileForUser(output))
        return { status: 'ok', content: cut(output.result), send: { file: output.file, caption: output.caption } };
      return { status: 'ok', content: cut(output) };
    } catch (error) {
      // Not the tool's failure: the runner lost its lease, nothing ran, nothing is to be recorded.
      if (error instanceof Fenced) throw error;
      return { status: 'error', content: `${call.name} failed: ${(error as Error).message}` };
    }
  }
}
