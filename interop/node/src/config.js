// Settings from the environment, read once at start; an unusable setting stops the server.
import { readFileSync } from 'node:fs';

export const FLAWS = [
  'signature-not-verified',
  'exp-not-checked',
  'aud-ignored',
  'path-user-not-checked',
  'task-read-idor',
  'mcp-trusts-user-id',
];

export class ConfigError extends Error {}

export function loadConfig(env = process.env) {
  const verifier = env.VERIFIER || 'jsonwebtoken';
  const flaw = env.INTEROP_FLAW || null;
  if (flaw !== null && !FLAWS.includes(flaw)) {
    throw new ConfigError(`unknown INTEROP_FLAW ${flaw} (known: ${FLAWS.join(', ')})`);
  }
  const leeway = Number(env.LEEWAY ?? '30');
  if (!Number.isInteger(leeway) || leeway < 0 || leeway > 60) {
    throw new ConfigError('LEEWAY must be 0 to 60 seconds');
  }
  const port = Number(env.PORT ?? '8000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT must be 0 to 65535');
  const common = {
    verifier,
    flaw,
    leeway,
    port,
    issuer: env.ISSUER || 'http://localhost:3000',
    audience: env.AUDIENCE || 'http://localhost:3000',
    dbPath: env.DB_PATH || ':memory:',
  };
  if (verifier === 'jsonwebtoken') {
    const alg = env.ALG || 'HS256';
    if (alg === 'HS256') {
      let secret;
      if (env.SECRET_FILE) secret = readFileSync(env.SECRET_FILE);
      else if (env.SECRET) secret = Buffer.from(env.SECRET);
      else throw new ConfigError('ALG=HS256 needs SECRET_FILE or SECRET (the shared secret)');
      if (secret.length < 32) throw new ConfigError('the HS256 secret must be at least 32 bytes');
      return { ...common, algorithms: ['HS256'], key: secret };
    }
    if (alg === 'RS256') {
      if (!env.PUBLIC_KEY_FILE) throw new ConfigError('ALG=RS256 needs PUBLIC_KEY_FILE (SPKI PEM)');
      return { ...common, algorithms: ['RS256'], key: readFileSync(env.PUBLIC_KEY_FILE, 'utf8') };
    }
    throw new ConfigError('jsonwebtoken: ALG must be HS256 or RS256');
  }
  if (verifier === 'jose') {
    const algorithms = (env.ALGS || 'EdDSA').split(',').map((a) => a.trim()).filter(Boolean);
    if (algorithms.length === 0 || algorithms.some((a) => a.toLowerCase() === 'none' || a.startsWith('HS'))) {
      throw new ConfigError('ALGS must list asymmetric algorithms (EdDSA, RS256, ES256, ...)');
    }
    if (Boolean(env.JWKS_URL) === Boolean(env.JWKS_FILE)) {
      throw new ConfigError('jose: give exactly one of JWKS_URL and JWKS_FILE');
    }
    return {
      ...common,
      algorithms,
      jwksUrl: env.JWKS_URL || null,
      jwks: env.JWKS_FILE ? JSON.parse(readFileSync(env.JWKS_FILE, 'utf8')) : null,
    };
  }
  throw new ConfigError('VERIFIER must be jsonwebtoken or jose');
}
