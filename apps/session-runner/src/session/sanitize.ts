import { sanitizeText, type ToolCall, type ToolOutcome } from '@clawfleet/contracts';
import type { ModelResponse } from '../llm/llm.port';
import type { Suspension } from '../tools/tool.port';

/**
 * What a model or a tool produces is made storable where it enters the runner (the turn's effects),
 * so every event recorded from it is accepted by the event store: NUL characters and lone surrogates
 * (see `storableTextProblem` in the contracts) are replaced with U+FFFD. Nothing is refused here: a
 * model's answer with a stray NUL is still an answer. What was replaced is recorded: a count on the
 * model's response, a note in a tool's output (which the model reads).
 */

/** A model response with its text made storable; `sanitized`: characters replaced, when any. */
export type SanitizedResponse<R extends ModelResponse = ModelResponse> = R & { readonly sanitized?: number };

export function sanitizeResponse<R extends ModelResponse>(response: R): SanitizedResponse<R> {
  let replaced = 0;
  const clean = (text: string) => {
    const result = sanitizeText(text);
    replaced += result.replaced;
    return result.text;
  };
  const text = clean(response.text);
  const toolCalls = response.toolCalls.map((call): ToolCall => ({
    id: clean(call.id),
    name: clean(call.name),
    arguments: clean(call.arguments),
  }));
  const model = clean(response.model);
  const finishReason = clean(response.finishReason);
  if (replaced === 0) return response;
  return { ...response, text, toolCalls, model, finishReason, sanitized: replaced };
}

/** The note a tool's output gets when characters of it were replaced. */
export const sanitizedNote = (replaced: number) =>
  `\n[${replaced} character(s) that cannot be stored (NUL or lone surrogates) were replaced with U+FFFD.]`;

/** A tool's outcome (or the suspension it asks for) with its text made storable. */
export function sanitizeToolResult<T extends ToolOutcome | Suspension>(result: T): T {
  if ('suspend' in result) {
    const reason = sanitizeText(result.reason).text;
    const question = result.question === undefined ? undefined : sanitizeText(result.question).text;
    return reason === result.reason && question === result.question
      ? result
      : { ...result, reason, ...(question !== undefined && { question }) };
  }
  const { text, replaced } = sanitizeText(result.content);
  return replaced === 0 ? result : { ...result, content: text + sanitizedNote(replaced) };
}
