//! The `issuer:` block `init` writes, shaped by what is known of how the API verifies tokens: a
//! shared secret (HS256 ...), or a key pair whose public keys it fetches by URL (a JWKS, an OpenID
//! Connect discovery document) or reads from a file. The command line (`--secret-env`,
//! `--jwks-url`) says it outright; otherwise the document's security schemes (`description`,
//! `bearerFormat`, `openIdConnectUrl`), `info.description` and routes (a JWKS route, Better Auth's
//! `/api/auth/...`) give hints. With a key pair, the comment explains the choice between
//! `hosted_issuer` (the harness serves TEST ONLY keys where the API fetches them) and `target_keys`
//! (the public keys the API trusts, for key confusion).

use std::fmt::Write;
use std::sync::LazyLock;

use regex::Regex;

use crate::openapi::Document;

/// What the user said on the command line about the API's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// `--secret-env NAME`: an HS secret, in that environment variable.
    SecretEnv(String),
    /// `--jwks-url URL`: a key pair; the API fetches its public keys there.
    JwksUrl(String),
}

/// Where the API finds what it verifies with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Keys {
    /// A secret shared with the issuer, named by an environment variable (`None`: not known).
    Secret(Option<String>),
    /// A key pair; the public keys are fetched from this JWKS URL.
    JwksUrl(String),
    /// A key pair behind this OpenID Connect discovery document.
    Discovery(String),
    /// Not said.
    #[default]
    Unknown,
}

/// How `init` believes the API's tokens are made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IssuerHint {
    /// Where the keys are.
    pub keys: Keys,
    /// The algorithm named, if any.
    pub alg: Option<String>,
    /// Better Auth's base URL, when the document says Better Auth issues the tokens (its routes in
    /// this document: this API's origin; only named: Better Auth's default, `http://localhost:3000`).
    pub better_auth: Option<String>,
    /// What said so, for the comment.
    pub found: Vec<String>,
}

static ALG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:(?:HS|RS|ES|PS)(?:256|384|512)|EdDSA|Ed25519)\b").unwrap());
static SECRET_WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)shared[ -]secret|\bHMAC\b|\bsecret[ _]key\b").unwrap());
static SECRET_VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z][A-Z0-9_]*SECRET[A-Z0-9_]*\b").unwrap());
static JWKS_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s"'<>()`]*jwks[^\s"'<>()`]*"#).unwrap());
static BETTER_AUTH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)better[ -]?auth").unwrap());

/// Better Auth's default base URL (its `iss` and `aud`).
const BETTER_AUTH_DEFAULT: &str = "http://localhost:3000";

/// What the command line and `doc` say; `base` is where the API is (`base_url` plus `api.prefix`),
/// `origin` its origin.
pub fn detect(doc: &Document, base: &str, origin: &str, given: Option<&Given>) -> IssuerHint {
    let texts = texts(doc);
    let joined = texts
        .iter()
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut hint = IssuerHint {
        alg: ALG.find(&joined).map(|m| match m.as_str() {
            "Ed25519" => "EdDSA".to_string(),
            alg => alg.to_string(),
        }),
        ..IssuerHint::default()
    };
    if let Some(alg) = &hint.alg {
        let source = texts
            .iter()
            .find(|(_, text)| ALG.is_match(text))
            .map_or("the document", |(source, _)| source.as_str());
        hint.found.push(format!("{source} names {alg}"));
    }
    let paths: Vec<&str> = doc
        .paths
        .iter()
        .flat_map(|paths| paths.iter().map(|(path, _)| path))
        .collect();
    if paths.iter().any(|p| p.starts_with("/api/auth/")) {
        hint.better_auth = Some(origin.to_string());
        hint.found
            .push("the document has Better Auth's /api/auth/ routes".into());
    } else if BETTER_AUTH.is_match(&joined) {
        hint.better_auth = Some(BETTER_AUTH_DEFAULT.to_string());
        hint.found.push("the document names Better Auth".into());
    }
    hint.keys = match given {
        Some(given) => from_command_line(given, &mut hint),
        None => from_document(doc, &joined, &paths, base, origin, &mut hint),
    };
    hint
}

