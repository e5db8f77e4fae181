use std::process::ExitCode;

use clap::Parser;
use sawda_server::config::{AdminCommand, Cli, Command, SyncCommand};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    sawda_server::infra::logging::init(cli.config.log_format);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => sawda_server::serve(cli.config, sawda_server::infra::shutdown::signal()).await,
        Command::Admin(AdminCommand::Create { phone, name }) => {
            sawda_server::create_admin(cli.config, &phone, &name).await.map(|phone| {
                println!("admin {phone} created");
            })
        }
        Command::Backup { dir } => {
            sawda_server::backup_or_restore(cli.config, &dir, false).await.map(|done| println!("{done}"))
        }
        Command::Restore { dir } => {
            sawda_server::backup_or_restore(cli.config, &dir, true).await.map(|done| println!("{done}"))
        }
        Command::Sync(SyncCommand::NewEpoch) => sawda_server::new_sync_epoch(cli.config).await.map(|epoch| {
            println!("sync epoch is now {epoch}: phones will pull again from the start");
        }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sawda: {error}");
            ExitCode::FAILURE
        }
    }
}
