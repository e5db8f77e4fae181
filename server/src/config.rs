//! Configuration from flags and environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "sawda",
    version,
    about = "Sawda: an offline-first storefront and ad studio for small producers of Karakalpakstan.",
    long_about = "Sawda: an offline-first storefront and ad studio for small producers of \
Karakalpakstan.\n\nWith no subcommand it serves the web app, the sync API and the public pages. \
Every option can also be set by the environment variable shown beside it."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Serve the web app, the API and the public pages (the default).
    Serve,
    /// Administration from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The sync protocol's upkeep.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Write a backup (the database and every photo) into a new directory, with the server stopped.
    Backup {
        /// A new or empty directory.
        dir: PathBuf,
    },
    /// Restore a backup into an empty database and photo store (a new SAWDA_DATA), with the
    /// server stopped; the database gets a new sync epoch.
    Restore {
        /// A directory `sawda backup` wrote.
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum SyncCommand {
    /// Run once on a database restored from a backup, before serving it: phones
    /// then pull again from the start and send again what only they hold.
    NewEpoch,
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum AdminCommand {
    /// Create an admin account. Asks for the password twice on a terminal; reads one
    /// line from standard input otherwise (for scripts).
    Create {
        /// Phone number in Uzbek format, e.g. +998901234567.
        #[arg(long)]
        phone: String,
        /// The admin's name as shown to others.
        #[arg(long)]
        name: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Address and port to listen on. Use 0.0.0.0:PORT to accept connections from other
    /// machines (then SAWDA_PUBLIC_URL or SAWDA_HOSTS is required).
    #[arg(long, env = "SAWDA_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory for Sawda's own files: the embedded database and uploaded photos.
    #[arg(long, env = "SAWDA_DATA", default_value = "./data")]
    pub data: PathBuf,

    /// Database to use. Unset: the embedded file database under the data directory.
    /// `mem://`: in memory, gone when Sawda stops (for tests).
    /// `surrealkv://PATH`: the embedded file database at PATH.
    /// `ws://HOST:PORT` or `wss://HOST:PORT`: a SurrealDB server or cluster
    /// (with --db-user and --db-pass).
    #[arg(long, env = "SAWDA_DB", verbatim_doc_comment)]
    pub db: Option<String>,

    /// User name for a SurrealDB server (root user).
    #[arg(long, env = "SAWDA_DB_USER")]
    pub db_user: Option<String>,

    /// Password for a SurrealDB server.
    #[arg(long, env = "SAWDA_DB_PASS", hide_env_values = true)]
    pub db_pass: Option<String>,

    /// SurrealDB namespace.
    #[arg(long, env = "SAWDA_DB_NS", default_value = "sawda")]
    pub db_ns: String,

    /// SurrealDB database name within the namespace.
    #[arg(long, env = "SAWDA_DB_NAME", default_value = "main")]
    pub db_name: String,

    /// Directory of the built web files (the `pkg/` bundle, icons, manifest),
    /// as produced by `cargo leptos build`.
    #[arg(long, env = "SAWDA_SITE", default_value = "target/site")]
    pub site: PathBuf,

    /// The address people use to reach Sawda, e.g. `https://sawda.example`: printed
    /// on invitation slips, and https here makes session cookies `Secure`.
    /// Unset: the address each request came to.
    #[arg(long, env = "SAWDA_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Names this server answers to, comma-separated, e.g. `sawda.uz,www.sawda.uz`:
    /// a public page asked for under one of them links to that name; under any
    /// other `Host`, to `SAWDA_PUBLIC_URL` (or the first name). Links are never
    /// made from a name not listed here.
    #[arg(long, env = "SAWDA_HOSTS", value_delimiter = ',', value_parser = parse_host)]
    pub hosts: Vec<String>,

    /// Behind your own reverse proxy: take the client's address (for rate limits)
    /// from the last entry of `X-Forwarded-For`. Never set this without such a proxy.
    #[arg(long, env = "SAWDA_TRUST_PROXY", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_proxy: bool,

    /// Seconds a client has to send a request's headers before its connection
    /// is closed: a slow client cannot hold connections open.
    #[arg(long, env = "SAWDA_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_timeout: u64,

    /// Connections served at once; more wait in the kernel's queue.
    #[arg(long, env = "SAWDA_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections: u64,

    /// Seconds the export feed waits before it hands out a change: longer than
    /// any transaction takes (`docs/export.md`).
    #[arg(long, env = "SAWDA_EXPORT_SETTLE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub export_settle_seconds: u64,

    /// Where photos are kept. Unset: files under the data directory (one server).
    /// `s3://BUCKET`: an S3-compatible bucket every server shares, with
    /// SAWDA_S3_ACCESS_KEY and SAWDA_S3_SECRET_KEY (always: the client never
    /// looks for keys elsewhere) and, for a store of your own, SAWDA_S3_ENDPOINT.
    #[arg(long, env = "SAWDA_PHOTOS", verbatim_doc_comment)]
    pub photos: Option<String>,

    /// The S3-compatible store's address, e.g. `http://127.0.0.1:8014`; unset for AWS.
    #[arg(long, env = "SAWDA_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// The bucket's region (an S3-compatible store of your own takes any).
    #[arg(long, env = "SAWDA_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// The bucket's access key.
    #[arg(long, env = "SAWDA_S3_ACCESS_KEY")]
    pub s3_access_key: Option<String>,

    /// The bucket's secret key.
    #[arg(long, env = "SAWDA_S3_SECRET_KEY", hide_env_values = true)]
    pub s3_secret_key: Option<String>,

    /// Log format: readable text, or one JSON object per line for log collectors.
    #[arg(long, env = "SAWDA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

fn parse_public_url(url: &str) -> Result<String, String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(url.trim_end_matches('/').to_string())
        }
        _ => Err("give the full address, like https://sawda.example".into()),
    }
}

/// A name as a `Host` header carries it: `sawda.uz`, `sawda.local:8080`; lower-case.
fn parse_host(name: &str) -> Result<String, String> {
    let name = name.trim().to_ascii_lowercase();
    let (host, port) = name.split_once(':').unwrap_or((&name, "80"));
    let host_ok = !host.is_empty()
        && host.split('.').all(|part| {
            !part.is_empty() && !part.starts_with('-') && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if host_ok && port.parse::<u16>().is_ok_and(|port| port > 0) {
        Ok(name)
    } else {
        Err(format!("`{name}` is not a host name: give names only, like sawda.uz or www.sawda.uz"))
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the data lives, decided once from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// SurrealKV files in this directory.
    Embedded(PathBuf),
    /// In memory only.
    Memory,
    /// A SurrealDB server or cluster.
    Remote { url: String, credentials: Option<(String, String)> },
}

impl DatabaseTarget {
    /// The address `surrealdb::engine::any::connect` understands.
    pub fn address(&self) -> String {
        match self {
            DatabaseTarget::Embedded(path) => format!("surrealkv://{}", path.display()),
            DatabaseTarget::Memory => "mem://".to_string(),
            DatabaseTarget::Remote { url, .. } => url.clone(),
        }
    }
}

/// Where photos are kept, decided once from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoTarget {
    /// Files under this directory (`<data>/photos`).
    Disk(PathBuf),
    /// A bucket every server shares.
    S3(S3Target),
}

/// An S3-compatible bucket and the keys to it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Target {
    pub bucket: String,
    /// `http://127.0.0.1:8014` for a store of your own; unset for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
}

impl std::fmt::Debug for S3Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret stays out of logs and error messages.
        f.debug_struct("S3Target").field("bucket", &self.bucket).field("endpoint", &self.endpoint).finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("SAWDA_PHOTOS `{0}` is not supported: use nothing (files under SAWDA_DATA) or `s3://BUCKET`")]
    UnsupportedPhotos(String),
    #[error("SAWDA_PHOTOS=s3://… needs SAWDA_S3_ACCESS_KEY and SAWDA_S3_SECRET_KEY")]
    NoS3Keys,
    #[error("SAWDA_S3_ENDPOINT `{0}` is not an address: give it like http://127.0.0.1:8014")]
    BadS3Endpoint(String),
    #[error(
        "SAWDA_DB `{0}` is not supported: use nothing (embedded), `mem://`, `surrealkv://PATH`, `ws://HOST:PORT` or `wss://HOST:PORT`"
    )]
    UnsupportedDatabase(String),
    #[error("SAWDA_DB_USER and SAWDA_DB_PASS go together: give both or neither")]
    HalfCredentials,
    #[error("{0} `{1}` is not a valid name: use letters, digits and underscores")]
    BadName(&'static str, String),
    #[error(
        "{0}: set SAWDA_PUBLIC_URL to the address people use (e.g. https://sawda.example), \
         or SAWDA_HOSTS to the names this server answers to (e.g. sawda.uz,www.sawda.uz); \
         the links on public pages are never made from the Host a request names"
    )]
    NoPublicAddress(String),
}

