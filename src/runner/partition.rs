//! `--partition SCHEME:K/N`: one of N shards of a run, so that CI machines share a large suite and
//! `authconform merge` makes one run of their JSON reports again. The plan is cut after `--filter` and
//! `--sample` (so every shard draws the same sample): `hash:K/N` takes the cases whose id hashes to
//! K-1 modulo N (the first 8 bytes of the SHA-256 of the id, big-endian: stable across machines,
//! runs and releases, and a case stays in its shard when others are added), `count:K/N` every Nth
//! case of the plan from the Kth (even shards, but a case moves when the plan changes).
//!
//! A shard runs its own cases and every fact case of the plan ([`super::fold::is_fact`]): their
//! results decide how the other cases' answers are named, so each shard folds the same facts as one
//! unsharded run and judges its cases exactly as that run would. It reports only its own cases.

use std::fmt;

use aws_lc_rs::digest::{SHA256, digest};

use super::fold::is_fact;
use crate::outcome::Shard;
use crate::scenario::plan::Suite;

/// How cases are assigned to shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// By a stable hash of the case id.
    Hash,
    /// Round robin over the plan's cases.
    Count,
}

impl Scheme {
    /// The name in `--partition` and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Hash => "hash",
            Scheme::Count => "count",
        }
    }

    /// The scheme named `name`.
    pub fn parse(name: &str) -> Option<Scheme> {
        match name {
            "hash" => Some(Scheme::Hash),
            "count" => Some(Scheme::Count),
            _ => None,
        }
    }
}

/// Shard `shard` of `total` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// How cases are assigned.
    pub scheme: Scheme,
    /// This shard, 1..=total.
    pub shard: usize,
    /// How many shards.
    pub total: usize,
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.scheme.as_str(), self.shard, self.total)
    }
}

impl std::str::FromStr for Partition {
    type Err = String;

    /// Parses `hash:K/N` or `count:K/N` (1 <= K <= N).
    fn from_str(text: &str) -> Result<Partition, String> {
        let wrong = |why: &str| {
            format!(
                "`{text}`: {why} (expected hash:K/N or count:K/N with 1 <= K <= N, e.g. hash:2/4)"
            )
        };
        let (scheme, fraction) = text.split_once(':').ok_or_else(|| wrong("no scheme"))?;
        let scheme = Scheme::parse(scheme).ok_or_else(|| wrong("unknown scheme"))?;
        let (shard, total) = fraction.split_once('/').ok_or_else(|| wrong("no /N"))?;
        let number = |part: &str| {
            part.parse::<usize>()
                .map_err(|_| wrong("K and N are whole numbers"))
        };
        let (shard, total) = (number(shard)?, number(total)?);
        if total == 0 || shard == 0 || shard > total {
            return Err(wrong("K must be between 1 and N"));
        }
        Ok(Partition {
            scheme,
            shard,
            total,
        })
    }
}

impl Partition {
    /// Whether this shard reports the case at `position` of the plan, of id `id`.
    pub fn owns(&self, position: usize, id: &str) -> bool {
        let slot = match self.scheme {
            Scheme::Hash => hash_slot(id, self.total),
            Scheme::Count => position % self.total,
        };
        slot == self.shard - 1
    }

    /// Whether this shard runs the case at `position` of `suite`: its own, and every fact case.
    pub fn runs(&self, suite: &Suite, position: usize) -> bool {
        let case = &suite.cases[position];
        self.owns(position, &case.id) || is_fact(case, suite.scenarios[case.scenario].category)
    }

    /// What a report says of this shard of `suite` (the whole plan).
    pub fn shard(&self, suite: &Suite) -> Shard {
        Shard {
            scheme: self.scheme.as_str().to_string(),
            shard: self.shard,
            total: self.total,
            plan_cases: suite.cases.len(),
            plan_sha256: plan_sha256(suite.cases.iter().map(|case| case.id.as_str())),
            positions: (0..suite.cases.len())
                .filter(|&position| self.owns(position, &suite.cases[position].id))
                .collect(),
        }
    }
}

