//! Tests of the whole CEQL module through its public functions: tables of
//! inputs for every construct and every error (error texts and SQL as insta
//! snapshots), properties of the parser and the compiler, and the depth and
//! size bounds on a small stack.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::ast::{Cmp, Expr, Field, Literal, Op, Predicate, Value};
use super::*;
use crate::domain::role::Role;
use crate::store::accounts::FILTER as ACCOUNTS;
use crate::store::users::FILTER as USERS;

/// A compact, structure-revealing form of a tree, for the tables below.
fn sexpr(expr: &Expr) -> String {
    let list = |name: &str, items: &[Expr]| {
        let items: Vec<String> = items.iter().map(sexpr).collect();
        format!("({name} {})", items.join(" "))
    };
    match expr {
        Expr::Or(items) => list("or", items),
        Expr::And(items) => list("and", items),
        Expr::Not(inner) => format!("(not {})", sexpr(inner)),
        Expr::Predicate(Predicate { field, op, .. }) => {
            let not = |negated: &bool| if *negated { "not-" } else { "" };
            match op {
                Op::Compare { cmp, value } => format!("({} {field} {value})", cmp.as_str()),
                Op::In { negated, values } => {
                    let values: Vec<String> = values.iter().map(ToString::to_string).collect();
                    format!("({}in {field} {})", not(negated), values.join(" "))
                }
                Op::Like {
                    negated, pattern, ..
                } => format!("({}like {field} {pattern:?})", not(negated)),
                Op::IsNull { negated } => format!("(is-{}null {field})", not(negated)),
            }
        }
    }
}

/// The same tree with every position set to 0, to compare trees that were
/// written differently.
fn without_positions(expr: Expr) -> Expr {
    let literal = |l: Literal| Literal { position: 0, ..l };
    match expr {
        Expr::Or(items) => Expr::Or(items.into_iter().map(without_positions).collect()),
        Expr::And(items) => Expr::And(items.into_iter().map(without_positions).collect()),
        Expr::Not(inner) => Expr::Not(Box::new(without_positions(*inner))),
        Expr::Predicate(p) => Expr::Predicate(Predicate {
            field: Field {
                position: 0,
                ..p.field
            },
            op_position: 0,
            op: match p.op {
                Op::Compare { cmp, value } => Op::Compare {
                    cmp,
                    value: literal(value),
                },
                Op::In { negated, values } => Op::In {
                    negated,
                    values: values.into_iter().map(literal).collect(),
                },
                Op::Like {
                    negated, pattern, ..
                } => Op::Like {
                    negated,
                    pattern,
                    pattern_position: 0,
                },
                op @ Op::IsNull { .. } => op,
            },
        }),
    }
}

/// `input` shortened for a snapshot line.
fn shown(input: &str) -> String {
    if input.chars().count() > 70 {
        let head: String = input.chars().take(60).collect();
        format!("{head:?}… ({} bytes)", input.len())
    } else {
        format!("{input:?}")
    }
}

