// TEST ONLY. A real Better Auth server (email and password sign-in plus the JWT plugin, in-memory
// store) used by authconform's interop runs as a genuine token issuer on loopback: the harness signs
// users up and in over HTTP, takes their JWTs from `GET /api/auth/token`, and the server under test
// verifies them through this server's JWKS URL (`/api/auth/jwks`).
//
// Throwaway by design: a fresh random secret and fresh Ed25519 signing keys at every start, all users,
// sessions and keys in memory (lost at exit), no email verification, Better Auth's rate limiter off.
// Never expose it beyond 127.0.0.1.
//
// Start (from the repository root, after interop/setup.sh):
//
//   PORT=0 node interop/better-auth/server.js
//
// It listens on 127.0.0.1:$PORT (default 0 = a free port) first, then builds Better Auth with
// `baseURL: http://127.0.0.1:<real port>` (the JWTs' `iss` and `aud`), then prints exactly one first
// line on standard output, `listening on http://127.0.0.1:<port>`. Everything else goes to standard
// error. SIGTERM and SIGINT stop it with exit status 0.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { format } from 'node:util';
import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { toNodeHandler } from 'better-auth/node';
import { jwt } from 'better-auth/plugins';

// Standard output carries the `listening on` line only.
console.log = console.info = console.debug = (...args) => console.error(...args);

const portText = process.env.PORT ?? '0';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) {
  process.stderr.write(`error: PORT must be an integer from 0 to 65535, got ${JSON.stringify(portText)}\n`);
  process.exit(2);
}

let handler = null;
const server = createServer((req, res) => {
  if (handler) return handler(req, res);
  res.writeHead(503, { 'content-type': 'text/plain' }).end('starting\n');
});
server.on('error', (err) => {
  process.stderr.write(`error: cannot listen on 127.0.0.1:${port}: ${err.message}\n`);
  process.exit(2);
});

server.listen(port, '127.0.0.1', async () => {
  const baseURL = `http://127.0.0.1:${server.address().port}`;
  try {
    const auth = betterAuth({
      baseURL,
      secret: randomBytes(32).toString('hex'),
      // The memory adapter needs every table of the schema to exist.
      database: memoryAdapter({ user: [], session: [], account: [], verification: [], jwks: [] }),
      emailAndPassword: { enabled: true, requireEmailVerification: false },
      plugins: [jwt()],
      // On by default only when NODE_ENV=production; its sign-in/sign-up rule is 3 requests per 10 s,
      // and behind toNodeHandler every client shares one bucket (no client IP header).
      rateLimit: { enabled: false },
      telemetry: { enabled: false },
      logger: {
        level: 'warn',
        log: (level, message, ...args) => {
          process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} [Better Auth]: ${format(message, ...args)}\n`);
        },
      },
    });
    await auth.$context; // surface configuration errors before announcing the port
    handler = toNodeHandler(auth);
  } catch (err) {
    process.stderr.write(`error: cannot start Better Auth: ${err?.stack ?? err}\n`);
    process.exit(2);
  }
  process.stdout.write(`listening on ${baseURL}\n`);
  process.stderr.write(`Better Auth issuer at ${baseURL}/api/auth (JWKS ${baseURL}/api/auth/jwks)\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
