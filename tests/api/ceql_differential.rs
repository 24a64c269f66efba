//! Differential test of CEQL: for random `where=` expressions over random
//! users, the rows SQLite selects with the compiled SQL are exactly the
//! rows an independent in-Rust evaluation of the same tree selects.
//!
//! The evaluator models SQLite's semantics, not CEQL's code: three-valued
//! logic with NULL, text compared by bytes, LIKE folding ASCII case only
//! and honouring the `\` escape, `roles` as "holds a role that passes".
//! Users come from a seeded RNG and expressions from a deterministic
//! proptest runner, so a failure is reproducible and is shrunk.
#![allow(clippy::unwrap_used)]

use localelements::ceql::ast::{Cmp, Expr, Field, Literal, Op, Predicate, Value};
use localelements::ceql::{compile_where, CommonRoles, Scope, SqlValue};
use localelements::domain::role::Role;
use localelements::store::users::FILTER;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{Row, SqlitePool};

const USERS: i64 = 80;
const CASES: u32 = 600;
const ACCOUNT_ID: i64 = 1;

const ROLES: [&str; 3] = ["org-admin", "admin", "org"];
const FIRST_NAMES: [&str; 13] = [
    "Ann", "ann", "ANN", "Anna", "Bob", "Émile", "émile", "Zoë", "O'Brien", "Ann_Lee", "50%",
    "x\\y", "",
];
const LAST_NAMES: [&str; 9] = [
    "Smith",
    "smith",
    "Ng",
    "Müller",
    "MÜLLER",
    "O'Hara",
    "Lee",
    "100%_sure",
    "Ann",
];
const EMAIL_LOCALS: [&str; 8] = ["ann", "Bob", "ÉMILE", "zoë", "o'brien", "a_b", "c%d", "ÅSA"];
const EMAIL_DOMAINS: [&str; 4] = ["acme.test", "ACME.test", "Example.COM", "ünï.test"];
/// Shared by the seven optional address fields.
const ADDRESSES: [&str; 12] = [
    "Paris", "paris", "Zürich", "ZÜRICH", "New York", "", "10%", "a_b", "N1", "n1", "555-1234",
    "Main St",
];
const TEXT_EXTRAS: [&str; 6] = ["", "M", "zzz", "É", "a", "Ann "];
const PATTERNS: [&str; 26] = [
    "%",
    "",
    "A%",
    "a%",
    "%n",
    "_nn",
    "%\\%%",
    "%\\_%",
    "%_%",
    "Ann%",
    "É%",
    "é%",
    "%ü%",
    "%Ü%",
    "%'%",
    "Z_rich",
    "z_RICH",
    "%a_b%",
    "%a\\_b%",
    "%10\\%",
    "New%York",
    "%x\\\\y%",
    "%@acme.test",
    "%@ACME%",
    "%_@%",
    "\\A%",
];
const ADDRESS_FIELDS: [(&str, Column); 7] = [
    ("city", Column::City),
    ("country", Column::Country),
    ("phone", Column::Phone),
    ("postalCode", Column::PostalCode),
    ("stateProvince", Column::StateProvince),
    ("street1", Column::Street1),
    ("street2", Column::Street2),
];

#[derive(Debug, Clone)]
struct User {
    id: i64,
    first_name: String,
    last_name: String,
    email: String,
    active: bool,
    created_date: String,
    last_login_date: String,
    /// city, country, phone, postal_code, state_province, street1, street2
    address: [Option<String>; 7],
    roles: Vec<&'static str>,
}

