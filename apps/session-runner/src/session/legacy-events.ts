import type { ChatCommand, CommandOutcome } from '@clawfleet/contracts';
import type { SessionState } from './session.state';

/*
 * Upcasting of events recorded before their shape changed, so old streams fold as they did when
 * they were written. Frozen: these reproduce what the code of that time decided, texts included,
 * and never change with today's texts.
 */

/** The /help text of the time `CommandReceived` carried no outcome. */
const HELP_BEFORE_OUTCOMES =
  'Commands: /new starts a new conversation, /stop stops the running turn, /continue goes on after a failure or a stop, /status shows the session, /model [name] shows or sets the model (/model default goes back), /help shows this.';

/**
 * The outcome of a `CommandReceived` recorded without one: what folding it decided then (the
 * state it is folded on is the state it was recorded on).
 */
export function outcomeOfLegacyCommand(
  command: ChatCommand,
  state: Exclude<SessionState, { status: 'empty' }>,
): CommandOutcome {
  const text = (t: string): CommandOutcome => ({ answer: { kind: 'text', text: t } });
  switch (command.name) {
    case 'stop':
      return state.status === 'idle'
        ? { dropQueue: true, ...text(state.queue.length > 0 ? 'Stopped.' : 'There is nothing to stop.') }
        : { dropQueue: true, cancelTurn: true };
    case 'continue':
      return { queue: 'Please continue where you stopped.' };
    case 'status':
      return { answer: { kind: 'status' } };
    case 'model':
      return command.args
        ? text(`The model is now ${command.args === 'default' ? "the agent's default" : command.args}.`)
        : { answer: { kind: 'status' } };
    case 'new':
      return text('Started a new conversation.');
    case 'help':
      return text(HELP_BEFORE_OUTCOMES);
    case 'unknown':
      return text(`Unknown command ${command.args}. ${HELP_BEFORE_OUTCOMES}`);
    case 'refused':
      return text(command.args);
    // Names that came with outcomes; never recorded without one.
    case 'usage':
      return { answer: { kind: 'usage' } };
    case 'notice':
      return text(command.args);
    default:
      return command.name satisfies never;
  }
}
