//! Visitors for the fields written in one of two shapes: a keyword or a mapping, one name or a list.

use std::fmt;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer, StrDeserializer};
use serde::de::{self, MapAccess, SeqAccess, Visitor};

/// A value written as a keyword or as a mapping: `keyword` reads a string (its error is the message
/// as written), a mapping is read as `M` and made a value by `map`. Any other shape is an invalid type
/// against `expecting`.
pub(super) struct KeywordOrMap<M, T> {
    pub(super) expecting: &'static str,
    pub(super) keyword: fn(&str) -> Result<T, String>,
    pub(super) map: fn(M) -> T,
}

impl<'de, M: Deserialize<'de>, T> Visitor<'de> for KeywordOrMap<M, T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        (self.keyword)(value).map_err(E::custom)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        M::deserialize(MapAccessDeserializer::new(map)).map(self.map)
    }
}

/// A value written as one name or a list: a string is read as `O` and made a value by `one`, a list is
/// read as `Vec<I>` and made a value by `many`. Any other shape is an invalid type against
/// `expecting`.
pub(super) struct OneOrList<O, I, T> {
    pub(super) expecting: &'static str,
    pub(super) one: fn(O) -> T,
    pub(super) many: fn(Vec<I>) -> T,
}

impl<'de, O: Deserialize<'de>, I: Deserialize<'de>, T> Visitor<'de> for OneOrList<O, I, T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        O::deserialize(StrDeserializer::<E>::new(value)).map(self.one)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        Vec::<I>::deserialize(SeqAccessDeserializer::new(seq)).map(self.many)
    }
}
