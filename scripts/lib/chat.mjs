// Terminal chat with the default agent over channel-gateway's HTTP channel:
//   POST /v1/chats/:chatId/messages {text, sender:{id}} -> 202 {messageId, duplicate}
//   GET  /v1/chats/:chatId/events   (SSE, event: reply, data: {text, kind, attachment?})
// A reply's attachment (a file the agent sent) is saved under `downloads` and shown as one line.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export function cliChatId() {
  let user = 'user';
  try {
    user = os.userInfo().username || user;
  } catch {
    user = process.env.USER || user;
  }
  return { user, chatId: `cli-${user}`.replace(/[^A-Za-z0-9_:-]/g, '_') };
}

/** Reads an SSE stream forever (reconnecting with Last-Event-ID); calls onEvent({id, event, data}). */
export function subscribe(url, onEvent, onTrouble, signal) {
  let lastId = null;
  const connect = async () => {
    while (!signal.aborted) {
      let retryMs = 1000;
      try {
        const headers = { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) };
        const res = await fetch(url, { headers, signal });
        // 429: the chat (or this client) has as many streams open as the gateway allows.
        if (res.status === 429) retryMs = 1000 * (Number(res.headers.get('retry-after')) || 1);
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body) {
          buf += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const ev = { id: null, event: 'message', data: [] };
            for (const line of block.split('\n')) {
              if (!line || line.startsWith(':')) continue;
              const i = line.indexOf(':');
              const field = i < 0 ? line : line.slice(0, i);
              const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
              if (field === 'data') ev.data.push(value);
              else if (field === 'id') ev.id = value;
              else if (field === 'event') ev.event = value;
            }
            if (ev.id !== null) lastId = ev.id;
            if (ev.data.length) onEvent({ ...ev, data: ev.data.join('\n') });
          }
        }
        throw new Error('stream ended');
      } catch (e) {
        if (signal.aborted) return;
        onTrouble(`event stream: ${e.cause?.code ?? e.message}; reconnecting`);
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  };
  void connect();
}

/**
 * Saves a reply's attachment in `dir` under its name (made safe again: the last path part, no control
 * characters; `name (1).ext` when taken) after checking its size and hash. Returns the line to show.
 */
export function saveAttachment(dir, attachment) {
  const bytes = Buffer.from(String(attachment.content ?? ''), 'base64');
  const size = bytes.length < 1024 ? `${bytes.length} bytes` : `${(bytes.length / 1024).toFixed(1)} KiB`;
  if (bytes.length !== attachment.size || createHash('sha256').update(bytes).digest('hex') !== attachment.sha256)
    return `[file ${JSON.stringify(attachment.name)} arrived damaged; not saved]`;
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const safe = String(attachment.name).split(/[/\\]/).at(-1).replace(/[\u0000-\u001f\u007f-\u009f]/g, '_') || 'file';
  const base = safe === '.' || safe === '..' ? 'file' : safe;
  fs.mkdirSync(dir, { recursive: true });
  const ext = path.extname(base);
  for (let n = 0; ; n++) {
    const file = path.join(dir, n === 0 ? base : `${path.basename(base, ext)} (${n})${ext}`);
    try {
      fs.writeFileSync(file, bytes, { flag: 'wx', mode: 0o600 });
      return `[file ${base}, ${size}, ${attachment.mediaType}: saved to ${path.relative(process.cwd(), file) || file}]`;
    } catch (e) {
      if (e.code !== 'EEXIST') return `[file ${base}, ${size}: could not be saved: ${e.message}]`;
    }
  }
}

/** Interactive chat; resolves when the user quits (/quit, Ctrl-D, Ctrl-C). Files the agent sends go to `downloads`. */
export function chat(baseUrl, { downloads = path.join(process.cwd(), 'downloads') } = {}) {
  const { user, chatId } = cliChatId();
  const out = process.stdout;
  const rl = readline.createInterface({ input: process.stdin, output: out, prompt: 'you> ' });
  const abort = new AbortController();
  let waiting = false;

  const print = (text) => {
    readline.clearLine(out, 0);
    readline.cursorTo(out, 0);
    out.write(`${text}\n`);
    if (waiting) out.write('…');
    else rl.prompt(true);
  };

  subscribe(
    `${baseUrl}/v1/chats/${encodeURIComponent(chatId)}/events`,
    ({ event, data }) => {
      let msg;
      try {
        msg = JSON.parse(data);
      } catch {
        msg = { text: data, kind: 'reply' };
      }
      if (event !== 'reply' && msg.kind === undefined) return;
      waiting = false;
      const kind = msg.kind ?? 'reply';
      if (msg.attachment) return print(`agent> ${msg.text}\n       ${saveAttachment(downloads, msg.attachment)}`);
      print(
        kind === 'reply' ? `agent> ${msg.text}` : kind === 'error' ? `agent! ${msg.text}` : `[${kind}] ${msg.text}`,
      );
    },
    (trouble) => print(`(${trouble})`),
    abort.signal,
  );

  out.write(`Chatting with the default agent as ${user} (chat ${chatId}). /quit, Ctrl-D or Ctrl-C to stop.\n`);
  rl.prompt();

  rl.on('line', async (line) => {
    const text = line.trim();
    if (text === '/quit') return rl.close();
    if (!text) return rl.prompt();
    try {
      const res = await fetch(`${baseUrl}/v1/chats/${encodeURIComponent(chatId)}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, sender: { id: user } }),
      });
      if (res.status !== 202) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
      waiting = true;
      out.write('…');
    } catch (e) {
      print(`(message not sent: ${e.cause?.code ?? e.message})`);
    }
  });

  return new Promise((resolve) => {
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      abort.abort();
      out.write('\n');
      resolve();
    });
  });
}
