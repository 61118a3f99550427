use std::process::ExitCode;

fn main() -> ExitCode {
    bizo_plan::app::main()
}
