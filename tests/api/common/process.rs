//! The binary as a child process: started in a folder with flags and
//! environment, ready once it has printed its banner.
#![allow(clippy::unwrap_used, dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

/// How long start-up may take before a test gives up (a bound, not a sleep).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Running {
    pub child: Child,
    pub url: String,
    pub authorization: String,
    pub lines: Vec<String>,
}

impl Running {
    /// Starts the binary in `dir` and waits for its banner, which it prints
    /// once it is serving.
    pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_localelements"));
        command
            .current_dir(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_remove("RUST_LOG");
        for (key, _) in std::env::vars() {
            if key.starts_with("LOCALELEMENTS_") {
                command.env_remove(key);
            }
        }
        if !args.contains(&"--listen") && !env.iter().any(|(k, _)| *k == "LOCALELEMENTS_LISTEN") {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        command.envs(env.iter().copied());
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        loop {
            let line = receiver
                .recv_timeout(READY_TIMEOUT)
                .unwrap_or_else(|_| panic!("no banner; got {lines:?}"));
            let done = line.starts_with("Org-admin:");
            lines.push(line);
            if done {
                break;
            }
        }
        let find = |prefix: &str| {
            lines
                .iter()
                .find_map(|line| line.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no {prefix:?} in {lines:?}"))
                .to_owned()
        };
        let base = find("Base URL: ");
        let url = base.strip_suffix("/elements/api-v2").unwrap().to_owned();
        let authorization = find("Authorization: ");
        Self {
            child,
            url,
            authorization,
            lines,
        }
    }

    pub fn signal(&mut self, signal: &str) -> ExitStatus {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap()
    }

    /// Sends `signal` and waits at most `limit` for the process to exit
    /// (panicking past it; dropping `self` then kills it): its status and
    /// how long it took from the signal.
    pub fn signal_within(&mut self, signal: &str, limit: Duration) -> (ExitStatus, Duration) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let sent = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, sent.elapsed());
            }
            assert!(
                sent.elapsed() < limit,
                "still running {limit:?} after SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .get(format!("{}/elements/api-v2{path}", self.url))
            .header("authorization", &self.authorization)
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