/// Runs `f` on a thread with a 2 MiB stack, as a small server worker would.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn every_construct_parses_to_the_expected_tree() {
    let cases = [
        // comparisons
        ("id = 1", "(= id 1)"),
        ("id != 1", "(!= id 1)"),
        ("id <> 1", "(!= id 1)"),
        ("id < 1", "(< id 1)"),
        ("id <= 1", "(<= id 1)"),
        ("id > 1", "(> id 1)"),
        ("id >= 1", "(>= id 1)"),
        // literals
        ("firstName = 'Ann'", "(= firstName 'Ann')"),
        ("firstName = ''", "(= firstName '')"),
        ("lastName = 'O''Brien'", "(= lastName 'O''Brien')"),
        ("lastName = ''''", "(= lastName '''')"),
        ("city = 'a AND b OR (c)'", "(= city 'a AND b OR (c)')"),
        ("city = 'Zoë 北京'", "(= city 'Zoë 北京')"),
        ("id = -12", "(= id -12)"),
        ("id = 007", "(= id 007)"),
        ("id = 1.50", "(= id 1.50)"),
        ("active = true", "(= active TRUE)"),
        ("active = FALSE", "(= active FALSE)"),
        ("active = 'TRUE'", "(= active 'TRUE')"),
        // IN, LIKE, IS NULL
        ("id IN (1)", "(in id 1)"),
        ("id IN (1, 2,3)", "(in id 1 2 3)"),
        ("city NOT IN ('a', 'b')", "(not-in city 'a' 'b')"),
        ("email LIKE '%@acme.test'", "(like email \"%@acme.test\")"),
        ("email NOT LIKE 'a\\%'", "(not-like email \"a\\\\%\")"),
        ("city IS NULL", "(is-null city)"),
        ("city IS NOT NULL", "(is-not-null city)"),
        // fields
        ("`firstName` = 'x'", "(= firstName 'x')"),
        ("`first name` = 'x'", "(= `first name` 'x')"),
        ("`and` = 1", "(= `and` 1)"),
        ("notes = 1", "(= notes 1)"),
        ("_x1 = 1", "(= _x1 1)"),
        // precedence and grouping
        (
            "a = 1 OR b = 2 AND c = 3",
            "(or (= a 1) (and (= b 2) (= c 3)))",
        ),
        (
            "(a = 1 OR b = 2) AND c = 3",
            "(and (or (= a 1) (= b 2)) (= c 3))",
        ),
        ("a = 1 AND b = 2 AND c = 3", "(and (= a 1) (= b 2) (= c 3))"),
        ("a = 1 OR b = 2 OR c = 3", "(or (= a 1) (= b 2) (= c 3))"),
        (
            "(a = 1 OR b = 2) OR c = 3",
            "(or (or (= a 1) (= b 2)) (= c 3))",
        ),
        ("NOT a = 1 AND b = 2", "(and (not (= a 1)) (= b 2))"),
        ("NOT (a = 1 AND b = 2)", "(not (and (= a 1) (= b 2)))"),
        ("NOT NOT a = 1", "(not (not (= a 1)))"),
        ("NOT(a = 1)", "(not (= a 1))"),
        ("((a = 1))", "(= a 1)"),
        // keywords in any case, whitespace of any kind or none
        (
            "a = 1 aNd b In (1) oR c Is NoT nUlL or d not like 'x'",
            "(or (and (= a 1) (in b 1)) (is-not-null c) (not-like d \"x\"))",
        ),
        ("\t(\r\na\n=\t1 )\n", "(= a 1)"),
        (
            "a=1 AND(b<>'x')OR`c`IS NULL",
            "(or (and (= a 1) (!= b 'x')) (is-null c))",
        ),
        ("a IN(1,2)AND b LIKE'x'", "(and (in a 1 2) (like b \"x\"))"),
    ];
    for (input, expected) in cases {
        match parse(input) {
            Ok(expr) => assert_eq!(sexpr(&expr), expected, "parsing {input:?}"),
            Err(e) => panic!("parsing {input:?} failed: {e}"),
        }
    }
}

#[test]
fn positions_are_one_based_characters() {
    let expr = parse("`é` = 'ü' AND  `ß` IN (1, 'x')").unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&expr).unwrap());
}

