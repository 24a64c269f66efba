//! Write-load generator for `bench/run.sh`: what wrk cannot do, because
//! each request needs an id or email that an earlier answer gave.
//!
//! `cargo bench --bench load -- FLAVOUR BASE USERS_PATH CONNECTIONS SECONDS [RATE]`
//! with `BENCH_AUTHORIZATION` in the environment (localelements only).
//! With RATE, it only creates, RATE users a second for SECONDS (the
//! background writer of the bench's reads-under-writes row).
//! FLAVOUR is `localelements` or `json-server`: the same calls, each
//! server's way (`where=email = '…'` or `?email=…`). It runs, in turn:
//!
//! - `creates`: `POST` new users for SECONDS, keeping their ids;
//! - `patches`: `PATCH` those users (a new last name) for SECONDS;
//! - `deletes`: `DELETE` them, until all are gone or SECONDS are up;
//! - `mix`: what a CI suite does, per virtual client: create, get by id,
//!   patch, list filtered by the new email, delete; one scenario is all
//!   five, and its latency their sum.
//!
//! Each phase prints `RESULT <phase> <count> <per second> <p99 ms> <errors>
//! <client CPU s> <server CPU s>`: errors are answers other than the
//! expected 2xx and transport failures; the client's CPU is this process's
//! own (user + system), so a saturated load generator shows; the server's
//! is that of the process `SERVER_PID` names (in the environment), if any.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Client, Method, StatusCode};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Localelements,
    JsonServer,
}

struct Target {
    flavour: Flavour,
    client: Client,
    base: String,
    users: String,
    authorization: String,
    /// Makes every email of this run unique.
    run: u128,
}

/// What one phase measured.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
}

impl Target {
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, String> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if self.flavour == Flavour::Localelements {
            request = request.header("Authorization", &self.authorization);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!(
                "{method} {path}: {status} {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        if status == StatusCode::NO_CONTENT || bytes.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("{method} {path}: {e}"))
    }

    fn new_user(&self, n: usize) -> serde_json::Value {
        serde_json::json!({
            "firstName": "Bench",
            "lastName": format!("Writer{n}"),
            "email": format!("w{}-{n}@load.test", self.run),
            "password": "bench-Password-1",
            "city": "Oslo",
        })
    }

    async fn create(&self, n: usize) -> Result<(i64, String), String> {
        let user = self.new_user(n);
        let answer = self.call(Method::POST, &self.users, Some(user)).await?;
        let id = answer["id"].as_i64().ok_or("no id in a create's answer")?;
        let email = answer["email"].as_str().unwrap_or_default().to_owned();
        Ok((id, email))
    }

    async fn patch(&self, id: i64, n: usize) -> Result<(), String> {
        let path = format!("{}/{id}", self.users);
        let body = serde_json::json!({ "lastName": format!("Patched{n}") });
        self.call(Method::PATCH, &path, Some(body)).await.map(drop)
    }

    async fn delete(&self, id: i64) -> Result<(), String> {
        let path = format!("{}/{id}", self.users);
        self.call(Method::DELETE, &path, None).await.map(drop)
    }

    async fn scenario(&self, n: usize) -> Result<(), String> {
        let (id, email) = self.create(n).await?;
        let one = format!("{}/{id}", self.users);
        self.call(Method::GET, &one, None).await?;
        self.patch(id, n).await?;
        let encoded: String = form_urlencoded::byte_serialize(email.as_bytes()).collect();
        let list = match self.flavour {
            Flavour::Localelements => {
                let filter = format!("email = '{email}'");
                let filter: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
                format!("{}?where={filter}", self.users)
            }
            Flavour::JsonServer => format!("{}?email={encoded}", self.users),
        };
        let found = self.call(Method::GET, &list, None).await?;
        if found.as_array().map(Vec::len) != Some(1) {
            return Err(format!("{list}: expected one user, got {found}"));
        }
        self.delete(id).await
    }
}

/// Runs `work(n)` on `connections` workers until `deadline`, or until
/// `work` says there is nothing left (`None`).
async fn phase<F, Fut>(connections: usize, deadline: Instant, work: F) -> Tally
where
    F: Fn(usize) -> Option<Fut> + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let work = Arc::new(work);
    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (work, next, tally) = (work.clone(), next.clone(), tally.clone());
        workers.push(tokio::spawn(async move {
            let mut mine = Tally::default();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = work(n) else { break };
                let started = Instant::now();
                match job.await {
                    Ok(()) => mine.latencies.push(started.elapsed()),
                    Err(error) => {
                        if mine.errors == 0 {
                            eprintln!("load: {error}");
                        }
                        mine.errors += 1;
                    }
                }
            }
            let mut all = tally.lock().unwrap_or_else(|e| e.into_inner());
            all.latencies.extend(mine.latencies);
            all.errors += mine.errors;
        }));
    }
    for worker in workers {
        worker.await.expect("a load worker panicked");
    }
    Arc::try_unwrap(tally)
        .ok()
        .expect("every worker is done")
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
}