fn from_command_line(given: &Given, hint: &mut IssuerHint) -> Keys {
    match given {
        Given::SecretEnv(name) => {
            hint.found = vec![format!("--secret-env {name}")];
            hint.alg = Some(
                hint.alg
                    .take()
                    .filter(|a| a.starts_with("HS"))
                    .unwrap_or("HS256".into()),
            );
            Keys::Secret(Some(name.clone()))
        }
        Given::JwksUrl(url) => {
            hint.found = vec![format!("--jwks-url {url}")];
            hint.alg = Some(
                hint.alg
                    .take()
                    .filter(|a| !a.starts_with("HS"))
                    .unwrap_or("EdDSA".into()),
            );
            Keys::JwksUrl(url.clone())
        }
    }
}

fn from_document(
    doc: &Document,
    joined: &str,
    paths: &[&str],
    base: &str,
    origin: &str,
    hint: &mut IssuerHint,
) -> Keys {
    let discovery = doc
        .components
        .security_schemes
        .iter()
        .find_map(|(name, scheme)| {
            let url = scheme.open_id_connect_url.as_ref()?.as_str()?;
            Some((name, url.to_string()))
        });
    if let Some((name, url)) = discovery {
        hint.found
            .push(format!("the scheme `{name}` is OpenID Connect"));
        return Keys::Discovery(url);
    }
    let hs = hint.alg.as_deref().is_some_and(|a| a.starts_with("HS"));
    if hs || SECRET_WORDS.is_match(joined) || SECRET_VAR.is_match(joined) {
        let var = SECRET_VAR.find(joined).map(|m| m.as_str().to_string());
        if !hs {
            hint.found.push(match &var {
                Some(var) => format!("the document names {var}"),
                None => "the document names a shared secret".into(),
            });
        }
        hint.alg.get_or_insert_with(|| "HS256".into());
        return Keys::Secret(var);
    }
    if let Some(url) = JWKS_URL.find(joined) {
        let url = url.as_str().trim_end_matches(['.', ',', ';', ':']);
        hint.found.push(format!("the document names {url}"));
        return Keys::JwksUrl(url.to_string());
    }
    let jwks_route = paths.iter().find(|p| {
        let last = p.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        matches!(last, "jwks" | "jwks.json") && !p.contains('{')
    });
    if let Some(path) = jwks_route {
        hint.found.push(format!("the document serves {path}"));
        let at = if path.starts_with("/api/auth/") {
            origin
        } else {
            base
        };
        return Keys::JwksUrl(format!("{}{path}", at.trim_end_matches('/')));
    }
    if hint.better_auth.as_deref() == Some(origin) {
        return Keys::JwksUrl(format!("{}/api/auth/jwks", origin.trim_end_matches('/')));
    }
    Keys::Unknown
}

/// The texts that may describe the tokens, with where each comes from.
fn texts(doc: &Document) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for (name, scheme) in doc.components.security_schemes.iter() {
        for value in [&scheme.bearer_format, &scheme.description]
            .into_iter()
            .flatten()
        {
            if let Some(text) = value.as_str() {
                texts.push((format!("the scheme `{name}`"), text.to_string()));
            }
        }
    }
    if let Some(text) = doc.info.description.as_ref().and_then(|d| d.as_str()) {
        texts.push(("info.description".into(), text.to_string()));
    }
    texts
}

/// Writes the issuer block (and `target_keys`, `hosted_issuer`) for `hint`.
pub fn render(out: &mut String, hint: &IssuerHint) {
    let _ = writeln!(out, "# How the harness mints tokens your API accepts.");
    if !hint.found.is_empty() {
        let _ = writeln!(out, "# Found: {}.", hint.found.join("; "));
    }
    match &hint.keys {
        Keys::Secret(var) => render_secret(out, hint, var.as_deref()),
        Keys::JwksUrl(url) => render_key_pair(out, hint, Some(url), None),
        Keys::Discovery(url) => render_key_pair(out, hint, None, Some(url)),
        Keys::Unknown => render_unknown(out, hint),
    }
}

