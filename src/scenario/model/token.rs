//! How a step's token is made: `valid`, `none`, `previous`, or a recipe.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::Deserializer;
use serde_saphyr::Spanned;

use super::shapes::KeywordOrMap;
use super::{JsonNode, OrderedMap};

/// How the token of a step is made.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenDoc {
    /// `valid`: a fresh valid token of the actor.
    Valid,
    /// `none`: no credentials at all.
    None,
    /// `previous`: exactly the token (and placement) the previous request of the case sent.
    Previous,
    /// A recipe.
    Recipe(TokenRecipeDoc),
}

/// A token recipe: a valid token of `from`, claims edited and re-signed, then a catalog mutation.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRecipeDoc {
    /// Principal whose token it starts from (default: the step's `as`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
    /// Catalog mutation ids (at most one for now), or `"{mutation}"` from a matrix.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub mutate: Vec<Spanned<String>>,
    /// Claims to set (re-signed with the issuer key).
    #[serde(default)]
    #[schemars(with = "OrderedMap<JsonNode>")]
    pub claims: OrderedMap<Spanned<JsonNode>>,
    /// Claims to remove (re-signed).
    #[serde(default)]
    pub remove_claims: Vec<String>,
}

impl<'de> Deserialize<'de> for TokenDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeywordOrMap {
            expecting: "`valid`, `none`, `previous`, or a recipe mapping { from, mutate, claims, remove_claims }",
            keyword: |value| match value {
                "valid" => Ok(TokenDoc::Valid),
                "none" => Ok(TokenDoc::None),
                "previous" => Ok(TokenDoc::Previous),
                other => Err(format!(
                    "unknown token `{other}`: expected `valid`, `none`, `previous`, or a recipe mapping {{ from, mutate, claims, remove_claims }}"
                )),
            },
            map: TokenDoc::Recipe,
        })
    }
}

impl JsonSchema for TokenDoc {
    fn schema_name() -> Cow<'static, str> {
        "Token".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let recipe = generator.subschema_for::<TokenRecipeDoc>();
        json_schema!({
            "description": "`valid` (a fresh valid token of `as`), `none` (no credentials), `previous` (the token the previous request of the case sent), or a recipe.",
            "oneOf": [
                {"type": "string", "enum": ["valid", "none", "previous"]},
                recipe
            ]
        })
    }
}