fn random_date(rng: &mut StdRng) -> String {
    let start = time::macros::date!(2014 - 01 - 01);
    let date = start + time::Duration::days(rng.gen_range(0..60));
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn random_users(seed: u64) -> Vec<User> {
    let mut rng = StdRng::seed_from_u64(seed);
    (1..=USERS)
        .map(|id| {
            let pick = |rng: &mut StdRng, pool: &[&str]| pool.choose(rng).unwrap().to_string();
            let address =
                std::array::from_fn(|_| rng.gen_bool(0.6).then(|| pick(&mut rng, &ADDRESSES)));
            let mut roles: Vec<&'static str> = ROLES
                .iter()
                .copied()
                .filter(|_| rng.gen_bool(0.4))
                .collect();
            roles.shuffle(&mut rng);
            User {
                id,
                first_name: pick(&mut rng, &FIRST_NAMES),
                last_name: pick(&mut rng, &LAST_NAMES),
                // Unique per organization, as the schema demands.
                email: format!(
                    "{}{id}@{}",
                    pick(&mut rng, &EMAIL_LOCALS),
                    pick(&mut rng, &EMAIL_DOMAINS)
                ),
                active: rng.gen_bool(0.5),
                created_date: random_date(&mut rng),
                last_login_date: random_date(&mut rng),
                address,
                roles,
            }
        })
        .collect()
}

async fn database(users: &[User]) -> SqlitePool {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        // The in-memory database lives only as long as its one connection.
        .idle_timeout(None)
        .max_lifetime(None)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::migrate!("./migrations").run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO organizations (id, name, secret, secret_digest, created_date)
         VALUES (1, 'Org', 'org-secret', x'00', '2014-01-01')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO accounts (id, organization_id, name, is_default, active, created_date)
         VALUES (?, 1, 'Company Default Account', 1, 1, '2014-01-01')",
    )
    .bind(ACCOUNT_ID)
    .execute(&pool)
    .await
    .unwrap();
    for user in users {
        let [city, country, phone, postal_code, state_province, street1, street2] = &user.address;
        sqlx::query(
            "INSERT INTO users (id, organization_id, account_id, first_name, last_name, email,
                 email_lower, password_hash, secret, secret_digest, active, created_date,
                 last_login_date, city, country, phone, postal_code, state_province, street1,
                 street2)
             VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(user.id)
        .bind(ACCOUNT_ID)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(&user.email)
        .bind(user.email.to_lowercase())
        .bind(format!("dummy-hash-{}", user.id))
        .bind(format!("dummy-secret-{}", user.id))
        .bind(user.id.to_be_bytes().to_vec())
        .bind(user.active)
        .bind(&user.created_date)
        .bind(&user.last_login_date)
        .bind(city)
        .bind(country)
        .bind(phone)
        .bind(postal_code)
        .bind(state_province)
        .bind(street1)
        .bind(street2)
        .execute(&pool)
        .await
        .unwrap();
        for role in &user.roles {
            sqlx::query("INSERT INTO user_roles (user_id, role_key) VALUES (?, ?)")
                .bind(user.id)
                .bind(*role)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
    pool
}

/// The ids SQLite selects for a `where=` text, as the store layer will ask.
async fn select_ids(pool: &SqlitePool, where_text: &str, scope: Scope) -> Result<Vec<i64>, String> {
    let sql = compile_where(where_text, scope).map_err(|e| e.to_string())?;
    let text = format!(
        "SELECT u.id FROM users u WHERE u.account_id = ? AND ({}) ORDER BY u.id",
        sql.text()
    );
    let mut query = sqlx::query(&text).bind(ACCOUNT_ID);
    for param in sql.params() {
        query = match param {
            SqlValue::Int(v) => query.bind(v),
            SqlValue::Text(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(pool).await.map_err(|e| e.to_string())?;
    Ok(rows.iter().map(|row| row.get::<i64, _>(0)).collect())
}

// ---- the model ----

/// Which value of a user a field reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Id,
    FirstName,
    LastName,
    FullName,
    Email,
    Active,
    CreatedDate,
    LastLoginDate,
    City,
    Country,
    Phone,
    PostalCode,
    StateProvince,
    Street1,
    Street2,
    Roles,
}

/// An SQL value as SQLite compares it (never mixed types here).
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Sqlv {
    Null,
    Int(i64),
    Text(String),
}

fn column(name: &str) -> Column {
    let columns = [
        ("id", Column::Id),
        ("firstName", Column::FirstName),
        ("lastName", Column::LastName),
        ("fullName", Column::FullName),
        ("email", Column::Email),
        ("active", Column::Active),
        ("createdDate", Column::CreatedDate),
        ("lastLoginDate", Column::LastLoginDate),
        ("roles", Column::Roles),
    ];
    columns
        .iter()
        .chain(ADDRESS_FIELDS.iter())
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, column)| *column)
        .unwrap()
}

fn read(user: &User, column: Column) -> Sqlv {
    let text = |s: &str| Sqlv::Text(s.to_owned());
    let optional = |i: usize| user.address[i].as_deref().map_or(Sqlv::Null, text);
    match column {
        Column::Id => Sqlv::Int(user.id),
        Column::FirstName => text(&user.first_name),
        Column::LastName => text(&user.last_name),
        Column::FullName => Sqlv::Text(format!("{} {}", user.first_name, user.last_name)),
        Column::Email => Sqlv::Text(user.email.to_lowercase()),
        Column::Active => Sqlv::Int(i64::from(user.active)),
        Column::CreatedDate => text(&user.created_date),
        Column::LastLoginDate => text(&user.last_login_date),
        Column::City => optional(0),
        Column::Country => optional(1),
        Column::Phone => optional(2),
        Column::PostalCode => optional(3),
        Column::StateProvince => optional(4),
        Column::Street1 => optional(5),
        Column::Street2 => optional(6),
        Column::Roles => panic!("roles are a set, read by eval_roles"),
    }
}

/// The value a literal means for a column (the generator only makes
/// literals that fit).
fn meaning(column: Column, literal: &Literal) -> Sqlv {
    match (&literal.value, column) {
        (Value::Number(n) | Value::String(n), Column::Id) => Sqlv::Int(n.parse().unwrap()),
        (Value::Bool(b), Column::Active) => Sqlv::Int(i64::from(*b)),
        (Value::String(s), Column::Active) => Sqlv::Int(i64::from(s.eq_ignore_ascii_case("true"))),
        (Value::String(s), Column::Email) => Sqlv::Text(s.to_lowercase()),
        // `YYYY-MM-DDThh:mm:ssZ` is already UTC: its date is its first ten characters.
        (Value::String(s), Column::CreatedDate | Column::LastLoginDate) => {
            Sqlv::Text(s.chars().take(10).collect())
        }
        (Value::String(s), _) => Sqlv::Text(s.clone()),
        (value, column) => panic!("the generator made {value:?} for {column:?}"),
    }
}

/// SQLite's LIKE with `ESCAPE '\'`: `%` any run, `_` any one character,
/// `\x` the character x; ASCII letters match either case, others only
/// themselves.
fn like(pattern: &[char], text: &[char]) -> bool {
    let same = |p: char, t: char| p.eq_ignore_ascii_case(&t);
    match pattern {
        [] => text.is_empty(),
        ['%', rest @ ..] => (0..=text.len()).any(|skip| like(rest, &text[skip..])),
        ['_', rest @ ..] => !text.is_empty() && like(rest, &text[1..]),
        ['\\', escaped, rest @ ..] | [escaped, rest @ ..] => match text {
            [first, text_rest @ ..] => same(*escaped, *first) && like(rest, text_rest),
            [] => false,
        },
    }
}

fn like_str(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    like(&pattern, &text)
}

type Truth = Option<bool>;

fn eval(expr: &Expr, user: &User) -> Truth {
    // SQL's three-valued AND and OR: the deciding value wins over NULL,
    // NULL wins over the other.
    let list = |items: &[Expr], deciding: bool| {
        let truths: Vec<Truth> = items.iter().map(|item| eval(item, user)).collect();
        if truths.contains(&Some(deciding)) {
            Some(deciding)
        } else if truths.contains(&None) {
            None
        } else {
            Some(!deciding)
        }
    };
    match expr {
        Expr::Or(items) => list(items, true),
        Expr::And(items) => list(items, false),
        Expr::Not(inner) => eval(inner, user).map(|b| !b),
        Expr::Predicate(predicate) => eval_predicate(predicate, user),
    }
}

fn eval_predicate(predicate: &Predicate, user: &User) -> Truth {
    let column = column(&predicate.field.name);
    if column == Column::Roles {
        return Some(eval_roles(&predicate.op, user));
    }
    let left = read(user, column);
    let flip = |negated: bool, truth: Truth| truth.map(|b| b != negated);
    match &predicate.op {
        Op::IsNull { negated } => Some((left == Sqlv::Null) != *negated),
        _ if left == Sqlv::Null => None,
        Op::Compare { cmp, value } => {
            let right = meaning(column, value);
            Some(match cmp {
                Cmp::Eq => left == right,
                Cmp::Ne => left != right,
                Cmp::Lt => left < right,
                Cmp::Le => left <= right,
                Cmp::Gt => left > right,
                Cmp::Ge => left >= right,
            })
        }
        Op::In { negated, values } => flip(
            *negated,
            Some(values.iter().any(|v| meaning(column, v) == left)),
        ),
        Op::Like {
            negated, pattern, ..
        } => {
            let Sqlv::Text(text) = &left else {
                panic!("LIKE on {column:?}")
            };
            let pattern = match column {
                Column::Email => pattern.to_lowercase(),
                _ => pattern.clone(),
            };
            flip(*negated, Some(like_str(&pattern, text)))
        }
    }
}

/// Whether a user's roles pass: "holds one that passes", negated forms
/// "holds none that passes", IS NULL "holds none".
fn eval_roles(op: &Op, user: &User) -> bool {
    let holds = |passes: &dyn Fn(&str) -> bool| user.roles.iter().any(|role| passes(role));
    let text = |literal: &Literal| match &literal.value {
        Value::String(s) => s.clone(),
        other => panic!("role {other:?}"),
    };
    match op {
        Op::Compare {
            cmp: Cmp::Eq,
            value,
        } => holds(&|role| role == text(value)),
        Op::Compare {
            cmp: Cmp::Ne,
            value,
        } => !holds(&|role| role == text(value)),
        Op::Compare { cmp, .. } => panic!("the generator made roles {cmp:?}"),
        Op::In { negated, values } => {
            holds(&|role| values.iter().any(|v| role == text(v))) != *negated
        }
        Op::Like {
            negated, pattern, ..
        } => holds(&|role| like_str(pattern, role)) != *negated,
        Op::IsNull { negated } => holds(&|_| true) == *negated,
    }
}

// ---- the generator ----

/// The kinds of field, each with the literals and operators that fit it.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Id,
    Text,
    Email,
    Boolean,
    Date,
    Roles,
}

fn string(s: String) -> Literal {
    Literal {
        value: Value::String(s),
        position: 0,
    }
}

/// A field name in the documented spelling or in another case.
fn spelled(name: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(name.to_owned()),
        1 => Just(name.to_uppercase()),
        1 => Just(name.to_lowercase()),
    ]
}

