import { MODEL_ERROR } from '../llm/model-errors';

/**
 * What the user is told when a turn fails. A provider's own error text is for operators (it stays
 * in the logs and in the session's TurnFailed event) and never reaches a chat: it may be long,
 * cryptic, in another language, or carry request ids and account details. Each kind of failure has
 * one short text that says what happened and what the user can do.
 */
const MODEL_TEXTS: Record<string, string> = {
  [MODEL_ERROR.rateLimited]:
    'The model is receiving too many requests right now. Send /continue in a minute to try again.',
  [MODEL_ERROR.quota]:
    "The model provider's quota for this agent is used up. Please tell the operator; once it is topped up, send /continue.",
  [MODEL_ERROR.unavailable]: 'The model is not reachable right now. Send /continue in a moment to try again.',
  [MODEL_ERROR.timeout]: 'The model took too long to answer. Send /continue to try again.',
  [MODEL_ERROR.auth]:
    'The agent could not sign in to its model provider. Please tell the operator to check the model credentials.',
  [MODEL_ERROR.contextTooLong]:
    'This conversation has grown too long for the model. Send /new to start a new conversation.',
  [MODEL_ERROR.refused]: 'The model declined to answer this message. Try rephrasing it.',
  [MODEL_ERROR.notFound]:
    "The model for this conversation is not available. Send /model default to go back to the agent's model.",
  [MODEL_ERROR.rejected]:
    'The model provider rejected the request. Send /continue to try again, or /new to start over if it keeps happening.',
  [MODEL_ERROR.aborted]: 'The model call was cut short. Send /continue to pick up where it stopped.',
  [MODEL_ERROR.unknown]: 'The model could not answer. Send /continue to try again.',
};

/**
 * The short text for a failed turn. Model failures (codes `model-…`) get their kind's text, an
 * unknown kind the generic one; every other failure (the round limit, a token budget, no model
 * configured) was written by the platform for users, and its reason is the text.
 */
export function failureText(failure: { readonly code: string; readonly reason: string }): string {
  const text = MODEL_TEXTS[failure.code];
  if (text) return text;
  return failure.code.startsWith('model-') ? MODEL_TEXTS[MODEL_ERROR.unknown]! : failure.reason;
}
