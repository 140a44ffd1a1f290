/**
 * The egress path inside a container: the container has no network but `lo`, and its first process
 * (under docker-init) is this forwarder, which listens on 127.0.0.1:EGRESS_PORT and carries each
 * connection to the runner's proxy over the Unix socket bind-mounted (read-only) at EGRESS_DIR.
 * Tools find it through HTTP_PROXY / HTTPS_PROXY. It holds no secret and decides nothing: the proxy
 * checks every request. If a command kills it, the container ends with it and the next call starts
 * it again.
 */
export const EGRESS_PORT = 3128;
/** Where the session's proxy socket directory is mounted in the container. */
export const EGRESS_DIR = '/run/clawfleet-egress';
export const EGRESS_SOCKET = 'proxy.sock';

/** The proxy variables tools read (curl, pip, git, Python, Node with NODE_USE_ENV_PROXY); nothing secret. */
export const EGRESS_ENV = [
  `HTTP_PROXY=http://127.0.0.1:${EGRESS_PORT}`,
  `HTTPS_PROXY=http://127.0.0.1:${EGRESS_PORT}`,
  `http_proxy=http://127.0.0.1:${EGRESS_PORT}`,
  `https_proxy=http://127.0.0.1:${EGRESS_PORT}`,
  'NO_PROXY=localhost,127.0.0.1,::1',
  'no_proxy=localhost,127.0.0.1,::1',
  'NODE_USE_ENV_PROXY=1',
];

/** Run as `node -e EGRESS_FORWARDER <port> <socket path>`. */
export const EGRESS_FORWARDER = String.raw`
'use strict';
const net = require('net');
const [port, socketPath] = process.argv.slice(1);
net.createServer((client) => {
  const proxy = net.connect(socketPath);
  const end = () => { client.destroy(); proxy.destroy(); };
  for (const s of [client, proxy]) { s.on('error', end); s.on('close', end); }
  client.pipe(proxy);
  proxy.pipe(client);
}).listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;
