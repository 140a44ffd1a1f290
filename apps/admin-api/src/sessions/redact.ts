/**
 * Credential shapes masked in what the admin API shows of recorded text (a timeline): defence in
 * depth, since none should ever be recorded (provider keys never leave session-runner, API keys are
 * stored hashed). A user who pasted a key into a chat sees it masked here too.
 */
const SECRET_SHAPES: readonly RegExp[] = [
  /\bcf_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{20,}/g, // Clawfleet API keys
  /\bsk-[A-Za-z0-9_-]{20,}/g, // OpenAI and Anthropic keys
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/g, // Telegram bot tokens
  /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/gi,
];

export const MASK = '[redacted]';

export function redactText(text: string): string {
  let out = text;
  for (const shape of SECRET_SHAPES) out = out.replace(shape, MASK);
  return out;
}

/** A deep copy of a JSON value with every string passed through `redactText`. */
export function redactSecrets<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map(redactSecrets) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)])) as T;
  return value;
}