/// Text literals likely to equal, or sit next to, the stored values.
fn text_value(pool: Vec<String>) -> impl Strategy<Value = String> {
    (prop::sample::select(pool), 0..4).prop_map(|(value, case)| match case {
        0 => value.to_uppercase(),
        1 => value.to_lowercase(),
        _ => value,
    })
}

/// LIKE patterns: fixed ones, and stored values with wildcards put in.
fn pattern(pool: Vec<String>) -> impl Strategy<Value = String> {
    let from_value = (prop::sample::select(pool), any::<u64>()).prop_map(|(value, bits)| {
        let mut out = String::new();
        if bits & 1 == 1 {
            out.push('%');
        }
        for (i, c) in value.chars().enumerate() {
            match c {
                '%' | '_' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                _ if (bits >> (i % 60 + 2)) & 7 == 0 => out.push('_'),
                _ => out.push(c),
            }
        }
        if bits & 2 == 2 {
            out.push('%');
        }
        out
    });
    prop_oneof![
        prop::sample::select(PATTERNS.to_vec()).prop_map(str::to_owned),
        from_value,
    ]
}

fn cmp() -> impl Strategy<Value = Cmp> {
    prop::sample::select(vec![Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge])
}

fn literals(one: BoxedStrategy<Literal>) -> impl Strategy<Value = Vec<Literal>> {
    prop::collection::vec(one, 1..4)
}

