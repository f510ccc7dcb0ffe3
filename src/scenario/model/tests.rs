//! Tests of the scenario file shapes: statuses, tokens, expectations, matrices, JSON values.

use super::*;
use crate::api::OperationGroup;
use serde_json::json;

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_saphyr::from_str(text).map_err(|err| err.without_snippet().to_string())
}

#[test]
fn status_shapes() {
    assert_eq!(parse::<StatusDoc>("401"), Ok(StatusDoc::Codes(vec![401])));
    assert_eq!(
        parse::<StatusDoc>("[400, 422, 400]"),
        Ok(StatusDoc::Codes(vec![400, 422]))
    );
    assert_eq!(parse::<StatusDoc>("2xx"), Ok(StatusDoc::Class(2)));
    assert_eq!(parse::<StatusDoc>("'4XX'"), Ok(StatusDoc::Class(4)));
    assert_eq!(parse::<StatusDoc>("'404'"), Ok(StatusDoc::Codes(vec![404])));
    assert!(
        parse::<StatusDoc>("6xx")
            .unwrap_err()
            .contains("bad status `6xx`")
    );
    assert!(
        parse::<StatusDoc>("99")
            .unwrap_err()
            .contains("bad status 99")
    );
    assert!(parse::<StatusDoc>("-1").is_err());
    assert!(
        parse::<StatusDoc>("[]")
            .unwrap_err()
            .contains("empty status list")
    );
    assert!(
        parse::<StatusDoc>("[200, 2xx]")
            .unwrap_err()
            .contains("in a list")
    );
    assert!(parse::<StatusDoc>("{a: 1}").is_err());
}

#[test]
fn token_shapes() {
    assert_eq!(parse::<TokenDoc>("valid"), Ok(TokenDoc::Valid));
    assert_eq!(parse::<TokenDoc>("none"), Ok(TokenDoc::None));
    assert_eq!(parse::<TokenDoc>("previous"), Ok(TokenDoc::Previous));
    let TokenDoc::Recipe(recipe) =
        parse::<TokenDoc>("{ from: bob, mutate: [alg-none], remove_claims: [exp] }").unwrap()
    else {
        panic!("not a recipe");
    };
    assert_eq!(recipe.from.unwrap().value, "bob");
    assert_eq!(recipe.mutate[0].value, "alg-none");
    assert_eq!(recipe.mutate[0].referenced.column(), 23);
    assert_eq!(recipe.remove_claims, ["exp"]);
    assert!(
        parse::<TokenDoc>("forged")
            .unwrap_err()
            .contains("unknown token `forged`")
    );
    assert!(
        parse::<TokenDoc>("{ mutat: [x] }")
            .unwrap_err()
            .contains("unknown field `mutat`")
    );
}

#[test]
fn expect_shapes() {
    assert_eq!(
        parse::<ExpectDoc>("from_mutation"),
        Ok(ExpectDoc::FromMutation)
    );
    let ExpectDoc::Checks(checks) =
        parse::<ExpectDoc>("status: 2xx\nheaders: { x-a: '^b' }\njson: { /a/0: { b: [1, '{canary}'] } }\nallow_5xx: true")
            .unwrap()
    else {
        panic!("not checks");
    };
    assert_eq!(checks.status, Some(StatusDoc::Class(2)));
    assert_eq!(checks.headers.0[0].0.value, "x-a");
    let (pointer, value) = &checks.json.0[0];
    assert_eq!(
        (pointer.value.as_str(), pointer.referenced.line()),
        ("/a/0", 3)
    );
    assert_eq!(value.value.to_value(), json!({"b": [1, "{canary}"]}));
    let mut strings = Vec::new();
    value.value.strings(value.referenced, &mut strings);
    let found: Vec<(&str, u64, u64)> = strings
        .iter()
        .map(|(s, at)| (*s, at.line(), at.column()))
        .collect();
    assert_eq!(found, [("b", 3, 15), ("{canary}", 3, 24)]);
    assert!(checks.allow_5xx);
    assert!(
        parse::<ExpectDoc>("from_mutatoin")
            .unwrap_err()
            .contains("unknown expectation")
    );
}