fn render_secret(out: &mut String, hint: &IssuerHint, var: Option<&str>) {
    out.push_str(
        "# The API verifies tokens with a secret it shares with the issuer (e.g. BETTER_AUTH_SECRET in both
# services): the harness signs with that same secret, read from the environment variable named
# below (never write the secret itself in a profile). A shared secret has no public key: no
# `target_keys` and no `hosted_issuer`, and the key-confusion attacks do not apply.
issuer:
",
    );
    if hint.better_auth.is_none() {
        out.push_str(
            "  preset: shared-secret   # sub and email beside iat and exp; no iss, no aud\n",
        );
    }
    let alg = hint.alg.as_deref().unwrap_or("HS256");
    let _ = writeln!(out, "  alg: {alg}");
    match var {
        Some(var) => {
            let _ = writeln!(out, "  key: {{ secret_env: {var} }}   # the NAME of the variable");
        }
        None => out.push_str(
            "  key: { secret_env: JWT_SECRET }   # TODO: the NAME of the variable that holds the secret\n",
        ),
    }
    render_iss_aud(out, hint);
    render_common(out);
}

fn render_key_pair(
    out: &mut String,
    hint: &IssuerHint,
    jwks: Option<&str>,
    discovery: Option<&str>,
) {
    let at = jwks
        .map(str::to_string)
        .or_else(|| discovery.map(|d| format!("the `jwks_uri` of {d}")))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "# The API fetches its public keys from {at}. Two ways to give it tokens it accepts:"
    );
    out.push_str(
        "# - A deployment you configure (CI, local): make TEST ONLY keys with
#   `authconform keys generate --out keys`, point the API's JWKS URL at `hosted_issuer` (below: while
#   a run lasts the harness serves keys/issuer/jwks-ed25519.json at /api/auth/jwks and
#   /.well-known/jwks.json), and sign with keys/issuer/ed25519.pem under `key` (paths are relative
#   to this file).
# - Staging with its real issuer: leave `key` out and give each principal a `token` (a login flow
#   under `logins:`, `env` or `command`: see the README, \"Tokens from your real issuer\"); attacks that
#   need the issuer's key are then skipped, with that reason.
issuer:
",
    );
    render_key_pair_head(out, hint);
    match discovery {
        Some(url) => {
            let _ = writeln!(out, "  iss: TODO   # the `issuer` of {url}");
            let _ = writeln!(
                out,
                "  aud: TODO   # the audience the API expects (leave it out if none)"
            );
        }
        None => render_iss_aud(out, hint),
    }
    render_common(out);
    out.push_str(
        "# hosted_issuer:
#   listen: 127.0.0.1:3000   # TODO: the host and port of the API's JWKS URL, with TEST ONLY keys
# The public keys the API trusts, for the key-confusion attacks: by URL, as the API fetches them.
target_keys:
",
    );
    match jwks {
        Some(url) => {
            let _ = writeln!(out, "  jwks_url: {url}");
        }
        None => {
            let _ = writeln!(
                out,
                "  jwks_url: TODO   # the `jwks_uri` of {}",
                discovery.unwrap_or_default()
            );
        }
    }
}

fn render_unknown(out: &mut String, hint: &IssuerHint) {
    out.push_str(
        "# TODO: the document does not say where the API finds its keys; pick the case that fits (or run
# `init` again with --secret-env NAME or --jwks-url URL). Paths are relative to this file.
# - It fetches its public keys by URL (Better Auth publishes them at /api/auth/jwks): make TEST ONLY
#   keys (`authconform keys generate --out keys`), serve them there while a run lasts with
#   `hosted_issuer: { listen: HOST:PORT }`, sign with keys/issuer/ed25519.pem (`pem` below), and name
#   the URL under `target_keys` (`jwks_url`).
# - It reads a key file: give it keys/issuer/jwks-ed25519.json, sign with keys/issuer/ed25519.pem,
#   and name the file under `target_keys` (`jwks_file`).
# - A shared secret (HS256): `alg: HS256` and `key: { secret_env: NAME }` (the variable's NAME).
# - Staging with its real issuer: leave `key` out and give each principal a `token` (see the
#   README, \"Tokens from your real issuer\").
issuer:
",
    );
    render_key_pair_head(out, hint);
    render_iss_aud(out, hint);
    render_common(out);
    out.push_str(
        "# The API's public keys, for the key-confusion attacks (optional; give one):
# target_keys:
#   jwks_url: http://localhost:3000/api/auth/jwks
#   jwks_file: keys/issuer/jwks-ed25519.json
",
    );
}

