// Terminal chat with the default agent over channel-gateway's HTTP channel, with a channel:client key
// (`npm start` makes one for this checkout's local user: .clawfleet/chat-key):
//   POST /v1/chats/:chatId/messages {text} -> 202 {messageId, duplicate}   (the sender is the key's user)
//   GET  /v1/chats/:chatId/events   (SSE, event: reply, data: {text, kind, attachment?})
// A reply's attachment (a file the agent sent) is saved under `downloads` and shown as one line.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT } from './common.mjs';

export const CHAT_KEY_FILE = path.join(ROOT, '.clawfleet', 'chat-key');

export function cliChatId() {
  let user = 'user';
  try {
    user = os.userInfo().username || user;
  } catch {
    user = process.env.USER || user;
  }
  const safe = (s) => s.replace(/[^A-Za-z0-9_:-]/g, '_');
  // The key's user (admin API user ids: [A-Za-z0-9_:.@-]) and the chat's name.
  return { user, userId: `local-${safe(user)}`.slice(0, 128), chatId: safe(`cli-${user}`).slice(0, 100) };
}

/**
 * The terminal chat's channel:client key, kept in .clawfleet/chat-key (mode 600): the one there while
 * it still works in `tenantId` (asked of the admin API's /v1/me), else a new one for the local user,
 * made through the admin API with its bootstrap key. Idempotent: every start after the first reuses it.
 */
export async function localChatKey({ adminUrl, adminKey, tenantId, userId }) {
  if (fs.existsSync(CHAT_KEY_FILE)) {
    const key = fs.readFileSync(CHAT_KEY_FILE, 'utf8').trim();
    const res = await fetch(`${adminUrl}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    const me = res.ok ? await res.json() : undefined;
    if (me?.scope === 'channel:client' && me.tenantId === tenantId) return { key, userId: me.userId, made: false };
    // Revoked, expired, of another database or tenant: a new one replaces it.
  }
  const res = await fetch(`${adminUrl}/v1/tenants/${encodeURIComponent(tenantId)}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'channel:client', name: 'terminal chat (npm start)', userId }),
  });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`the admin API did not make the chat key: HTTP ${res.status} ${body.slice(0, 300)}`);
  const { key } = JSON.parse(body);
  fs.mkdirSync(path.dirname(CHAT_KEY_FILE), { recursive: true });
  fs.rmSync(CHAT_KEY_FILE, { force: true });
  fs.writeFileSync(CHAT_KEY_FILE, `${key}\n`, { mode: 0o600 });
  return { key, userId, made: true };
}

/** Reads an SSE stream forever (reconnecting with Last-Event-ID); calls onEvent({id, event, data}). */
export function subscribe(url, key, onEvent, onTrouble, signal) {
  let lastId = null;
  const connect = async () => {
    while (!signal.aborted) {
      let retryMs = 1000;
      try {
        const headers = {
          accept: 'text/event-stream',
          authorization: `Bearer ${key}`,
          ...(lastId ? { 'last-event-id': lastId } : {}),
        };
        const res = await fetch(url, { headers, signal });
        // 429: the chat (or this user) has as many streams open as the gateway allows.
        if (res.status === 429) retryMs = 1000 * (Number(res.headers.get('retry-after')) || 1);
        // 401/403: the key was revoked or is not a chat key; retrying would not help.
        if (res.status === 401 || res.status === 403)
          throw Object.assign(new Error(`HTTP ${res.status}: the chat key (${CHAT_KEY_FILE}) is not valid; restart npm start for a new one`), { fatal: true });
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
        if (e.fatal) return onTrouble(`event stream: ${e.message}`);
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

/**
 * Interactive chat as the key's user; resolves when the user quits (/quit, Ctrl-D, Ctrl-C). Files the
 * agent sends go to `downloads`.
 */
export function chat(baseUrl, key, { downloads = path.join(process.cwd(), 'downloads') } = {}) {
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
    key,
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
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ text }),
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
