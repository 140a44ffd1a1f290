// Jest globalSetup: makes sure NATS (JetStream) and PostgreSQL are up before any spec runs, starting them
// where they are installed but stopped (see scripts/services.mjs). A Docker engine too with
// CLAWFLEET_TEST_DOCKER=1. When everything is up this takes a few tens of milliseconds.
const path = require('node:path');
const { pathToFileURL } = require('node:url');

module.exports = async () => {
  const servicesUrl = pathToFileURL(path.join(__dirname, '..', '..', 'scripts', 'services.mjs')).href;
  const { ensureServices } = await import(servicesUrl);
  try {
    await ensureServices({ docker: process.env.CLAWFLEET_TEST_DOCKER === '1' });
  } catch (error) {
    // A short message instead of a stack trace: what is missing and how to start it.
    const e = new Error(`test services are not available:\n${error.message}`);
    e.stack = e.message;
    throw e;
  }
};