/// A process's CPU time so far (user + system), from /proc: `self`, or a
/// process id.
fn cpu_seconds(process: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{process}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => f64::NAN,
    }
}

fn report(name: &str, mut tally: Tally, elapsed: Duration, cpu: f64, server_cpu: f64) {
    tally.latencies.sort();
    let count = tally.latencies.len();
    let p99 = if count == 0 {
        0.0
    } else {
        tally.latencies[(count * 99).div_ceil(100).saturating_sub(1)].as_secs_f64() * 1000.0
    };
    println!(
        "RESULT {name} {count} {:.0} {p99:.2} {} {cpu:.2} {server_cpu:.2}",
        count as f64 / elapsed.as_secs_f64(),
        tally.errors
    );
}

async fn timed<F, Fut>(name: &str, connections: usize, seconds: u64, work: F)
where
    F: Fn(usize) -> Option<Fut> + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let server = std::env::var("SERVER_PID").unwrap_or_default();
    let server_cpu = || {
        if server.is_empty() {
            f64::NAN
        } else {
            cpu_seconds(&server)
        }
    };
    let (cpu, server_before) = (cpu_seconds("self"), server_cpu());
    let started = Instant::now();
    let tally = phase(connections, started + Duration::from_secs(seconds), work).await;
    let elapsed = started.elapsed();
    let client = cpu_seconds("self") - cpu;
    report(name, tally, elapsed, client, server_cpu() - server_before);
}

#[tokio::main]
async fn main() {
    // `cargo bench` adds `--bench`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (flavour, base, users, connections, seconds, rate) = match &args[..] {
        [f, b, u, c, s] => (f, b, u, c, s, None),
        [f, b, u, c, s, r] => (
            f,
            b,
            u,
            c,
            s,
            Some(r.parse::<f64>().expect("RATE is a number")),
        ),
        _ => {
            eprintln!(
                "usage: load localelements|json-server BASE USERS_PATH CONNECTIONS SECONDS [RATE]"
            );
            std::process::exit(2);
        }
    };
    let flavour = match flavour.as_str() {
        "localelements" => Flavour::Localelements,
        "json-server" => Flavour::JsonServer,
        other => panic!("unknown flavour {other}"),
    };
    let connections: usize = connections.parse().expect("CONNECTIONS is a number");
    let seconds: u64 = seconds.parse().expect("SECONDS is a number");
    let target = Arc::new(Target {
        flavour,
        client: Client::builder()
            .pool_max_idle_per_host(connections)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client"),
        base: base.clone(),
        users: users.clone(),
        authorization: std::env::var("BENCH_AUTHORIZATION").unwrap_or_default(),
        run: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    });

    if let Some(rate) = rate {
        let (t, started) = (target.clone(), tokio::time::Instant::now());
        timed("trickle", connections, seconds, move |n| {
            let t = t.clone();
            let at = started + Duration::from_secs_f64(n as f64 / rate);
            Some(async move {
                tokio::time::sleep_until(at).await;
                t.create(n).await.map(drop)
            })
        })
        .await;
        return;
    }
    let created = Arc::new(Mutex::new(Vec::new()));
    let (t, ids) = (target.clone(), created.clone());
    timed("creates", connections, seconds, move |n| {
        let (t, ids) = (t.clone(), ids.clone());
        Some(async move {
            let (id, _) = t.create(n).await?;
            ids.lock().unwrap_or_else(|e| e.into_inner()).push(id);
            Ok(())
        })
    })
    .await;
    let ids: Arc<Vec<i64>> = Arc::new(std::mem::take(
        &mut *created.lock().unwrap_or_else(|e| e.into_inner()),
    ));
    if ids.is_empty() {
        eprintln!("load: no user was created");
        std::process::exit(1);
    }
    let (t, patch_ids) = (target.clone(), ids.clone());
    timed("patches", connections, seconds, move |n| {
        let (t, id) = (t.clone(), patch_ids[n % patch_ids.len()]);
        Some(async move { t.patch(id, n).await })
    })
    .await;
    let (t, delete_ids) = (target.clone(), ids.clone());
    timed("deletes", connections, seconds, move |n| {
        let t = t.clone();
        let id = *delete_ids.get(n)?;
        Some(async move { t.delete(id).await })
    })
    .await;
    let t = target.clone();
    timed("mix", connections, seconds, move |n| {
        let t = t.clone();
        // Past the creates' numbers, so no email repeats.
        Some(async move { t.scenario(1_000_000_000 + n).await })
    })
    .await;
}
