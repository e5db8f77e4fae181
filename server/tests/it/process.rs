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
fn a_sigterm_right_after_the_address_is_printed_stops_it_cleanly() {
    // The signal is listened for before the address is printed, not when the
    // server first polls its shutdown: before, most of these died of SIGTERM.
    for _ in 0..5 {
        let data = tempfile::tempdir().unwrap();
        let (mut child, _) = start(data.path());
        let status = terminate(&mut child);
        assert!(status.success(), "a clean exit on an early SIGTERM: {status}");
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
fn listening_beyond_this_machine_without_a_public_address_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let mut command = sawda(data.path());
    command.env("SAWDA_ADDR", "0.0.0.0:0");
    let (success, stderr) = run_to_end(command);
    assert!(!success, "links on public pages would follow whatever Host a stranger sends");
    assert!(stderr.contains("SAWDA_PUBLIC_URL") && stderr.contains("SAWDA_HOSTS"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn beyond_loopback_links_name_the_configured_names_and_never_a_made_up_one() {
    let data = tempfile::tempdir().unwrap();
    let mut command = sawda(data.path());
    command.env("SAWDA_ADDR", "0.0.0.0:0").env("SAWDA_DB", "mem://").env("SAWDA_HOSTS", "sawda.uz,www.sawda.uz");
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().expect("sawda prints its address").unwrap();
    let port = line.split("http://0.0.0.0:").nth(1).and_then(|rest| rest.split('/').next()).expect("a port").to_owned();
    let robots = |host: &str| {
        let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(stream, "GET /robots.txt HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    assert!(robots("www.sawda.uz").contains("Sitemap: http://www.sawda.uz/sitemap.xml"));
    let made_up = robots("evil.example");
    assert!(made_up.contains("Sitemap: http://sawda.uz/sitemap.xml") && !made_up.contains("evil"), "{made_up}");
    assert!(terminate(&mut child).success());
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

/// Signs in the account `create_account` made, through the API of a running server;
/// returns the session cookie and the account id.
fn session_of(response: &str) -> (String, String) {
    let cookie = response
        .lines()
        .find_map(|line| {
            line.to_lowercase()
                .starts_with("set-cookie: sawda_session=")
                .then(|| line[12..].split(';').next().unwrap().to_string())
        })
        .unwrap_or_else(|| panic!("no session in {response}"));
    let id = response.split(r#""id":""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    (cookie, id)
}

/// The admin invites an entrepreneur, who signs up: only entrepreneurs push products.
fn entrepreneur_session(address: &str) -> (String, String) {
    let body = r#"{"phone":"+998901112233","password":"admin-password-1"}"#;
    let (admin, _) = session_of(&raw_request(address, "POST", "/api/v1/auth/sign-in", None, Some(body)));
    let workshop = r#"{"name":"Melon jam workshop","district":"chimbay","date":"2026-12-01","seats":1}"#;
    let invited = raw_request(address, "POST", "/api/v1/invitations", Some(&admin), Some(workshop));
    let code = invited.split(r#""code":""#).nth(1).unwrap_or_else(|| panic!("{invited}")).split('"').next().unwrap();
    let sign_up = format!(r#"{{"code":"{code}","phone":"+998901112244","name":"Gulnar","password":"her-password-1"}}"#);
    session_of(&raw_request(address, "POST", "/api/v1/auth/sign-up", None, Some(&sign_up)))
}

/// The raw answer; none (empty) when the server is gone, killed between two
/// requests, as a phone would find it.
fn raw_request(address: &str, method: &str, path: &str, cookie: Option<&str>, body: Option<&str>) -> String {
    let Ok(mut stream) = TcpStream::connect(address) else { return String::new() };
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
    let sent = write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{cookie}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if sent.is_err() {
        return String::new();
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

fn create_account(data: &std::path::Path) {
    let mut child = sawda(data)
        .args(["admin", "create", "--phone", "+998901112233", "--name", "Gulnar"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "admin-password-1").unwrap();
    assert!(child.wait().unwrap().success());
}

/// A push of `count` new products, as the phone `seed` would send it.
fn product_push(owner: &str, seed: u8, count: u64) -> String {
    let mut phone =
        sawda_sync::Replica::new(sawda_sync::DeviceId::new(1_760_000_000_000, [seed; 10]), owner.parse().unwrap());
    for i in 0..count {
        let fields = [("name".to_string(), serde_json::json!(format!("Product {i}")))].into_iter().collect();
        let mut random = [seed; 10];
        random[..8].copy_from_slice(&i.to_be_bytes());
        phone.create(sawda_sync::Kind::Product, fields, 1_760_000_000_000 + i, random).unwrap();
    }
    serde_json::to_string(&phone.push_request(sawda_sync::protocol::Limits::DEFAULT).unwrap()).unwrap()
}

/// Every record her phone would pull, page after page.
fn synced_count(address: &str, cookie: &str, owner: &str) -> usize {
    let (mut total, mut cursor) = (0, 0u64);
    loop {
        let path = format!("/api/v1/sync/pull?version=3&account={owner}&cursor={cursor}&limit=500");
        let response = raw_request(address, "GET", &path, Some(cookie), None);
        total += response.matches(r#""seq":"#).count();
        let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
        let json: serde_json::Value = serde_json::from_str(body.trim()).unwrap_or_default();
        cursor = json["cursor"].as_u64().unwrap_or(cursor);
        if json["more"] != true {
            return total;
        }
    }
}

#[test]
fn a_push_cut_off_mid_request_applies_nothing() {
    let data = tempfile::tempdir().unwrap();
    create_account(data.path());
    let (mut child, address) = start(data.path());
    let (cookie, owner) = entrepreneur_session(&address);
    let body = product_push(&owner, 3, 50);
    // Half the body, then the connection drops.
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..body.len() / 2]
    )
    .unwrap();
    drop(stream);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(synced_count(&address, &cookie, &owner), 0, "nothing of a cut-off push is applied");
    // The phone sends it again, whole: everything applies, once.
    let answer = raw_request(&address, "POST", "/api/v1/sync/push", Some(&cookie), Some(&body));
    assert_eq!(answer.matches(r#""result":"applied""#).count(), 50, "{answer}");
    assert_eq!(synced_count(&address, &cookie, &owner), 50);
    assert!(terminate(&mut child).success());
}

#[test]
fn a_server_killed_during_pushes_keeps_whole_batches_only() {
    let data = tempfile::tempdir().unwrap();
    create_account(data.path());
    let (mut child, address) = start(data.path());
    let (cookie, owner) = entrepreneur_session(&address);
    // Batches of 100 products, pushed one after another while the server is killed.
    let batches: Vec<String> = (0..20u8).map(|seed| product_push(&owner, seed + 10, 100)).collect();
    let pusher = {
        let (address, cookie, batches) = (address, cookie.clone(), batches.clone());
        std::thread::spawn(move || {
            // Batches the server answered "applied" for: saved, as far as her phone knows.
            let mut acknowledged = 0;
            for batch in &batches {
                let answer = raw_request(&address, "POST", "/api/v1/sync/push", Some(&cookie), Some(batch));
                if answer.matches(r#""result":"applied""#).count() != 100 {
                    break;
                }
                acknowledged += 1;
            }
            acknowledged
        })
    };
    std::thread::sleep(Duration::from_millis(400));
    child.kill().unwrap(); // SIGKILL: no clean shutdown at all
    child.wait().unwrap();
    let acknowledged = pusher.join().unwrap();

    let (mut child, address) = start(data.path());
    let before = synced_count(&address, &cookie, &owner);
    eprintln!("{before} of 2000 records were applied when the server was killed ({acknowledged} batches answered)");
    assert_eq!(before % 100, 0, "only whole batches were applied, found {before} records");
    assert!(
        before >= acknowledged * 100,
        "every batch answered \"applied\" is still there: {before} < {acknowledged} × 100"
    );
    // Every batch sent again: the applied ones answer duplicate, the rest apply now.
    for batch in &batches {
        let answer = raw_request(&address, "POST", "/api/v1/sync/push", Some(&cookie), Some(batch));
        let applied = answer.matches(r#""result":"applied""#).count();
        let duplicate = answer.matches(r#""result":"duplicate""#).count();
        assert!(
            applied == 100 && duplicate == 0 || applied == 0 && duplicate == 100,
            "{applied} applied, {duplicate} duplicate"
        );
    }
    let mut total = 0;
    let mut cursor = 0u64;
    loop {
        let page = raw_request(
            &address,
            "GET",
            &format!("/api/v1/sync/pull?version=3&account={owner}&cursor={cursor}&limit=500"),
            Some(&cookie),
            None,
        );
        total += page.matches(r#""seq":"#).count();
        let body = page.split("\r\n\r\n").nth(1).unwrap_or("");
        let json: serde_json::Value = serde_json::from_str(body.trim()).unwrap_or_default();
        cursor = json["cursor"].as_u64().unwrap_or(cursor);
        if json["more"] != true {
            break;
        }
    }
    assert_eq!(total, 2_000, "nothing lost, nothing doubled");
    assert!(terminate(&mut child).success());
}

#[test]
fn a_client_too_slow_to_send_its_headers_is_cut_off_and_others_are_served() {
    let data = tempfile::tempdir().unwrap();
    let mut command = sawda(data.path());
    command.env("SAWDA_HEADER_TIMEOUT", "1");
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let address = line.split("http://").nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_string();
    // Slowloris: half a request line, then nothing.
    let mut slow = TcpStream::connect(&address).unwrap();
    write!(slow, "GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut buffer = Vec::new();
    // The server closes the connection (with a 408 or without an answer).
    let _ = slow.read_to_end(&mut buffer);
    assert!(started.elapsed() < Duration::from_secs(5), "cut off after {:?}", started.elapsed());
    // Meanwhile and after, others are served.
    assert!(http_get(&address, "/healthz").starts_with("HTTP/1.1 200"));
    assert!(terminate(&mut child).success());
}

/// Starts a server whose log goes to `log` (RUST_LOG `filter`) and returns it with its address.
fn start_logged(data: &std::path::Path, log: &std::path::Path, filter: &str, env: &[(&str, &str)]) -> (Child, String) {
    let file = std::fs::File::create(log).unwrap();
    let mut command = sawda(data);
    command.env("RUST_LOG", filter).envs(env.iter().copied());
    let mut child = command.stdout(Stdio::piped()).stderr(file).spawn().unwrap();
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().expect("sawda prints its address").unwrap();
    let address = line.split("http://").nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_string();
    (child, address)
}

fn wait_for_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("sawda did not stop within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What SurrealKV's commit thread logs on every close, a complete one too (see `infra::logging`).
const UNCLOSED: &str = "No runtime available for closing the store correctly";

/// The log filter that shows SurrealKV's own report of a complete close.
const CLOSE_REPORTED: &str = "warn,surrealkv::lsm=info";

/// What SurrealKV logs as the last step of closing a store: memtables flushed, WAL closed, lock released.
const CLOSED: &str = "LSM tree shutdown complete";

#[test]
fn a_stop_with_a_slow_client_still_closes_the_store_and_keeps_every_answered_write() {
    let data = tempfile::tempdir().unwrap();
    create_account(data.path());
    let log = data.path().join("first.log");
    let (mut child, address) = start_logged(data.path(), &log, CLOSE_REPORTED, &[]);
    let (cookie, owner) = entrepreneur_session(&address);
    let mut acknowledged = 0;
    for seed in 0..4u8 {
        let answer = raw_request(
            &address,
            "POST",
            "/api/v1/sync/push",
            Some(&cookie),
            Some(&product_push(&owner, seed + 40, 50)),
        );
        assert_eq!(answer.matches(r#""result":"applied""#).count(), 50, "{answer}");
        acknowledged += 50;
    }
    // A phone on a poor line: a push whose body comes at a byte a second.
    let mut slow = TcpStream::connect(&address).unwrap();
    write!(
        slow,
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
    )
    .unwrap();
    let trickle = std::thread::spawn(move || {
        for _ in 0..120 {
            if slow.write_all(b" ").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    std::thread::sleep(Duration::from_millis(1500));
    let stopping = Instant::now();
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = wait_for_exit(&mut child, Duration::from_secs(60));
    // The slow push ends by the request deadline (30 s from its start), within the drain.
    let took = stopping.elapsed();
    eprintln!("stopped {took:?} after SIGTERM");
    assert!(took < Duration::from_secs(35), "{took:?}");
    assert!(status.success(), "a clean exit: {status}");
    let first_log = std::fs::read_to_string(&log).unwrap();
    assert!(first_log.contains(CLOSED), "the store was closed before the process ended: {first_log}");
    assert!(!first_log.contains(UNCLOSED), "{first_log}");
    drop(trickle);

    // Started again: every write answered "applied" is there, and a stop closes again.
    let log = data.path().join("second.log");
    let (mut child, address) = start_logged(data.path(), &log, CLOSE_REPORTED, &[]);
    assert_eq!(synced_count(&address, &cookie, &owner), acknowledged);
    assert!(terminate(&mut child).success());
    let second_log = std::fs::read_to_string(&log).unwrap();
    assert!(second_log.contains(CLOSED) && !second_log.contains(UNCLOSED), "{second_log}");
}

#[test]
fn the_embedded_store_syncs_every_commit_whatever_the_environment_says() {
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("sawda.log");
    // SurrealDB's own settings for its server, set to the least durable: the pinned address wins.
    let env = [("SURREAL_DATASTORE_SYNC", "never"), ("SURREAL_DATASTORE_SYNC_DATA", "never")];
    let (mut child, _) = start_logged(data.path(), &log, "warn,surrealdb::core::kvs::surrealkv=info", &env);
    assert!(terminate(&mut child).success());
    let text = std::fs::read_to_string(&log).unwrap();
    // The engine's own account of the setting it opened the store with.
    let modes: Vec<&str> = text.lines().filter(|line| line.contains("Sync mode:")).collect();
    assert_eq!(modes.len(), 1, "{text}");
    assert!(modes[0].contains("Sync mode: every transaction commit"), "{}", modes[0]);
}

/// Rows the large update of `a_large_update_answered_is_kept_when_the_process_exits_without_closing`
/// changes: 20,000 (under a minute here), or `SAWDA_LARGE_UPDATE_ROWS` (the public bench has 200,000).
fn large_update_rows() -> i64 {
    std::env::var("SAWDA_LARGE_UPDATE_ROWS").ok().and_then(|n| n.parse().ok()).unwrap_or(20_000)
}

/// Run by the test below in a process of its own (`SAWDA_LARGE_UPDATE_AT` names the directory):
/// a large UPDATE is answered, then the process exits at once, with no close at all.
#[tokio::test]
#[ignore = "run by a_large_update_answered_is_kept_when_the_process_exits_without_closing"]
async fn large_update_then_exit_without_closing() {
    let Some(path) = std::env::var_os("SAWDA_LARGE_UPDATE_AT") else { return };
    let target = sawda_server::config::DatabaseTarget::Embedded(std::path::PathBuf::from(path));
    let db = sawda_server::infra::database::connect(&target, "sawda", "main").await.unwrap();
    for start in (0..large_update_rows()).step_by(2_000) {
        db.query("FOR $n IN array::range($start, $start + 2000) { CREATE type::record('melon', $n) SET kilos = $n % 9 RETURN NONE; };")
            .bind(("start", start))
            .await
            .unwrap()
            .check()
            .unwrap();
    }
    let started = Instant::now();
    db.query("UPDATE melon SET kilos = kilos + 100, sold = true WHERE true RETURN NONE")
        .await
        .unwrap()
        .check()
        .unwrap();
    println!("update answered after {:?}", started.elapsed());
    std::process::exit(0);
}

#[test]
fn a_large_update_answered_is_kept_when_the_process_exits_without_closing() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("db");
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "process::large_update_then_exit_without_closing", "--nocapture"])
        .env("SAWDA_LARGE_UPDATE_AT", &path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("update answered"), "{said}\n{}", String::from_utf8_lossy(&output.stderr));
    eprintln!("{}", said.lines().find(|l| l.contains("update answered")).unwrap_or_default());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let target = sawda_server::config::DatabaseTarget::Embedded(path);
        let db = sawda_server::infra::database::connect(&target, "sawda", "main").await.unwrap();
        let counts: Option<serde_json::Value> = db
            .query("(SELECT count() AS rows, math::sum(IF sold { 1 } ELSE { 0 }) AS sold, math::min(kilos) AS lightest FROM melon GROUP ALL)[0]")
            .await
            .unwrap()
            .check()
            .unwrap()
            .take::<Option<surrealdb::types::Value>>(0)
            .unwrap()
            .map(|v| v.into_json_value());
        let counts = counts.expect("the rows are there");
        assert_eq!(counts["rows"], serde_json::json!(large_update_rows()), "{counts}");
        assert_eq!(counts["sold"], serde_json::json!(large_update_rows()), "the answered update is all there: {counts}");
        assert_eq!(counts["lightest"], serde_json::json!(100), "{counts}");
        assert!(sawda_server::infra::database::close(db, &target).await);
    });
}

#[test]
fn a_start_that_fails_on_its_migrations_closes_the_store_too() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, _) = start(data.path());
    assert!(terminate(&mut child).success());
    // A database a newer Sawda has migrated: this one refuses to start on it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let target = sawda_server::config::DatabaseTarget::Embedded(data.path().join("db"));
        let db = sawda_server::infra::database::connect(&target, "sawda", "main").await.unwrap();
        db.query("CREATE schema_migration CONTENT { version: 999, name: 'from the future', checksum: '0000000000000000', applied_by: 'sawda 9' }")
            .await
            .unwrap()
            .check()
            .unwrap();
        assert!(sawda_server::infra::database::close(db, &target).await);
    });
    let mut command = sawda(data.path());
    command.env("RUST_LOG", CLOSE_REPORTED);
    let (success, stderr) = run_to_end(command);
    assert!(!success);
    assert!(stderr.contains("newer than this Sawda knows"), "{stderr}");
    assert!(stderr.contains(CLOSED), "closed before it exits: {stderr}");
    assert!(!stderr.contains(UNCLOSED), "{stderr}");
}
