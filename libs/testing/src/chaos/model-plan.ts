/** What the chaos model says and does for a message: pure, so the checker can judge by it. */

/** Messages whose text carries this marker make the fake model call a tool (see `chaosToolCall`) before it answers. */
export const TOOL_MARKER = '[tool]';

/** The file of a session's workspace that the chaos model's sandbox calls append to and search. */
export const CHAOS_TOOL_FILE = 'chaos-tool.log';

/** The line a message's `bash` call appends: the message's text without the marker (unique in a run). */
export const toolLabel = (text: string) => text.replace(TOOL_MARKER, '').trim();

/**
 * The tool a `[tool]` message makes the model call, by the message's index in its chat: `bash`
 * appending the message's label to CHAOS_TOOL_FILE (not idempotent: cut off, it must be reported as
 * interrupted and never run twice, which the checker reads from the workspaces), `grep` for the
 * label in that file (idempotent: run again after a crash), or `get_time` (no sandbox).
 */
export function chaosToolCall(text: string): { name: string; arguments: Record<string, unknown> } {
  const index = Number(/ message (\d+)/.exec(text)?.[1] ?? 0);
  const label = toolLabel(text);
  if (index % 3 === 0) return { name: 'bash', arguments: { command: `echo '${label}' >> ${CHAOS_TOOL_FILE}` } };
  if (index % 3 === 1) return { name: 'grep', arguments: { pattern: label, path: CHAOS_TOOL_FILE } };
  return { name: 'get_time', arguments: {} };
}

/** The one reply the chaos model gives to a user message: exact, so the checker can compare texts. */
export const echoOf = (text: string) => `echo: ${text}`;