impl Config {
    /// Reached from other machines (listening beyond loopback, or behind a
    /// proxy), Sawda must know its own address: public pages link to it.
    pub fn check_reach(&self) -> Result<(), ConfigError> {
        if self.public_url.is_some() || !self.hosts.is_empty() {
            return Ok(());
        }
        if !self.addr.ip().is_loopback() {
            let why = format!("SAWDA_ADDR {} is reached from other machines", self.addr);
            return Err(ConfigError::NoPublicAddress(why));
        }
        if self.trust_proxy {
            return Err(ConfigError::NoPublicAddress("SAWDA_TRUST_PROXY says Sawda is behind a proxy".into()));
        }
        Ok(())
    }

    pub fn photo_target(&self) -> Result<PhotoTarget, ConfigError> {
        let Some(url) = self.photos.as_deref().map(str::trim).filter(|url| !url.is_empty()) else {
            return Ok(PhotoTarget::Disk(self.data.join("photos")));
        };
        let bucket = url.strip_prefix("s3://").map(|rest| rest.trim_end_matches('/')).unwrap_or_default();
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !bucket_ok {
            return Err(ConfigError::UnsupportedPhotos(url.to_string()));
        }
        let (Some(access_key), Some(secret_key)) = (&self.s3_access_key, &self.s3_secret_key) else {
            return Err(ConfigError::NoS3Keys);
        };
        if let Some(endpoint) = &self.s3_endpoint
            && parse_public_url(endpoint).is_err()
        {
            return Err(ConfigError::BadS3Endpoint(endpoint.clone()));
        }
        Ok(PhotoTarget::S3(S3Target {
            bucket: bucket.to_string(),
            endpoint: self.s3_endpoint.as_ref().map(|endpoint| endpoint.trim_end_matches('/').to_string()),
            region: self.s3_region.clone(),
            access_key: access_key.clone(),
            secret_key: secret_key.clone(),
        }))
    }

