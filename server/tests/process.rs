//! The `sawda` binary as an operator runs it: start-up errors, a clean stop on
//! SIGTERM, and data that is still there after a restart.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SAWDA: &str = env!("CARGO_BIN_EXE_sawda");

fn sawda(data: &std::path::Path) -> Command {
    let mut command = Command::new(SAWDA);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SAWDA_DATA", data)
        .env("SAWDA_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

/// Runs to the end (it must end by itself quickly) and returns (success, stderr).
fn run_to_end(mut command: Command) -> (bool, String) {
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            return (status.success(), stderr);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("sawda did not exit");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts a server and returns it with the address it printed.
fn start(data: &std::path::Path) -> (Child, String) {
    let mut child = sawda(data).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().expect("sawda prints its address").unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, address)
}

fn http_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "sawda did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serves_stops_on_sigterm_and_keeps_its_data() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, address) = start(data.path());
    let health = http_get(&address, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""status":"ok""#), "{health}");
    let status = terminate(&mut child);
    assert!(status.success(), "a clean exit on SIGTERM: {status}");
    assert!(data.path().join("db").is_dir(), "the embedded database lives under SAWDA_DATA");

    // Started again on the same files: the schema is there, nothing is applied twice.
    let (mut child, address) = start(data.path());
    let health = http_get(&address, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(terminate(&mut child).success());
}

#[test]
fn a_taken_address_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut command = sawda(data.path());
    command.env("SAWDA_ADDR", taken.local_addr().unwrap().to_string());
    let (success, stderr) = run_to_end(command);
    assert!(!success);
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    assert!(stderr.contains("another Sawda"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unusable_data_directory_is_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("not-a-directory");
    std::fs::write(&file, b"x").unwrap();
    let (success, stderr) = run_to_end(sawda(&file.join("data")));
    assert!(!success);
    assert!(stderr.contains("data directory"), "{stderr}");
    assert!(stderr.contains("SAWDA_DATA"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let mut command = sawda(data.path());
    command.env("SAWDA_DB", "postgres://localhost/sawda");
    let (success, stderr) = run_to_end(command);
    assert!(!success);
    assert!(stderr.contains("is not supported"), "{stderr}");
}

#[test]
fn a_second_server_on_the_same_files_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let (mut first, _) = start(data.path());
    let (success, stderr) = run_to_end(sawda(data.path()));
    assert!(!success, "two processes must never share one embedded database");
    assert!(stderr.contains("cannot open the database"), "{stderr}");
    assert!(terminate(&mut first).success());
}

#[test]
fn admin_create_reads_the_password_from_a_pipe_and_signs_in_later() {
    let data = tempfile::tempdir().unwrap();
    let create = |phone: &str, password: &str| {
        let mut child = sawda(data.path())
            .args(["admin", "create", "--phone", phone, "--name", "Programme admin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let output = create("90 111 22 33", "admin-password-1");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("admin +998901112233 created"));

    let again = create("+998901112233", "admin-password-1");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let weak = create("+998901112234", "short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 8"));

    // The server on the same files signs the admin in.
    let (mut child, address) = start(data.path());
    let body = r#"{"phone":"+998901112233","password":"admin-password-1"}"#;
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /api/v1/auth/sign-in HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.to_lowercase().contains("set-cookie: sawda_session="), "{response}");
    assert!(response.contains(r#""role":"admin""#), "{response}");
    assert!(terminate(&mut child).success());
}
