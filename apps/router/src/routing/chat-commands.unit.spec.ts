import { parseChatCommand } from './chat-commands';

describe('parseChatCommand', () => {
  it.each([
    ['/stop', { name: 'stop', args: '' }],
    ['/cancel', { name: 'stop', args: '' }],
    ['  /new  ', { name: 'new', args: '' }],
    ['/model gpt-4.1', { name: 'model', args: 'gpt-4.1' }],
    ['/Status@ClawfleetBot', { name: 'status', args: '' }],
    ['/start', { name: 'help', args: '' }],
    ['/frobnicate now', { name: 'unknown', args: '/frobnicate' }],
    ['/usage', { name: 'usage', args: '' }],
    ['/pair k7qx-m2pd', { name: 'pair', args: 'k7qx-m2pd' }],
    ['/approve K7QXM2PD', { name: 'pair', args: 'K7QXM2PD' }],
  ])('reads %j as a command', (text, command) => {
    expect(parseChatCommand(text)).toEqual(command);
  });

  it.each(['hello', '/etc/hosts is missing', 'please /stop', '/model a\nb', ''])('leaves %j to the agent', (text) => {
    expect(parseChatCommand(text)).toBeUndefined();
  });
});