/// The shard slot (0-based) of `id` among `total`: the first 8 bytes of SHA-256(id), big-endian,
/// modulo `total`.
pub fn hash_slot(id: &str, total: usize) -> usize {
    let hash = digest(&SHA256, id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_ref()[..8]);
    (u64::from_be_bytes(first) % total.max(1) as u64) as usize
}

/// SHA-256 (hex) of a plan's case ids in case order, each followed by a newline: equal in every shard
/// of one plan, and what the merged cases must give again.
pub fn plan_sha256<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let mut context = aws_lc_rs::digest::Context::new(&SHA256);
    for id in ids {
        context.update(id.as_bytes());
        context.update(b"\n");
    }
    context
        .finish()
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Partition, String> {
        text.parse()
    }

    #[test]
    fn parses_hash_and_count() {
        let partition = parse("hash:2/4").unwrap();
        assert_eq!(
            partition,
            Partition {
                scheme: Scheme::Hash,
                shard: 2,
                total: 4
            }
        );
        assert_eq!(partition.to_string(), "hash:2/4");
        assert_eq!(parse("count:1/1").unwrap().scheme, Scheme::Count);
    }

    #[test]
    fn refuses_what_is_not_k_of_n() {
        for bad in [
            "",
            "hash",
            "hash:",
            "hash:2",
            "hash:0/4",
            "hash:5/4",
            "hash:1/0",
            "hash:a/4",
            "hash:-1/4",
            "slice:1/4",
            "hash:1/4/2",
            "2/4",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("expected hash:K/N"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_hash_slot_is_pinned() {
        // SHA-256("token-mutations[operation=tasks.list,mutation=alg-none]") starts with 0x67adda8c0609e142
        // pinned, so a release that changed the assignment would be caught.
        let id = "token-mutations[operation=tasks.list,mutation=alg-none]";
        let hash = digest(&SHA256, id.as_bytes());
        let first = u64::from_be_bytes(hash.as_ref()[..8].try_into().unwrap());
        assert_eq!(hash_slot(id, 4), (first % 4) as usize);
        assert_eq!(format!("{first:016x}"), PINNED_PREFIX);
        assert_eq!(hash_slot(id, 4), PINNED_SLOT_OF_4);
        assert_eq!(hash_slot(id, 1), 0);
    }

    const PINNED_PREFIX: &str = "67adda8c0609e142";
    const PINNED_SLOT_OF_4: usize = 2;

    #[test]
    fn every_id_has_exactly_one_shard_and_shards_are_even_enough() {
        let ids: Vec<String> = (0..4000).map(|n| format!("s[n={n}]")).collect();
        let mut counts = [0usize; 4];
        for (position, id) in ids.iter().enumerate() {
            let owners: Vec<usize> = (1..=4)
                .filter(|&shard| {
                    Partition {
                        scheme: Scheme::Hash,
                        shard,
                        total: 4,
                    }
                    .owns(position, id)
                })
                .collect();
            assert_eq!(owners.len(), 1, "{id}");
            counts[owners[0] - 1] += 1;
        }
        assert!(
            counts.iter().all(|&count| (850..1150).contains(&count)),
            "{counts:?}"
        );
        let count = |shard| Partition {
            scheme: Scheme::Count,
            shard,
            total: 3,
        };
        assert!(count(1).owns(0, "x") && count(2).owns(1, "x") && count(1).owns(3, "x"));
        assert!(!count(2).owns(0, "x"));
    }

    #[test]
    fn the_plan_digest_depends_on_ids_and_order() {
        let a = plan_sha256(["a", "b"].into_iter());
        assert_eq!(a, plan_sha256(["a", "b"].into_iter()));
        assert_ne!(a, plan_sha256(["b", "a"].into_iter()));
        assert_ne!(a, plan_sha256(["ab"].into_iter()));
        // SHA-256 of the empty string.
        assert_eq!(
            plan_sha256(std::iter::empty()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