#[test]
fn matrix_sources() {
    let map: OrderedMap<MatrixSource> = parse(
        "b: [x, y]\na: { operations: with_task }\nm: { mutations: { class: enforcement, expected: [reject, info] } }\np: { principals: { others_of: alice } }\nq: { principals: all }\nn: { operations: [tasks.get] }\nk: { mutations: [alg-none] }",
    )
    .unwrap();
    let names: Vec<&str> = map.iter().map(|(name, _)| name.value.as_str()).collect();
    assert_eq!(
        names,
        ["b", "a", "m", "p", "q", "n", "k"],
        "file order is kept"
    );
    assert!(matches!(&map.0[0].1, MatrixSource::Values(v) if v.len() == 2));
    assert_eq!(
        map.0[1].1,
        MatrixSource::Operations(OperationSelector::Group(OperationGroup::WithTask))
    );
    let MatrixSource::Mutations(MutationSelector::Filter(filter)) = &map.0[2].1 else {
        panic!()
    };
    assert_eq!(filter.class.0, [ClassName::Enforcement]);
    assert_eq!(
        filter.expected.0,
        [ExpectedName::Reject, ExpectedName::Info]
    );
    assert!(filter.family.0.is_empty());
    assert!(
        matches!(&map.0[3].1, MatrixSource::Principals(PrincipalSelector::OthersOf(p)) if p.value == "alice")
    );
    assert_eq!(map.0[4].1, MatrixSource::Principals(PrincipalSelector::All));

    let err = parse::<MatrixSource>("{ operations: protectd }").unwrap_err();
    assert!(err.contains("unknown variant `protectd`"), "{err}");
    assert!(
        parse::<MatrixSource>("{ mutation: [a] }")
            .unwrap_err()
            .contains("unknown matrix source `mutation`")
    );
    assert!(
        parse::<MatrixSource>("{ operations: public, mutations: [a] }")
            .unwrap_err()
            .contains("exactly one key")
    );
    assert!(
        parse::<MatrixSource>("{}")
            .unwrap_err()
            .contains("empty matrix source")
    );
    assert!(
        parse::<MatrixSource>("tasks.get")
            .unwrap_err()
            .contains("expected a list of values")
    );
    assert!(
        parse::<MatrixSource>("{ mutations: { colour: red } }")
            .unwrap_err()
            .contains("unknown field `colour`")
    );
    assert!(
        parse::<MatrixSource>("{ principals: some }")
            .unwrap_err()
            .contains("unknown principal selector")
    );
}

#[test]
fn ordered_map_rejects_duplicates_and_keeps_key_locations() {
    let map: OrderedMap<Spanned<String>> = parse("a: x\nb: y\n").unwrap();
    assert_eq!(map.0[1].0.referenced.line(), 2);
    assert_eq!(map.0[1].1.value, "y");
    assert!(
        parse::<OrderedMap<String>>("a: x\na: y\n")
            .unwrap_err()
            .contains("duplicate")
    );
    assert!(parse::<OrderedMap<String>>("[a]").is_err());
}

#[test]
fn json_nodes_keep_types() {
    let node: JsonNode =
        parse("{ n: 1, f: 1.5, neg: -2, t: true, z: null, s: 'x', l: [] }").unwrap();
    assert_eq!(
        node.to_value(),
        json!({"n": 1, "f": 1.5, "neg": -2, "t": true, "z": null, "s": "x", "l": []})
    );
}

#[test]
fn a_full_scenario_parses() {
    let file: ScenarioFile = parse(
        "scenarios:\n  - id: a\n    title: T\n    category: isolation\n    weakness: { id: w }\n    steps:\n      - as: bob\n        call: tasks.list\n        token: { mutate: [alg-none] }\n        expect: from_mutation\n",
    )
    .unwrap();
    let scenario = &file.scenarios[0];
    assert_eq!(
        (scenario.id.value.as_str(), scenario.id.referenced.line()),
        ("a", 2)
    );
    assert_eq!(scenario.steps[0].referenced.line(), 7);
    assert_eq!(scenario.steps[0].value.actor.as_ref().unwrap().value, "bob");
}