/// A predicate on field `name` of `kind`, with fitting operator and values.
fn arb_predicate(
    name: &'static str,
    kind: Kind,
    texts: Vec<String>,
    dates: Vec<String>,
) -> BoxedStrategy<Expr> {
    let literal: BoxedStrategy<Literal> = match kind {
        Kind::Id => (0..=USERS + 2, any::<bool>())
            .prop_map(|(id, quoted)| Literal {
                value: if quoted {
                    Value::String(id.to_string())
                } else {
                    Value::Number(id.to_string())
                },
                position: 0,
            })
            .boxed(),
        Kind::Text | Kind::Email | Kind::Roles => {
            text_value(texts.clone()).prop_map(string).boxed()
        }
        Kind::Boolean => prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            prop::sample::select(vec!["TRUE", "false", "True"])
                .prop_map(|s| Value::String(s.to_owned())),
        ]
        .prop_map(|value| Literal { value, position: 0 })
        .boxed(),
        Kind::Date => (prop::sample::select(dates), any::<bool>())
            .prop_map(|(date, timestamp)| {
                string(if timestamp {
                    format!("{date}T12:00:00Z")
                } else {
                    date
                })
            })
            .boxed(),
    };
    let equality = prop::sample::select(vec![Cmp::Eq, Cmp::Ne]);
    let compare = match kind {
        Kind::Boolean | Kind::Roles => equality.boxed(),
        _ => cmp().boxed(),
    };
    let mut ops = vec![
        (compare, literal.clone())
            .prop_map(|(cmp, value)| Op::Compare { cmp, value })
            .boxed(),
        (any::<bool>(), literals(literal))
            .prop_map(|(negated, values)| Op::In { negated, values })
            .boxed(),
        any::<bool>()
            .prop_map(|negated| Op::IsNull { negated })
            .boxed(),
    ];
    if matches!(kind, Kind::Text | Kind::Email | Kind::Roles) {
        ops.push(
            (any::<bool>(), pattern(texts))
                .prop_map(|(negated, pattern)| Op::Like {
                    negated,
                    pattern,
                    pattern_position: 0,
                })
                .boxed(),
        );
    }
    (spelled(name), prop::strategy::Union::new(ops))
        .prop_map(|(name, op)| {
            Expr::Predicate(Predicate {
                field: Field { name, position: 0 },
                op,
                op_position: 0,
            })
        })
        .boxed()
}

