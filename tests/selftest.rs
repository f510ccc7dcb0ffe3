//! Self-validation: the bundled suite passes the clean reference server at 100%, every flaw of the
//! reference server and every HTTP-level mutant makes a case fail under its own criterion (mutation
//! score 100%), and every scenario is failed by at least one of them.

use authconform::scenario::{Category, SuiteSources};
use authconform::selftest::{Broken, SelftestOptions, selftest};
use reference_server::Flaw;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_the_clean_server_and_catches_every_flaw_and_mutant() {
    let options = SelftestOptions {
        scenarios: SuiteSources::bundled(),
        jobs: authconform::runner::default_jobs(),
        seed: 1,
        full: false,
        only: Vec::new(),
    };
    let report = selftest(&options, &|line: &str| eprintln!("{line}"))
        .await
        .expect("the self-validation runs");
    let text = report.render(true);
    println!("{text}");
    assert!(report.clean_passed(), "{text}");
    assert!(report.clean.cases >= 1000, "{text}");
    assert_eq!(report.broken.len(), Broken::all().len());
    for outcome in &report.broken {
        let broken = outcome.broken.expect("a broken target");
        assert!(
            outcome.caught(),
            "{} {} made no case fail under {}\n{text}",
            broken.kind(),
            broken.id(),
            broken.criterion().as_str()
        );
    }
    assert_eq!(
        report.mutation_score(),
        (report.broken.len(), report.broken.len())
    );
    assert!(report.survivors().is_empty(), "{text}");
    assert!(report.passed(true));
    // The matrix names every flaw with its criterion, and the score line is printed.
    for flaw in Flaw::ALL {
        assert!(text.contains(&format!("flaw {}", flaw.id())), "{text}");
    }
    assert!(text.contains("mutation score: 37/37"), "{text}");
    assert!(text.contains("selftest: PASSED"), "{text}");
    // Each criterion is broken by at least one target.
    for category in Category::ALL {
        assert!(
            report
                .broken
                .iter()
                .any(|o| o.broken.unwrap().criterion() == category),
            "{category:?}"
        );
    }
}
