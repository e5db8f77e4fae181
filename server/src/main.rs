use std::process::ExitCode;

use clap::Parser;
use sawda_server::config::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    sawda_server::logging::init(cli.config.log_format);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => sawda_server::serve(cli.config, sawda_server::shutdown::signal()).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sawda: {error}");
            ExitCode::FAILURE
        }
    }
}
