// Starts the express interop server on 127.0.0.1:$PORT (0 = a free port). The first line on standard
// output is exactly `listening on http://127.0.0.1:PORT` once it accepts connections; SIGTERM and
// SIGINT stop it cleanly.
import { ConfigError, loadConfig } from './src/config.js';
import { createApp } from './src/app.js';

let config;
let app;
try {
  config = loadConfig();
  app = createApp(config);
} catch (err) {
  if (!(err instanceof ConfigError) && err.code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(2);
}
if (config.flaw) {
  process.stderr.write(`WARNING: INTEROP_FLAW=${config.flaw} is ON: this server is deliberately vulnerable. Loopback tests only.\n`);
}

const server = app.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
server.on('error', (err) => {
  process.stderr.write(`error: cannot listen on 127.0.0.1:${config.port}: ${err.message}\n`);
  process.exit(2);
});

function shutdown() {
  server.close(() => {
    app.locals.store.close();
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
