import type { ChatCommand, CommandOutcome } from '@clawfleet/contracts';
import type { SessionState } from './session.state';

export const HELP =
  'Commands: /new starts a new conversation, /stop stops the running turn, /continue goes on after a failure or a stop, /status shows the session, /usage shows the tokens and cost of the session and of the agent today, /model [name] shows or sets the model (/model default goes back), /help shows this.';

/** What /continue asks the model. */
export const CONTINUE_TEXT = 'Please continue where you stopped.';

const text = (t: string): CommandOutcome => ({ answer: { kind: 'text', text: t } });

/**
 * What a chat command does to the session, decided when it is recorded (the decider puts it in
 * `CommandReceived.outcome`, and folding only applies it). Pure; `state` is the session's before the
 * command (`empty` for a session the command starts).
 */
export function decideCommand(command: ChatCommand, state: SessionState): CommandOutcome {
  switch (command.name) {
    case 'stop':
      // Stops the running turn and drops what waits behind it: the user wants the agent to stop.
      if (state.status === 'running' || state.status === 'suspended') return { dropQueue: true, cancelTurn: true };
      return {
        dropQueue: true,
        ...text(state.status === 'idle' && state.queue.length > 0 ? 'Stopped.' : 'There is nothing to stop.'),
      };
    case 'continue':
      return { queue: CONTINUE_TEXT };
    case 'status':
      return { answer: { kind: 'status' } };
    case 'usage':
      return { answer: { kind: 'usage' } };
    case 'model':
      return command.args
        ? text(`The model is now ${command.args === 'default' ? "the agent's default" : command.args}.`)
        : { answer: { kind: 'status' } };
    case 'new':
      return text('Started a new conversation.');
    case 'help':
      return text(HELP);
    case 'unknown':
      return text(`Unknown command ${command.args}. ${HELP}`);
    case 'refused':
    case 'notice':
      return text(command.args);
    default:
      return command.name satisfies never;
  }
}