/// The preset (Better Auth's, when named), the algorithm and the TEST ONLY key of a key-pair block.
fn render_key_pair_head(out: &mut String, hint: &IssuerHint) {
    if hint.better_auth.is_some() {
        out.push_str(
            "  preset: better-auth   # the JWT plugin's payload: the user object beside sub\n",
        );
    }
    let _ = writeln!(out, "  alg: {}", hint.alg.as_deref().unwrap_or("EdDSA"));
    render_test_key(out);
}

fn render_test_key(out: &mut String) {
    out.push_str(
        "  key:
    pem: TODO-path-to-test-signing-key.pem   # TODO: a TEST ONLY PKCS#8 PEM private key file
  kid: test-ed25519   # TODO: the kid of the key in the JWKS your API trusts (this is keys generate's)
",
    );
}

fn render_iss_aud(out: &mut String, hint: &IssuerHint) {
    match (&hint.better_auth, &hint.keys) {
        (Some(base), _) => {
            out.push_str("  # Better Auth uses its base URL as both issuer and audience.\n");
            let _ = writeln!(out, "  iss: {base}");
            let _ = writeln!(out, "  aud: {base}");
        }
        (None, Keys::Secret(_)) => out.push_str(
            "  # Tokens carry no iss and no aud: set them only if the API checks them (python-jose
  # refuses any `aud` when the API configures no audience).
  # iss: TODO
  # aud: TODO
",
        ),
        (None, _) => out.push_str(
            "  # TODO: the issuer and audience the API checks. Leave `iss` or `aud` out when your issuer's
  # tokens carry none (python-jose refuses any `aud` when the API configures no audience).
  iss: http://localhost:3000
  aud: http://localhost:3000
",
        ),
    }
}

