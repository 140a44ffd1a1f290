import { MAX_ATTACHMENT_BYTES, MediaType } from '@clawfleet/contracts';
import { z } from 'zod';
import { attachmentOf, formatBytes, mediaTypeOf, sanitizeFileName } from './attachment';
import type { ExecResult, SandboxOwner, SandboxPort } from '../sandbox/sandbox.port';
import { FS_HELPER } from './fs-helper';
import { defineTool, type Tool, type ToolContext } from './tool.port';
import { workspaceRelative } from './workspace-path';

/** Limits of the sandbox tools. */
export interface SandboxToolLimits {
  /** Longest a `bash` call may run; the model may ask for less. */
  readonly bashMaxTimeoutMs: number;
  /** Bytes of stdout (and of stderr) shown to the model. */
  readonly maxOutputBytes: number;
  /** Largest file `send_file` sends (at most MAX_ATTACHMENT_BYTES). */
  readonly maxFileBytes?: number;
}

const FILE_OP_TIMEOUT_MS = 30_000;
/** What the file helper may answer: a file to send, base64, with room to spare. */
const HELPER_OUTPUT_BYTES = Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 64 * 1024;

const owner = (context: ToolContext): SandboxOwner => ({
  tenantId: context.tenantId,
  agentId: context.agentId ?? 'unknown',
  sessionId: context.sessionId,
  ...(context.sandbox && { sandbox: context.sandbox }),
});

/** A limit of the runner, lowered by the agent's sandbox when it says so (never raised: clamped here too). */
const lowered = (ceiling: number, wanted: number | undefined) => Math.min(ceiling, wanted ?? Infinity);

/** A zod path argument: checked here first; symbolic links are checked inside the sandbox. */
const pathArg = (description: string) =>
  z
    .string()
    .max(4_096)
    .describe(description)
    .superRefine((value, ctx) => {
      const checked = workspaceRelative(value);
      if ('error' in checked) ctx.addIssue({ code: 'custom', message: checked.error });
    });

const relative = (value: string) => (workspaceRelative(value) as { ok: string }).ok;

const sizeNote = (what: string, shownBytes: number, total: number) =>
  total > shownBytes ? `\n[${what}: ${total} bytes, the first ${shownBytes} shown]` : '';

/** Renders a command's result for the model: exit code first, stdout and stderr apart. */
export function renderExec(result: ExecResult, timeoutMs: number): string {
  const head = result.timedOut
    ? `timed out after ${Math.round(timeoutMs / 1000)} s: the command and everything running in the sandbox were killed (files are kept)`
    : `exit code: ${result.exitCode ?? 'none (the command was stopped)'}`;
  const parts = [head];
  if (result.stdoutBytes > 0)
    parts.push(`--- stdout ---\n${result.stdout}${sizeNote('stdout', Buffer.byteLength(result.stdout), result.stdoutBytes)}`);
  if (result.stderrBytes > 0)
    parts.push(`--- stderr ---\n${result.stderr}${sizeNote('stderr', Buffer.byteLength(result.stderr), result.stderrBytes)}`);
  if (result.stdoutBytes + result.stderrBytes === 0) parts.push('(no output)');
  return parts.join('\n');
}