#[test]
fn every_syntax_error_says_what_and_where() {
    let many_values = format!("id IN ({})", vec!["1"; MAX_IN_VALUES + 1].join(", "));
    let enough_values = format!("id IN ({})", vec!["1"; MAX_IN_VALUES].join(", "));
    assert!(parse(&enough_values).is_ok());
    let cases = [
        // the garbled example from the seed page
        "active=%true`".to_owned(),
        String::new(),
        "   ".to_owned(),
        "a".to_owned(),
        "a b".to_owned(),
        "= 1".to_owned(),
        "active = ".to_owned(),
        "a = 1 b = 2".to_owned(),
        "a = 1 AND".to_owned(),
        "a = 1 AND AND b = 1".to_owned(),
        "a = 1 OR OR b = 2".to_owned(),
        "AND a = 1".to_owned(),
        "a = 1 ANDb = 2".to_owned(),
        "NOT".to_owned(),
        "NOT = 1".to_owned(),
        "(a = 1".to_owned(),
        "(a = 1 b".to_owned(),
        "a = 1)".to_owned(),
        "()".to_owned(),
        "a == 1".to_owned(),
        "a => 1".to_owned(),
        "a = \"x\"".to_owned(),
        "a = 'unterminated".to_owned(),
        "a = 'it''s".to_owned(),
        "`a = 1".to_owned(),
        "`` = 1".to_owned(),
        "a = 12ab".to_owned(),
        "a = 1.2.3".to_owned(),
        "a = 1.".to_owned(),
        "a = -".to_owned(),
        "a = - 1".to_owned(),
        "a = tru".to_owned(),
        "a = NULL".to_owned(),
        "a != null".to_owned(),
        "a IN 1".to_owned(),
        "a IN ()".to_owned(),
        "a IN (1,)".to_owned(),
        "a IN (1 2)".to_owned(),
        "id IN (1 'two')".to_owned(),
        "firstName 'Ann'".to_owned(),
        "a IN (1".to_owned(),
        "a NOT = 1".to_owned(),
        "a NOT BETWEEN 1 AND 2".to_owned(),
        "a IS 1".to_owned(),
        "a IS NOT 1".to_owned(),
        "a LIKE 5".to_owned(),
        "a LIKE".to_owned(),
        "a = 1;".to_owned(),
        "a = 1 -- comment".to_owned(),
        "a = 'x' /* comment */".to_owned(),
        "a\0 = 1".to_owned(),
        "a = 1 AND\u{0}".to_owned(),
        "é = 1".to_owned(),
        "city = 'Zoë' AND ? = 1".to_owned(),
        format!("{}a = 1{}", "(".repeat(65), ")".repeat(65)),
        format!("{}a = 1", "NOT ".repeat(65)),
        "(".repeat(4000),
        "(".repeat(10_000),
        many_values,
        format!("city = '{}'", "x".repeat(MAX_INPUT_BYTES)),
        format!("city = '{}'", "é".repeat(MAX_INPUT_BYTES / 2)),
    ];
    let mut report = String::new();
    for input in &cases {
        let error = parse(input).expect_err(input);
        assert!(
            error
                .to_string()
                .contains(&format!(" at {}", error.position)),
            "{error}"
        );
        report.push_str(&format!("{}\n    {error}\n", shown(input)));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn nesting_up_to_the_limit_is_accepted() {
    let parens = format!("{}a = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse(&parens).is_ok());
    let nots = format!("{}a = 1", "NOT ".repeat(MAX_DEPTH));
    assert!(parse(&nots).is_ok());
    let half = MAX_DEPTH / 2;
    let mixed = format!("{}a = 1{}", "NOT (".repeat(half), ")".repeat(half));
    assert!(parse(&mixed).is_ok());
    let over = format!("NOT {mixed}");
    assert_eq!(parse(&over).unwrap_err().kind, ErrorKind::TooDeep);
}

#[test]
fn the_deepest_parsable_tree_also_compiles() {
    // An OR and an AND inside every pair of parentheses: the tree is as
    // deep as the parser allows.
    let mut text = "id = 1".to_owned();
    for _ in 0..MAX_DEPTH {
        text = format!("id = 1 OR id = 2 AND ({text})");
    }
    let sql = on_small_stack(move || compile_where(&text, USERS));
    assert!(sql.is_ok(), "{sql:?}");
}

#[test]
fn deep_nesting_is_refused_without_overflowing_a_small_stack() {
    let results = on_small_stack(|| {
        let inputs = [
            "(".repeat(10_000),
            "(".repeat(4000),
            format!("{}a = 1", "NOT ".repeat(1000)),
            format!("{}a = 1{}", "(".repeat(2040), ")".repeat(2040)),
            "NOT (".repeat(800),
        ];
        inputs.map(|input| compile_where(&input, USERS).map_err(|e| e.kind))
    });
    assert_eq!(
        results,
        [
            Err(ErrorKind::TooLong { bytes: 10_000 }),
            Err(ErrorKind::TooDeep),
            Err(ErrorKind::TooDeep),
            Err(ErrorKind::TooDeep),
            Err(ErrorKind::TooDeep),
        ]
    );
}

#[test]
fn a_hand_built_tree_too_deep_to_parse_is_refused_by_compile() {
    let result = on_small_stack(|| {
        let mut expr = parse("id = 1").unwrap();
        for _ in 0..1000 {
            expr = Expr::Not(Box::new(expr));
        }
        compile(&expr, USERS).map_err(|e| e.kind)
    });
    assert_eq!(result, Err(ErrorKind::TooDeep));
}

#[test]
fn every_field_and_operator_compiles_to_the_expected_sql() {
    let users = [
        "id = 5",
        "id = '-5'",
        "id != 5",
        "id IN (1, '2', 3)",
        "ID >= 10",
        "firstName = 'Ann'",
        "lastName < 'M'",
        "fullName LIKE 'Ann %'",
        "email = 'Ann.Ö@ACME.test'",
        "email IN ('A@x.test', 'b@X.TEST')",
        "email LIKE '%@ACME.TEST'",
        "email >= 'M'",
        "active = true",
        "active = 'False'",
        "active != TRUE",
        "active IN (true, 'false')",
        "createdDate >= '2014-01-15'",
        "createdDate < '2014-01-15T23:30:00-05:00'",
        "lastLoginDate = '2014-01-15T10:00:00Z'",
        "lastLoginDate = '2014-01-15T10:00:00'",
        "lastLoginDate = '2014-01-15T10:00:00.123+02:00'",
        "city IS NULL",
        "country IS NOT NULL",
        "phone != '555'",
        "postalCode NOT IN ('1000', '2000')",
        "stateProvince LIKE 'N_'",
        "street1 NOT LIKE '%\\%%'",
        "street2 = 'x'",
        "`createddate` > '2020-01-01'",
        "roles = 'admin'",
        "roles != 'admin'",
        "roles <> 'admin'",
        "roles IN ('admin', 'org')",
        "roles NOT IN ('admin', 'org')",
        "roles LIKE 'org%'",
        "roles NOT LIKE 'org%'",
        "roles IS NULL",
        "roles IS NOT NULL",
        "NOT (id = 1 OR id = 2) AND active = true",
        "NOT NOT city IS NULL",
        "active = true AND createdDate >= '2014-01-15' AND email LIKE '%@acme.test'",
    ];
    let accounts = [
        "id IN (1, 2)",
        "name = 'Acme'",
        "externalId IS NULL",
        "description LIKE '%x%'",
        "active = false",
        "createdDate < '2020-01-01'",
        "defaultAccount = true",
    ];
    let mut report = String::new();
    for (scope, inputs) in [(USERS, &users[..]), (ACCOUNTS, &accounts[..])] {
        for input in inputs {
            let sql =
                compile_where(input, scope).unwrap_or_else(|e| panic!("compiling {input:?}: {e}"));
            report.push_str(&format!(
                "{scope:?}: {input}{}\n    {}\n    {:?}\n",
                if sql.searchable() {
                    " (searchable)"
                } else {
                    ""
                },
                sql.text(),
                sql.params()
            ));
        }
    }
    insta::assert_snapshot!(report);
}

#[test]
fn every_compile_error_says_what_and_where() {
    let underscores = "_".repeat(MAX_LIKE_WILDCARDS);
    let long = "x".repeat(MAX_LIKE_CHARS);
    let like_bounds = [
        // the attack: a `_` after a `%` retries at every position of the text
        format!("firstName LIKE '%a{underscores}b'"),
        format!("fullName NOT LIKE '{}'", "%".repeat(MAX_LIKE_WILDCARDS + 4)),
        format!("roles LIKE '{}'", "%_".repeat(MAX_LIKE_WILDCARDS)),
        format!("email LIKE '{long}y'"),
        format!("city LIKE 'O''{long}'"),
        format!("street1 LIKE '{}'", "é".repeat(MAX_LIKE_CHARS + 2)),
        // escaped ones do not count: the 17th unescaped is the last `%`
        format!(
            "id = 1 OR phone LIKE '{}{}%'",
            "\\%".repeat(MAX_LIKE_WILDCARDS),
            "%_".repeat(MAX_LIKE_WILDCARDS / 2)
        ),
    ];
    let users = [
        "password = 'x'",
        "secret = 'x'",
        "passwordHash = 'x'",
        "password_hash = 'x'",
        "`first name` = 'x'",
        "firstName = 'x' AND nope IS NULL",
        "active = 'yes'",
        "active = 1",
        "active = NOT",
        "id = 'x'",
        "id = 1.5",
        "id = '+1'",
        "id = 99999999999999999999",
        "id = true",
        "createdDate > 'tomorrow'",
        "createdDate = '2014-02-30'",
        "createdDate = 20140115",
        "createdDate = '14-01-15'",
        "createdDate = '9999-12-31T23:00:00-05:00'",
        "firstName = 5",
        "firstName = true",
        "email = false",
        "roles = 1",
        "id IN (1, 2, 'three')",
        "active < true",
        "active >= false",
        "roles > 'admin'",
        "id LIKE '1%'",
        "createdDate LIKE '2014%'",
        "active NOT LIKE 'x'",
        "city LIKE 'abc\\'",
        "city LIKE 'abc\\\\\\'",
        "firstName = 'é' AND nope = 1",
        "firstName = 'x' AND `ci\u{7}ty` = 'x'",
        "id = 1 OR firstName = '\u{7}' AND createdDate = '\u{7}'",
        "lastName = 'Ünal' OR id = 'é'",
    ];
    let accounts = ["roles = 'admin'", "email = 'x'", "defaultAccount = 'maybe'"];
    let account_like_bounds = [format!("description LIKE '{long}%'")];
    let mut report = String::new();
    for (scope, inputs) in [
        (USERS, users.map(str::to_owned).to_vec()),
        (USERS, like_bounds.to_vec()),
        (ACCOUNTS, accounts.map(str::to_owned).to_vec()),
        (ACCOUNTS, account_like_bounds.to_vec()),
    ] {
        for input in &inputs {
            let error = compile_where(input, scope).expect_err(input);
            report.push_str(&format!("{scope:?}: {}\n    {error}\n", shown(input)));
        }
    }
    insta::assert_snapshot!(report);
}

#[test]
fn like_patterns_up_to_the_bounds_compile() {
    let cases = [
        "x".repeat(MAX_LIKE_CHARS),
        "%".repeat(MAX_LIKE_WILDCARDS),
        format!("%a{}b", "_".repeat(MAX_LIKE_WILDCARDS - 1)),
        // escaped wildcards are plain characters
        format!("{}{}", "%".repeat(MAX_LIKE_WILDCARDS), "\\_".repeat(20)),
        // a quote is one character of the pattern, though written as two
        "'".repeat(MAX_LIKE_CHARS),
        "é".repeat(MAX_LIKE_CHARS),
    ];
    for pattern in cases {
        let input = format!("firstName LIKE {}", quote(&pattern));
        let sql = compile_where(&input, USERS).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        // Before it, the bounds of its literal prefix, if it has one.
        assert_eq!(sql.params().last(), Some(&SqlValue::Text(pattern)));
    }
}

#[test]
fn an_empty_list_built_by_hand_compiles_to_its_neutral_value() {
    let id_is_1 = parse("id = 1").unwrap();
    let or = compile(&Expr::Or(vec![]), USERS).unwrap();
    let and = compile(&Expr::And(vec![]), USERS).unwrap();
    let single = compile(&Expr::And(vec![id_is_1]), USERS).unwrap();
    assert_eq!((or.text(), and.text()), ("0", "1"));
    assert_eq!(single.text(), "(u.id = ?)");
}

// ---- properties ----

fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        // anything a backticked name can hold, keywords included
        "[^`]{1,8}",
        Just("not".to_owned()),
        Just("In".to_owned()),
    ]
}

fn arb_literal() -> impl Strategy<Value = Literal> {
    let value = prop_oneof![
        any::<String>().prop_map(Value::String),
        "-?[0-9]{1,6}(\\.[0-9]{1,4})?".prop_map(Value::Number),
        any::<bool>().prop_map(Value::Bool),
    ];
    value.prop_map(|value| Literal { value, position: 0 })
}

fn arb_op() -> impl Strategy<Value = Op> {
    let cmp = prop_oneof![
        Just(Cmp::Eq),
        Just(Cmp::Ne),
        Just(Cmp::Lt),
        Just(Cmp::Le),
        Just(Cmp::Gt),
        Just(Cmp::Ge),
    ];
    prop_oneof![
        (cmp, arb_literal()).prop_map(|(cmp, value)| Op::Compare { cmp, value }),
        (any::<bool>(), prop::collection::vec(arb_literal(), 1..4))
            .prop_map(|(negated, values)| Op::In { negated, values }),
        (any::<bool>(), any::<String>()).prop_map(|(negated, pattern)| Op::Like {
            negated,
            pattern,
            pattern_position: 0,
        }),
        any::<bool>().prop_map(|negated| Op::IsNull { negated }),
    ]
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    let predicate = (arb_name(), arb_op()).prop_map(|(name, op)| {
        Expr::Predicate(Predicate {
            field: Field { name, position: 0 },
            op,
            op_position: 0,
        })
    });
    predicate.prop_recursive(4, 32, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

/// Text made of CEQL's own tokens, to reach deeper into the parser than
/// random characters do.
fn ceql_like_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("id"),
        Just("`email`"),
        Just("roles"),
        Just("createdDate"),
        Just("active"),
        Just("="),
        Just("<"),
        Just(">="),
        Just("<>"),
        Just("!"),
        Just("AND"),
        Just("or"),
        Just("NOT"),
        Just("IN"),
        Just("LIKE"),
        Just("IS"),
        Just("NULL"),
        Just("true"),
        Just("("),
        Just(")"),
        Just(","),
        Just("'"),
        Just("'x'"),
        Just("'2014-01-15'"),
        Just("-"),
        Just("12"),
        Just("1.5"),
        Just("`"),
        Just(" "),
        Just("\n"),
        Just("é"),
        Just("%"),
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.join(" "))
}

/// Pieces of string literal that would do harm if they reached SQL text.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("'"),
        Just("''"),
        Just("--"),
        Just(";"),
        Just("%"),
        Just("_"),
        Just("\0"),
        Just("\\\\"),
        Just("\""),
        Just("é"),
        Just("😀"),
        Just("\u{202e}"),
        Just(" OR 1=1"),
        Just("); DROP TABLE users; --"),
        Just("?"),
        Just("x"),
    ];
    prop::collection::vec(piece, 1..8).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn printing_a_tree_and_parsing_it_gives_the_tree_back(expr in arb_expr()) {
        let text = expr.to_string();
        let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(without_positions(parsed), expr, "printed as {:?}", text);
    }

    #[test]
    fn parsing_and_compiling_any_text_never_panics(input in any::<String>()) {
        let _ = compile_where(&input, USERS);
        let _ = compile_where(&input, ACCOUNTS);
    }

    #[test]
    fn parsing_and_compiling_token_soup_never_panics(input in ceql_like_text()) {
        if let Err(e) = compile_where(&input, USERS) {
            let message = e.to_string();
            prop_assert!(message.contains(&format!(" at {}", e.position)), "{}", message);
            prop_assert!(e.position >= 1 && e.position <= input.chars().count() + 1);
        }
    }

    #[test]
    fn hostile_values_never_reach_the_sql_text(
        value in hostile_text(),
        other in hostile_text(),
        template in 0usize..8,
    ) {
        let (quoted, quoted_other) = (quote(&value), quote(&other));
        let text = |a: &str, b: &str| match template {
            0 => format!("firstName = {a}"),
            1 => format!("email != {a} OR fullName < {b}"),
            2 => format!("city IN ({a}, {b})"),
            3 => format!("street1 LIKE {a}"),
            4 => format!("NOT email NOT LIKE {a}"),
            5 => format!("roles = {a} AND roles NOT IN ({b})"),
            6 => format!("roles LIKE {a}"),
            _ => format!("`phone` <> {a} AND country NOT IN ({a}, {b}, {a})"),
        };
        // A value used as a LIKE pattern may be over that bound.
        if matches!(template, 3 | 4 | 6) && value.chars().count() > MAX_LIKE_CHARS {
            let error = compile_where(&text(&quoted, &quoted_other), USERS).unwrap_err();
            prop_assert!(matches!(error.kind, ErrorKind::LikePatternTooLong { .. }), "{}", error);
            return Ok(());
        }
        let sql = compile_where(&text(&quoted, &quoted_other), USERS)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(sql.text().matches('?').count(), sql.params().len());
        prop_assert!(sql.text().is_ascii(), "{}", sql.text());
        for harmful in [";", "--", "\0", "%", "\"", "1=1", "DROP"] {
            prop_assert!(!sql.text().contains(harmful), "{:?} in {}", harmful, sql.text());
        }
        // The SQL has the same shape whatever the values are, but for
        // whether a LIKE pattern starts with a literal prefix (which adds a
        // range over the folded column).
        let prefixed = !value.is_empty() && !value.starts_with(['%', '_']);
        let plain = compile_where(&text(if prefixed { "'x'" } else { "'%'" }, "'y'"), USERS).unwrap();
        prop_assert_eq!(sql.text(), plain.text());
        let expected = if template == 1 || template == 4 { value.to_lowercase() } else { value };
        prop_assert!(sql.params().contains(&SqlValue::Text(expected)), "{:?}", sql.params());
    }
}