fn render_common(out: &mut String) {
    out.push_str(
        "  lifetime_secs: 900
  leeway_secs: 30
  # The claim your API reads the user id from (`sub`, `user_id`, `id`, or a JSON pointer to a nested
  # one such as /user/id), and the id's form (string, uuid or integer).
  user_claim: sub
  user_id_type: string
",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::model::ProfileFile;

    fn doc(json: serde_json::Value) -> Document {
        serde_json::from_value(json).unwrap()
    }

    fn bearer(description: &str) -> Document {
        doc(serde_json::json!({
            "openapi": "3.1.0",
            "paths": {"/api/tasks": {}},
            "components": {"securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": description
            }}}
        }))
    }

    fn hint(doc: &Document) -> IssuerHint {
        detect(doc, "http://api.test/v1", "http://api.test", None)
    }

    /// The rendered block, with principals, is a profile the loader's model reads.
    fn renders_a_profile(hint: &IssuerHint) -> ProfileFile {
        let mut out = String::from("base_url: http://api.test\n");
        render(&mut out, hint);
        out.push_str("principals:\n  alice: { sub: alice }\n  bob: { sub: bob }\n");
        serde_saphyr::from_str(&out).unwrap_or_else(|err| panic!("{err}\n{out}"))
    }

    #[test]
    fn an_hs_algorithm_or_a_secret_means_a_shared_secret() {
        let found = hint(&bearer("HS256 tokens signed with the app secret"));
        assert_eq!(found.keys, Keys::Secret(None));
        assert_eq!(found.alg.as_deref(), Some("HS256"));
        let profile = renders_a_profile(&found);
        assert_eq!(profile.issuer.alg, "HS256");
        assert_eq!(
            profile.issuer.aud, None,
            "no audience unless the API checks one"
        );
        assert!(profile.target_keys.is_none());

        let named = hint(&bearer(
            "Signed with BETTER_AUTH_SECRET, shared with the frontend",
        ));
        assert_eq!(named.keys, Keys::Secret(Some("BETTER_AUTH_SECRET".into())));
        let profile = renders_a_profile(&named);
        let key = profile.issuer.key.unwrap();
        assert_eq!(key.secret_env.as_deref(), Some("BETTER_AUTH_SECRET"));
    }

    #[test]
    fn a_jwks_url_route_or_discovery_means_a_key_pair_fetched_by_url() {
        let named = hint(&bearer("EdDSA; keys at https://auth.test/api/auth/jwks."));
        assert_eq!(
            named.keys,
            Keys::JwksUrl("https://auth.test/api/auth/jwks".into())
        );
        assert_eq!(named.alg.as_deref(), Some("EdDSA"));
        let profile = renders_a_profile(&named);
        assert_eq!(
            profile.target_keys.unwrap().jwks_url.as_deref(),
            Some("https://auth.test/api/auth/jwks")
        );

        let served = doc(serde_json::json!({
            "openapi": "3.1.0",
            "paths": {"/.well-known/jwks.json": {}, "/items": {}}
        }));
        assert_eq!(
            hint(&served).keys,
            Keys::JwksUrl("http://api.test/v1/.well-known/jwks.json".into())
        );

        let better_auth = doc(serde_json::json!({
            "openapi": "3.1.0",
            "paths": {"/api/auth/sign-in/email": {}, "/api/tasks": {}}
        }));
        let found = hint(&better_auth);
        assert_eq!(
            found.keys,
            Keys::JwksUrl("http://api.test/api/auth/jwks".into())
        );
        assert_eq!(found.better_auth.as_deref(), Some("http://api.test"));
        let profile = renders_a_profile(&found);
        assert_eq!(profile.issuer.iss.as_deref(), Some("http://api.test"));

        let oidc = doc(serde_json::json!({
            "openapi": "3.1.0",
            "paths": {"/a": {}},
            "components": {"securitySchemes": {"oidc": {
                "type": "openIdConnect",
                "openIdConnectUrl": "https://idp.test/.well-known/openid-configuration"
            }}}
        }));
        let found = hint(&oidc);
        assert_eq!(
            found.keys,
            Keys::Discovery("https://idp.test/.well-known/openid-configuration".into())
        );
        let mut out = String::new();
        render(&mut out, &found);
        assert!(out.contains("jwks_url: TODO   # the `jwks_uri` of https://idp.test/"));
    }

    #[test]
    fn nothing_said_keeps_a_test_key_pair_with_every_choice_explained() {
        let found = hint(&bearer("A JWT."));
        assert_eq!(found.keys, Keys::Unknown);
        assert!(found.found.is_empty());
        let profile = renders_a_profile(&found);
        assert_eq!(profile.issuer.alg, "EdDSA");
        assert!(profile.target_keys.is_none());
        let mut out = String::new();
        render(&mut out, &found);
        for choice in ["hosted_issuer", "jwks_file", "secret_env", "token"] {
            assert!(out.contains(choice), "{choice}\n{out}");
        }
    }

    #[test]
    fn the_command_line_wins() {
        let document = bearer("RS256 with keys at https://auth.test/jwks");
        let secret = detect(
            &document,
            "http://api.test",
            "http://api.test",
            Some(&Given::SecretEnv("JWT_SECRET".into())),
        );
        assert_eq!(secret.keys, Keys::Secret(Some("JWT_SECRET".into())));
        assert_eq!(secret.alg.as_deref(), Some("HS256"));
        let jwks = detect(
            &document,
            "http://api.test",
            "http://api.test",
            Some(&Given::JwksUrl("http://127.0.0.1:3000/jwks".into())),
        );
        assert_eq!(
            jwks.keys,
            Keys::JwksUrl("http://127.0.0.1:3000/jwks".into())
        );
        assert_eq!(
            jwks.alg.as_deref(),
            Some("RS256"),
            "the document's algorithm stays"
        );
    }
}
