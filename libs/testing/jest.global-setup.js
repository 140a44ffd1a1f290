// Jest globalSetup: makes sure NATS (JetStream), PostgreSQL and the Docker engine are up before any
// spec runs, starting them where they are installed but stopped (see scripts/services.mjs), and that
// the sandbox image exists (built once per machine by scripts/sandbox-image.mjs). When everything is
// up this takes well under a second.
const path = require('node:path');
const { pathToFileURL } = require('node:url');

module.exports = async () => {
  const scripts = path.join(__dirname, '..', '..', 'scripts');
  const { ensureServices } = await import(pathToFileURL(path.join(scripts, 'services.mjs')).href);
  const { ensureSandboxImage } = await import(pathToFileURL(path.join(scripts, 'sandbox-image.mjs')).href);
  try {
    await ensureServices({ docker: true });
    await ensureSandboxImage();
  } catch (error) {
    // A short message instead of a stack trace: what is missing and how to start it.
    const e = new Error(`test services are not available:\n${error.message}`);
    e.stack = e.message;
    throw e;
  }
};
