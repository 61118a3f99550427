use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bizo_plan::cli::Cli::parse();
    match bizo_plan::app::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("bizo-plan: error: {err:#}");
            if let Some(detail) = err.downcast_ref::<bizo_plan::error::InputError>().and_then(|e| e.detail())
            {
                eprintln!("{detail}");
            }
            bizo_plan::exit::for_error(&err).into()
        }
    }
}