    pub fn database_target(&self) -> Result<DatabaseTarget, ConfigError> {
        for (what, name) in [("SAWDA_DB_NS", &self.db_ns), ("SAWDA_DB_NAME", &self.db_name)] {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(ConfigError::BadName(what, name.clone()));
            }
        }
        let Some(url) = self.db.as_deref().map(str::trim).filter(|url| !url.is_empty()) else {
            return Ok(DatabaseTarget::Embedded(self.data.join("db")));
        };
        if url == "mem://" || url == "memory" {
            return Ok(DatabaseTarget::Memory);
        }
        if let Some(path) = url.strip_prefix("surrealkv://") {
            if path.is_empty() {
                return Err(ConfigError::UnsupportedDatabase(url.to_string()));
            }
            return Ok(DatabaseTarget::Embedded(Path::new(path).to_path_buf()));
        }
        let remote = ["ws://", "wss://"].iter().any(|scheme| url.len() > scheme.len() && url.starts_with(scheme));
        if !remote {
            return Err(ConfigError::UnsupportedDatabase(url.to_string()));
        }
        let credentials = match (&self.db_user, &self.db_pass) {
            (Some(user), Some(pass)) => Some((user.clone(), pass.clone())),
            (None, None) => None,
            _ => return Err(ConfigError::HalfCredentials),
        };
        Ok(DatabaseTarget::Remote { url: url.to_string(), credentials })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Config {
        let mut argv = vec!["sawda"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).expect("arguments parse").config
    }

    #[test]
    fn defaults_to_the_embedded_database_under_the_data_directory() {
        let config = config(&["--data", "/srv/sawda"]);
        assert_eq!(config.database_target(), Ok(DatabaseTarget::Embedded(PathBuf::from("/srv/sawda/db"))));
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
    }

    #[test]
    fn accepts_every_supported_engine() {
        assert_eq!(config(&["--db", "mem://"]).database_target(), Ok(DatabaseTarget::Memory));
        assert_eq!(
            config(&["--db", "surrealkv:///var/lib/sawda"]).database_target(),
            Ok(DatabaseTarget::Embedded(PathBuf::from("/var/lib/sawda")))
        );
        assert_eq!(
            config(&["--db", "ws://127.0.0.1:8000", "--db-user", "root", "--db-pass", "pw"]).database_target(),
            Ok(DatabaseTarget::Remote {
                url: "ws://127.0.0.1:8000".into(),
                credentials: Some(("root".into(), "pw".into()))
            })
        );
        assert!(matches!(
            config(&["--db", "wss://db.example:443"]).database_target(),
            Ok(DatabaseTarget::Remote { credentials: None, .. })
        ));
    }

    #[test]
    fn rejects_unknown_engines_with_a_clear_message() {
        for url in ["postgres://x", "http://127.0.0.1:8000", "ws://", "surrealkv://", "rocksdb://x"] {
            let error = config(&["--db", url]).database_target().unwrap_err();
            assert_eq!(error, ConfigError::UnsupportedDatabase(url.into()));
            assert!(error.to_string().contains("mem://"), "{error}");
        }
    }