/// A piece of a `LIKE` pattern: its text and how many wildcards it adds.
fn like_piece() -> impl Strategy<Value = (&'static str, usize)> {
    prop_oneof![
        Just(("%", 1)),
        Just(("_", 1)),
        Just(("\\%", 0)),
        Just(("\\_", 0)),
        Just(("\\\\", 0)),
        Just(("a", 0)),
        Just(("é", 0)),
        Just(("'", 0)),
        Just(("😀", 0)),
    ]
}

proptest! {
    #[test]
    fn a_like_pattern_is_refused_exactly_where_it_passes_a_bound(
        pieces in prop::collection::vec(like_piece(), 0..150),
        negated in any::<bool>(),
    ) {
        let pattern: String = pieces.iter().map(|(text, _)| *text).collect();
        // The model, from the pieces rather than by reading the pattern:
        // the character index of the first wildcard past the bound.
        let mut index = 0;
        let mut wildcards = 0;
        let mut over_wildcards = None;
        for (text, adds) in &pieces {
            if *adds == 1 {
                wildcards += 1;
                if wildcards == MAX_LIKE_WILDCARDS + 1 && over_wildcards.is_none() {
                    over_wildcards = Some(index);
                }
            }
            index += text.chars().count();
        }
        let chars = pattern.chars().count();
        let over_chars = (chars > MAX_LIKE_CHARS).then_some(MAX_LIKE_CHARS);
        let input = format!("email {}LIKE {}", if negated { "NOT " } else { "" }, quote(&pattern));
        let quote_at = input.find('\'').map(|byte| input[..byte].chars().count() + 1).unwrap();
        // Where the pattern's character `index` is in the input: each
        // quote before it was written twice.
        let position = |index: usize| {
            let quotes = pattern.chars().take(index).filter(|c| *c == '\'').count();
            quote_at + 1 + index + quotes
        };
        let expected = match (over_chars, over_wildcards) {
            (Some(c), Some(w)) if w < c => Some((position(w), ErrorKind::TooManyWildcards)),
            (Some(c), _) => Some((position(c), ErrorKind::LikePatternTooLong { chars })),
            (None, Some(w)) => Some((position(w), ErrorKind::TooManyWildcards)),
            (None, None) => None,
        };
        match (compile_where(&input, USERS), expected) {
            (Ok(sql), None) => {
                let last = sql.params().last();
                prop_assert_eq!(last, Some(&SqlValue::Text(pattern.to_lowercase())));
            }
            (Err(error), Some((at, kind))) => {
                prop_assert_eq!(&error.kind, &kind, "{}", error);
                prop_assert_eq!(error.position, at, "{}", error);
                let says_where = error.to_string().contains(&format!(" at {at}"));
                prop_assert!(says_where, "{}", error);
                // The position points at a wildcard, or at the character
                // past the length bound, of the input as written.
                let pointed = input.chars().nth(at - 1);
                let past = pattern.chars().nth(MAX_LIKE_CHARS);
                prop_assert!(match kind {
                    ErrorKind::TooManyWildcards => matches!(pointed, Some('%' | '_')),
                    _ => pointed == past,
                }, "{:?} at {} in {:?}", pointed, at, input);
            }
            (result, expected) => {
                return Err(TestCaseError::fail(format!("{result:?}, expected {expected:?}")));
            }
        }
    }
}