fn arb_expr(users: &[User]) -> impl Strategy<Value = Expr> {
    let distinct = |values: Vec<String>| {
        let mut values = values;
        values.sort();
        values.dedup();
        values
    };
    let with_extras = |values: Vec<String>| {
        distinct(
            values
                .into_iter()
                .chain(TEXT_EXTRAS.iter().map(|s| s.to_string()))
                .collect(),
        )
    };
    let names = with_extras(
        users
            .iter()
            .flat_map(|u| [u.first_name.clone(), u.last_name.clone()])
            .collect(),
    );
    let full_names = with_extras(
        users
            .iter()
            .map(|u| format!("{} {}", u.first_name, u.last_name))
            .collect(),
    );
    let emails = with_extras(users.iter().map(|u| u.email.clone()).collect());
    let addresses = with_extras(ADDRESSES.iter().map(|s| s.to_string()).collect());
    let dates = distinct(
        users
            .iter()
            .flat_map(|u| [u.created_date.clone(), u.last_login_date.clone()])
            .chain(["2013-12-31".to_owned(), "2014-12-31".to_owned()])
            .collect(),
    );
    let roles = distinct(
        ROLES
            .iter()
            .chain(&["sys-admin", "ADMIN", ""])
            .map(|s| s.to_string())
            .collect(),
    );
    let mut fields = vec![
        arb_predicate("id", Kind::Id, vec![], vec![]),
        arb_predicate("firstName", Kind::Text, names.clone(), vec![]),
        arb_predicate("lastName", Kind::Text, names, vec![]),
        arb_predicate("fullName", Kind::Text, full_names, vec![]),
        arb_predicate("email", Kind::Email, emails, vec![]),
        arb_predicate("active", Kind::Boolean, vec![], vec![]),
        arb_predicate("createdDate", Kind::Date, vec![], dates.clone()),
        arb_predicate("lastLoginDate", Kind::Date, vec![], dates),
        arb_predicate("roles", Kind::Roles, roles, vec![]),
    ];
    for (name, _) in ADDRESS_FIELDS {
        fields.push(arb_predicate(name, Kind::Text, addresses.clone(), vec![]));
    }
    prop::strategy::Union::new(fields).prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

#[test]
fn sqlite_selects_exactly_the_users_the_model_selects() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let users = random_users(0x5eed);
    let pool = runtime.block_on(database(&users));
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    // Counts filters that select some users but not all.
    let matched = std::cell::Cell::new(0usize);
    let result = runner.run(&arb_expr(&users), |expr| {
        let where_text = expr.to_string();
        let selected = runtime
            .block_on(select_ids(&pool, &where_text, FILTER))
            .map_err(|e| TestCaseError::fail(format!("{where_text}: {e}")))?;
        // A role many hold is tested user by user, one few hold found
        // among its holders: the same users either way.
        let every_role_common = FILTER.with_common_roles(
            Role::ALL
                .into_iter()
                .fold(CommonRoles::NONE, CommonRoles::with),
        );
        let tested_per_user = runtime
            .block_on(select_ids(&pool, &where_text, every_role_common))
            .map_err(|e| TestCaseError::fail(format!("{where_text}: {e}")))?;
        prop_assert_eq!(
            &tested_per_user,
            &selected,
            "where={} (common roles)",
            where_text
        );
        let expected: Vec<i64> = users
            .iter()
            .filter(|user| eval(&expr, user) == Some(true))
            .map(|user| user.id)
            .collect();
        if !selected.is_empty() && selected.len() < users.len() {
            matched.set(matched.get() + 1);
        }
        prop_assert_eq!(selected, expected, "where={}", where_text);
        Ok(())
    });
    if let Err(TestError::Fail(reason, expr)) = &result {
        panic!("{reason}\nminimal failing expression: {expr}");
    }
    result.unwrap();
    // Guard against a generator that only makes trivial filters.
    assert!(
        matched.get() > CASES as usize / 4,
        "only {} of {CASES} expressions selected some but not all users",
        matched.get()
    );
}

#[test]
fn the_like_model_agrees_with_sqlite_itself() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pool = runtime.block_on(database(&[]));
    let texts = [
        "ABC", "Émile", "émile", "%", "_", "a", "A", "aéc", "", "ax\\yb", "x",
    ];
    let edge_cases = ["\\a", "a_c", "_", "\\_", "\\%", "é%", "É%", "%%", "a%c"];
    for pattern in PATTERNS.iter().chain(&edge_cases) {
        for text in texts {
            let sqlite: bool = runtime.block_on(async {
                sqlx::query_scalar("SELECT ? LIKE ? ESCAPE '\\'")
                    .bind(text)
                    .bind(pattern)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            });
            assert_eq!(like_str(pattern, text), sqlite, "{text:?} LIKE {pattern:?}");
        }
    }
}
