import type { ChatCommand, ChatCommandName } from '@clawfleet/contracts';

/**
 * A command as the router reads it: one of the session's (`ChatCommand`), or `pair` — an owner's
 * approval of a pairing code, which the router carries out itself and never sends to a session.
 */
export type RoutedCommand = ChatCommand | { readonly name: 'pair'; readonly args: string };

const NAMES: Record<string, ChatCommandName | 'pair'> = {
  new: 'new',
  reset: 'new',
  stop: 'stop',
  cancel: 'stop',
  continue: 'continue',
  status: 'status',
  usage: 'usage',
  model: 'model',
  help: 'help',
  start: 'help',
  pair: 'pair',
  approve: 'pair',
};

/**
 * `/stop`, `/model gpt-4.1`, `/new@MyBot` … → a command; anything else (including a path such as
 * `/etc/hosts is missing`) → undefined: an ordinary message for the agent.
 */
export function parseChatCommand(text: string): RoutedCommand | undefined {
  return parseAddressedCommand(text)?.command;
}

/** The command and, for `/new@support`, whom it addresses (`support`). */
export function parseAddressedCommand(text: string): { command: RoutedCommand; target?: string } | undefined {
  const match = /^\/([a-z_]{1,32})(?:@([A-Za-z0-9_-]{1,100}))?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!match) return undefined;
  const [, word, target, rest = ''] = match;
  if (rest.includes('\n') || rest.length > 200) return undefined;
  const name = NAMES[word.toLowerCase()];
  const command: RoutedCommand = name ? { name, args: rest.trim() } : { name: 'unknown', args: `/${word}` };
  return target ? { command, target } : { command };
}
