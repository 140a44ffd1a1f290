import type { ChatCommand, ChatCommandName } from '@clawfleet/contracts';

const NAMES: Record<string, ChatCommandName> = {
  new: 'new',
  reset: 'new',
  stop: 'stop',
  cancel: 'stop',
  continue: 'continue',
  status: 'status',
  model: 'model',
  help: 'help',
  start: 'help',
};

/**
 * `/stop`, `/model gpt-4.1`, `/new@MyBot` … → a command; anything else (including a path such as
 * `/etc/hosts is missing`) → undefined: an ordinary message for the agent.
 */
export function parseChatCommand(text: string): ChatCommand | undefined {
  const match = /^\/([a-z_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!match) return undefined;
  const [, word, rest = ''] = match;
  if (rest.includes('\n') || rest.length > 200) return undefined;
  const name = NAMES[word.toLowerCase()];
  return name ? { name, args: rest.trim() } : { name: 'unknown', args: `/${word}` };
}
