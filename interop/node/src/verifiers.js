// Token verification with `jsonwebtoken` (HS256 secret or RS256 PEM public key) or `jose` (a JWKS by
// URL, Better Auth style, or from a file). verify() resolves to the verified claims or throws; the
// caller turns any failure into one uniform 401. The flaws (INTEROP_FLAW) are written the way real
// code gets them wrong with each library.
import jsonwebtoken from 'jsonwebtoken';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify } from 'jose';

function jsonwebtokenVerifier(config) {
  return async (token) => {
    if (config.flaw === 'signature-not-verified') {
      return jsonwebtoken.decode(token); // FLAW: decode() reads the claims, it does not verify
    }
    const options = {
      algorithms: config.algorithms,
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.leeway,
    };
    if (config.flaw === 'exp-not-checked') options.ignoreExpiration = true; // FLAW
    if (config.flaw === 'aud-ignored') delete options.audience; // FLAW
    const claims = jsonwebtoken.verify(token, config.key, options);
    // jsonwebtoken checks exp only when present: require it (and iat) like the issuer always sets them.
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
      throw new Error('exp and iat are required');
    }
    return claims;
  };
}

function joseVerifier(config) {
  // Remote: fetched on first use, cached; an unknown kid refetches at most once per cooldown.
  const jwks = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 10_000 })
    : createLocalJWKSet(config.jwks);
  return async (token) => {
    if (config.flaw === 'signature-not-verified') {
      return decodeJwt(token); // FLAW: decodeJwt() does not verify anything
    }
    const options = {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: config.algorithms,
      clockTolerance: config.leeway,
      requiredClaims: ['exp', 'iat', 'sub', 'iss', 'aud'],
    };
    if (config.flaw === 'aud-ignored') {
      // FLAW: the audience check dropped to make "unexpected aud" errors go away.
      delete options.audience;
      options.requiredClaims = ['exp', 'iat', 'sub', 'iss'];
    }
    try {
      const { payload } = await jwtVerify(token, jwks, options);
      return payload;
    } catch (err) {
      if (config.flaw === 'exp-not-checked' && err instanceof errors.JWTExpired) {
        return err.payload; // FLAW: an expired (but verified) token is let through
      }
      throw err;
    }
  };
}

export function makeVerifier(config) {
  return config.verifier === 'jose' ? joseVerifier(config) : jsonwebtokenVerifier(config);
}