/** The workspace tools: each runs in the session's sandbox container, never in the runner. */
export function sandboxTools(sandbox: SandboxPort, limits: SandboxToolLimits): Tool[] {
  /** Runs the file helper inside the sandbox; its {"error"} answers become tool errors. */
  async function helper<T>(op: string, args: Record<string, unknown>, context: ToolContext): Promise<T> {
    const result = await sandbox.exec(owner(context), {
      argv: ['python3', '-c', FS_HELPER, op],
      stdin: JSON.stringify(args),
      timeoutMs: FILE_OP_TIMEOUT_MS,
      maxOutputBytes: HELPER_OUTPUT_BYTES,
      signal: context.signal,
      startBy: context.startBy,
    });
    let answer: { ok?: T; error?: string };
    try {
      answer = JSON.parse(result.stdout) as typeof answer;
    } catch {
      throw new Error(
        result.timedOut ? 'the file operation timed out' : `the file operation failed: ${result.stderr.slice(0, 300) || 'no answer'}`,
      );
    }
    if (answer.error !== undefined) throw new Error(answer.error);
    return answer.ok as T;
  }

  return [
    defineTool({
      name: 'bash',
      description:
        'Run a bash command in the workspace (/workspace) of this session\'s sandbox: files persist between calls; no network, unless this agent has egress (then HTTP and HTTPS to its allow-listed hosts through HTTP_PROXY). Returns the exit code, stdout and stderr.',
      schema: z.object({
        command: z.string().min(1).max(100_000),
        timeoutSeconds: z.number().int().min(1).max(Math.ceil(limits.bashMaxTimeoutMs / 1000)).optional(),
      }),
      idempotent: false,
      async run({ command, timeoutSeconds }, context) {
        const timeoutMs = Math.min(lowered(limits.bashMaxTimeoutMs, context.sandbox?.bashTimeoutMs), (timeoutSeconds ?? 60) * 1000);
        const result = await sandbox.exec(owner(context), {
          argv: ['bash', '-c', command],
          timeoutMs,
          maxOutputBytes: lowered(limits.maxOutputBytes, context.sandbox?.maxOutputBytes),
          signal: context.signal,
          startBy: context.startBy,
        });
        if (result.exitCode === null && !result.timedOut)
          throw new Error(
            `the command wrote ${result.stdoutBytes + result.stderrBytes} bytes of output and was stopped; redirect large output to a file and read parts of it\n${renderExec(result, timeoutMs)}`,
          );
        return renderExec(result, timeoutMs);
      },
    }),
    defineTool({
      name: 'read_file',
      description: 'Read a text file of the workspace, with line numbers. offset: first line (1-based); limit: lines.',
      schema: z.object({
        path: pathArg('file path, relative to /workspace'),
        offset: z.number().int().min(1).default(1),
        limit: z.number().int().min(1).max(5_000).default(2_000),
      }),
      idempotent: true,
      async run({ path, offset, limit }, context) {
        const r = await helper<{ text: string; more: boolean; first: number; last: number }>(
          'read',
          { path: relative(path), offset, limit, maxBytes: lowered(limits.maxOutputBytes, context.sandbox?.maxOutputBytes) },
          context,
        );
        if (r.last < r.first) return `(no lines from line ${offset}: the file is shorter)`;
        return r.more ? `${r.text}\n[lines ${r.first}-${r.last} shown; more follow: read on with offset ${r.last + 1}]` : r.text;
      },
    }),
    defineTool({
      name: 'write_file',
      description: 'Write a file of the workspace (created with its directories, or replaced).',
      schema: z.object({ path: pathArg('file path, relative to /workspace'), content: z.string().max(1_000_000) }),
      idempotent: false,
      async run({ path, content }, context) {
        const r = await helper<{ bytes: number; path: string }>('write', { path: relative(path), content }, context);
        return `wrote ${r.bytes} bytes to ${r.path}`;
      },
    }),
    defineTool({
      name: 'edit_file',
      description:
        'Replace an exact piece of text in a workspace file. oldText must appear exactly once (or set replaceAll).',
      schema: z.object({
        path: pathArg('file path, relative to /workspace'),
        oldText: z.string().min(1).max(200_000),
        newText: z.string().max(200_000),
        replaceAll: z.boolean().default(false),
      }),
      idempotent: false,
      async run({ path, oldText, newText, replaceAll }, context) {
        const r = await helper<{ replaced: number; path: string }>(
          'edit',
          { path: relative(path), old: oldText, new: newText, all: replaceAll },
          context,
        );
        return `replaced ${r.replaced} occurrence(s) in ${r.path}`;
      },
    }),
    defineTool({
      name: 'send_file',
      description: `Send a workspace file to the user as an attachment of a reply (up to ${formatBytes(
        Math.min(limits.maxFileBytes ?? MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_BYTES),
      )}). name: the file name the user sees (default: the file's); mediaType: e.g. "text/csv" (default: from the name or the content); caption: a line to go with it.`,
      schema: z.object({
        path: pathArg('file path, relative to /workspace'),
        name: z.string().min(1).max(1_000).optional(),
        mediaType: MediaType.describe('type/subtype in lower case, e.g. "text/csv"').optional(),
        caption: z.string().min(1).max(1_000).optional(),
      }),
      // The file reaches the user only through the commit that records the call's completion (the
      // outbox): a call cut off before it sent nothing, so running it again sends the file once.
      idempotent: true,
      async run({ path, name, mediaType, caption }, context) {
        const max = Math.min(limits.maxFileBytes ?? MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_BYTES);
        const r = await helper<{ size: number; content: string }>('send', { path: relative(path), max }, context);
        const bytes = Buffer.from(r.content, 'base64');
        if (bytes.length !== r.size) throw new Error('the file changed while it was read; try again');
        const fileName = sanitizeFileName(name ?? relative(path));
        const file = attachmentOf(fileName, bytes, mediaTypeOf(fileName, bytes, mediaType));
        const line = `${file.name} (${formatBytes(file.size)}, ${file.mediaType})`;
        return { file, caption: caption ?? line, result: `sent ${line} to the user` };
      },
    }),
    defineTool({
      name: 'list_files',
      description:
        'List files under a workspace directory (recursively, .git skipped); pattern: a glob such as "*.py" or "src/*.ts".',
      schema: z.object({
        path: pathArg('directory, relative to /workspace').default('.'),
        pattern: z.string().min(1).max(500).optional(),
        recursive: z.boolean().default(true),
      }),
      idempotent: true,
      async run({ path, pattern, recursive }, context) {
        const r = await helper<{ entries: string[]; more: boolean }>(
          'list',
          { path: relative(path), pattern, recursive, max: 1_000 },
          context,
        );
        if (r.entries.length === 0) return pattern ? `no files match ${JSON.stringify(pattern)}` : '(empty)';
        return r.entries.join('\n') + (r.more ? '\n[more than 1000 entries: narrow the path or pattern]' : '');
      },
    }),
    defineTool({
      name: 'grep',
      description: 'Search workspace files with a regular expression (ripgrep). Returns path:line:text.',
      schema: z.object({
        pattern: z.string().min(1).max(1_000),
        path: pathArg('file or directory, relative to /workspace').default('.'),
        glob: z.string().min(1).max(500).optional(),
        ignoreCase: z.boolean().default(false),
      }),
      idempotent: true,
      async run({ pattern, path, glob, ignoreCase }, context) {
        const r = await helper<{ matches: string[]; more: boolean }>(
          'grep',
          { pattern, path: relative(path), glob, ignoreCase, max: 500, maxPerFile: 100 },
          context,
        );
        if (r.matches.length === 0) return 'no matches';
        return r.matches.join('\n') + (r.more ? '\n[more than 500 matches: narrow the pattern or path]' : '');
      },
    }),
  ];
}
