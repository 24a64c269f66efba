//! Cost of turning a `where=` text into SQL (parse + compile), which every
//! filtered list request pays; the aim is well under 5 µs for typical
//! filters.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use localelements::ceql::{compile_where, parse};
use localelements::store::users::FILTER;

const TYPICAL: [(&str, &str); 5] = [
    ("one_predicate", "active = true"),
    (
        "three_predicates",
        "active = true AND createdDate >= '2014-01-15' AND email LIKE '%@acme.test'",
    ),
    ("roles_in", "roles IN ('admin', 'org-admin') AND NOT city IS NULL"),
    (
        "nested",
        "(firstName = 'Ann' OR lastName LIKE 'Sm%') AND (id > 100 OR lastLoginDate < '2018-03-07T10:00:00Z')",
    ),
    (
        "error_unknown_field",
        "active = true AND passwordHash = 'x'",
    ),
];

fn parse_and_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile_where");
    for (name, input) in TYPICAL {
        group.bench_function(name, |b| b.iter(|| compile_where(black_box(input), FILTER)));
    }
    group.finish();

    let three = TYPICAL[1].1;
    c.bench_function("parse_only/three_predicates", |b| {
        b.iter(|| parse(black_box(three)))
    });
}

criterion_group!(benches, parse_and_compile);
criterion_main!(benches);