    #[test]
    fn photos_are_files_by_default_or_a_bucket_with_its_keys() {
        assert_eq!(config(&["--data", "/srv/sawda"]).photo_target(), Ok(PhotoTarget::Disk("/srv/sawda/photos".into())));
        let keys = ["--s3-access-key", "k", "--s3-secret-key", "s"];
        let with = |args: &[&str]| config(&[args, &keys[..]].concat()).photo_target();
        let Ok(PhotoTarget::S3(target)) =
            with(&["--photos", "s3://sawda-photos", "--s3-endpoint", "http://127.0.0.1:8014/"])
        else {
            panic!("a bucket")
        };
        assert_eq!(
            (target.bucket.as_str(), target.endpoint.as_deref()),
            ("sawda-photos", Some("http://127.0.0.1:8014"))
        );
        assert!(!format!("{target:?}").contains("\"s\""), "the secret is not printed");
        for bad in ["s3://", "s3://Bad_Bucket", "gs://photos", "/srv/photos"] {
            assert_eq!(with(&["--photos", bad]), Err(ConfigError::UnsupportedPhotos(bad.into())));
        }
        assert_eq!(
            with(&["--photos", "s3://sawda", "--s3-endpoint", "127.0.0.1:8014"]),
            Err(ConfigError::BadS3Endpoint("127.0.0.1:8014".into()))
        );
        assert_eq!(
            config(&["--photos", "s3://sawda", "--s3-access-key", "k"]).photo_target(),
            Err(ConfigError::NoS3Keys)
        );
    }

    #[test]
    fn credentials_come_in_pairs() {
        let only_user = config(&["--db", "ws://h:1", "--db-user", "root"]);
        assert_eq!(only_user.database_target(), Err(ConfigError::HalfCredentials));
    }

    #[test]
    fn rejects_odd_namespace_names() {
        let error = config(&["--db-ns", "a;b"]).database_target().unwrap_err();
        assert_eq!(error, ConfigError::BadName("SAWDA_DB_NS", "a;b".into()));
    }

    #[test]
    fn reads_the_public_address_and_proxy_trust() {
        let config = config(&["--public-url", "https://sawda.example/", "--trust-proxy", "true"]);
        assert_eq!(config.public_url.as_deref(), Some("https://sawda.example"));
        assert!(config.trust_proxy);
        assert!(Cli::try_parse_from(["sawda", "--public-url", "sawda.example"]).is_err());
    }

    #[test]
    fn reads_the_names_the_server_answers_to() {
        let config = config(&["--hosts", "Sawda.UZ, www.sawda.uz,sawda.local:8080"]);
        assert_eq!(config.hosts, ["sawda.uz", "www.sawda.uz", "sawda.local:8080"]);
        assert!(self::config(&[]).hosts.is_empty());
        for bad in ["https://sawda.uz", "sawda.uz/", "sawda..uz", "", "sawda.uz:http", "evil example"] {
            let error = Cli::try_parse_from(["sawda", "--hosts", bad]).unwrap_err().to_string();
            assert!(error.contains("give names only"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn beyond_loopback_the_public_address_or_names_are_required() {
        assert_eq!(config(&[]).check_reach(), Ok(()), "the README's default");
        assert_eq!(config(&["--addr", "[::1]:3000"]).check_reach(), Ok(()));
        for addr in ["0.0.0.0:3000", "[::]:3000", "192.0.2.10:3000"] {
            let error = config(&["--addr", addr]).check_reach().unwrap_err().to_string();
            assert!(error.contains("SAWDA_PUBLIC_URL") && error.contains("SAWDA_HOSTS"), "{error}");
            assert!(error.contains(addr), "{error}");
            assert_eq!(config(&["--addr", addr, "--public-url", "https://sawda.uz"]).check_reach(), Ok(()));
            assert_eq!(config(&["--addr", addr, "--hosts", "sawda.uz"]).check_reach(), Ok(()));
        }
        let proxied = config(&["--trust-proxy", "true"]).check_reach().unwrap_err().to_string();
        assert!(proxied.contains("SAWDA_TRUST_PROXY") && proxied.contains("SAWDA_PUBLIC_URL"), "{proxied}");
        assert_eq!(config(&["--trust-proxy", "true", "--hosts", "sawda.uz"]).check_reach(), Ok(()));
    }

    #[test]
    fn rejects_a_bad_address() {
        let error = Cli::try_parse_from(["sawda", "--addr", "not-an-address"]).unwrap_err();
        assert!(error.to_string().contains("--addr"), "{error}");
    }

    #[test]
    fn help_explains_each_setting() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        for variable in [
            "SAWDA_ADDR",
            "SAWDA_DATA",
            "SAWDA_DB",
            "SAWDA_DB_USER",
            "SAWDA_DB_PASS",
            "SAWDA_DB_NS",
            "SAWDA_DB_NAME",
            "SAWDA_PUBLIC_URL",
            "SAWDA_HOSTS",
            "SAWDA_PHOTOS",
            "SAWDA_S3_ENDPOINT",
            "SAWDA_S3_ACCESS_KEY",
            "SAWDA_S3_SECRET_KEY",
        ] {
            assert!(help.contains(variable), "help lacks {variable}:\n{help}");
        }
    }
}