/// A CEQL string literal for `text`.
fn quote(text: &str) -> String {
    Literal {
        value: Value::String(text.to_owned()),
        position: 0,
    }
    .to_string()
}

/// Which filters an index can search (the list then sorts the matches it
/// finds; see `store::users::PageOrder`): an AND through any of its terms,
/// an OR only through all of them, never a negation.
#[test]
fn searchable_filters_are_those_an_index_can_find() {
    for (input, searchable) in [
        ("city = 'Oslo'", true),
        ("city = 'Oslo' AND lastName LIKE '%sen'", true),
        ("city = 'Oslo' OR lastName LIKE 'Han%'", true),
        ("city = 'Oslo' OR lastName LIKE '%sen'", false),
        ("NOT city = 'Oslo'", false),
        ("city != 'Oslo'", false),
        ("city IS NULL", false),
        ("city IN ('Oslo', 'Bergen')", false),
        ("lastName < 'M'", false),
        ("active = true", false),
        ("active = true AND id > 10", true),
        ("roles = 'admin'", true),
        ("roles != 'admin'", false),
        ("roles IS NOT NULL", false),
    ] {
        let sql = compile_where(input, USERS).unwrap();
        assert_eq!(sql.searchable(), searchable, "{input}");
    }
    // A role many hold is tested user by user: no index finds its few.
    let common = USERS.with_common_roles(CommonRoles::NONE.with(Role::Org));
    for (input, searchable, per_user) in [
        ("roles = 'org'", false, true),
        ("roles = 'admin'", true, false),
        ("roles IN ('admin', 'org')", false, true),
        ("roles IN ('admin', 'sys-admin')", true, false),
        ("roles LIKE 'adm%'", false, true),
        ("roles = 'org' AND city = 'Oslo'", true, true),
    ] {
        let sql = compile_where(input, common).unwrap();
        assert_eq!(sql.searchable(), searchable, "{input}");
        assert_eq!(
            sql.text().contains("EXISTS ("),
            per_user,
            "{input}: {}",
            sql.text()
        );
    }
    // Accounts have no filter indexes.
    assert!(!compile_where("name = 'Acme'", ACCOUNTS)
        .unwrap()
        .searchable());
}
