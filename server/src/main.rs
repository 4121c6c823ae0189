//! `rdv-server`: `serve` (default), `migrate`, `create-admin`, `seed-demo`, `openapi`,
//! `worker`, `archive`, `export`.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rdv_server::config::Config;

/// The `export` and `import` commands.
mod transfer;

/// mimalloc instead of glibc malloc: many small allocations freed on other threads (tokio
/// workers, SQLite connection threads) are its design case (measured in benches/RESULTS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "rdv-server",
    version,
    about = "Reference server of the rdv booking engine"
)]
struct Cli {
    /// TOML configuration file (settings below environment variables).
    #[arg(long, env = "RDV_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the HTTP server (the default).
    Serve {
        /// Loads demo data first (validated businesses, services, availabilities, clients).
        #[arg(long)]
        demo: bool,
    },
    /// Applies pending database migrations and exits.
    Migrate,
    /// Creates an administrator; the password is read from RDV_ADMIN_PASSWORD or stdin.
    CreateAdmin {
        /// The administrator's email.
        #[arg(long)]
        email: String,
    },
    /// Loads the demo data and exits.
    SeedDemo,
    /// Prints the OpenAPI document.
    Openapi,
    /// Runs only the notification delivery worker (any number may run beside the servers).
    Worker,
    /// Moves the reservations that ended more than `archive_after_days` days ago (or
    /// `--older-than-days`) to the archive, prints how many, and exits.
    Archive {
        /// Days after their end; default: the `archive_after_days` setting.
        #[arg(long)]
        older_than_days: Option<u32>,
    },
    /// Writes a business's reservations (the file of `GET /api/entreprise/exports/reservations/`,
    /// a page at a time with a progress bar), clients or services to a CSV file, then prints a
    /// summary.
    Export {
        /// The business's id.
        #[arg(long)]
        business: uuid::Uuid,
        /// What to export (default: reservations).
        #[arg(long, value_enum, default_value = "reservations")]
        kind: transfer::ExportKindArg,
        /// The file to write.
        #[arg(long)]
        output: PathBuf,
        /// Also the reservations moved to the archive.
        #[arg(long)]
        include_archived: bool,
        /// Start the file with UTF-8's byte order mark, for spreadsheets.
        #[arg(long)]
        bom: bool,
    },
    /// Imports a CSV or JSON file of services, resources, availabilities or closures into a
    /// business (the file of `POST /api/entreprise/imports/…`, read by extension), prints the
    /// report, or every problem by row and writes nothing.
    Import {
        /// The business's id.
        #[arg(long)]
        business: uuid::Uuid,
        /// What the file holds.
        #[arg(long, value_enum)]
        kind: transfer::ImportKindArg,
        /// The file: `.csv` or `.json`.
        #[arg(long)]
        file: PathBuf,
        /// Check every row and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn load_config(file: Option<&std::path::Path>) -> Result<(Config, Vec<String>), String> {
    let _ = dotenvy::dotenv();
    let mut config =
        Config::load(file, &|name| std::env::var(name).ok()).map_err(|e| e.to_string())?;
    let warnings = config.check().map_err(|e| e.to_string())?;
    Ok((config, warnings))
}

async fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::Openapi = command {
        let doc = rdv_server::app::openapi();
        println!("{}", doc.to_pretty_json().map_err(|e| e.to_string())?);
        return Ok(());
    }
    let (mut config, warnings) = load_config(cli.config.as_deref())?;
    rdv_server::init_logging(&config);
    for w in &warnings {
        tracing::warn!(profile = ?config.profile, "{w}");
    }
    match command {
        Command::Migrate => {
            rdv_server::ensure_sqlite_folder(&config.database_url).map_err(|e| e.to_string())?;
            rdv_storage::AnyStore::migrate(&config.database_url)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "migrations applied to {}",
                rdv_server::redact_url(&config.database_url)
            );
            Ok(())
        }
        Command::CreateAdmin { email } => {
            let password = match std::env::var("RDV_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("admin password (one line):");
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let state = rdv_server::build_state(config)
                .await
                .map_err(|e| e.to_string())?;
            rdv_server::demo::create_admin(&state, &email, &password)
                .await
                .map_err(|e| format!("{e:?}"))?;
            println!("administrator {email} created");
            Ok(())
        }
        Command::Archive { older_than_days } => {
            let days = older_than_days.unwrap_or(config.archive_after_days);
            let state = rdv_server::build_state(config)
                .await
                .map_err(|e| e.to_string())?;
            let moved = state
                .writes()
                .archive_finished_reservations(days)
                .await
                .map_err(|e| e.to_string())?;
            println!("archived {moved} reservations that ended more than {days} days ago");
            Ok(())
        }
        Command::Export {
            business,
            kind,
            output,
            include_archived,
            bom,
        } => transfer::export(config, business, kind, &output, include_archived, bom).await,
        Command::Import {
            business,
            kind,
            file,
            dry_run,
        } => transfer::import(config, business, kind, &file, dry_run).await,
        Command::SeedDemo if config.profile == rdv_server::config::Profile::Prod => Err(
            "refusing to load demo data in prod: demo accounts have a published password".into(),
        ),
        Command::SeedDemo => {
            let state = rdv_server::build_state(config)
                .await
                .map_err(|e| e.to_string())?;
            let summary = rdv_server::demo::seed(&state)
                .await
                .map_err(|e| format!("{e:?}"))?;
            println!("{summary}");
            Ok(())
        }
        Command::Serve { demo } => {
            if demo && config.profile == rdv_server::config::Profile::Prod {
                return Err("refusing to start in prod with insecure settings: demo is on: demo accounts have a published password".into());
            }
            config.demo |= demo;
            let listener = tokio::net::TcpListener::bind(config.bind)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let state = rdv_server::build_state(config)
                .await
                .map_err(|e| e.to_string())?;
            if state.config.demo {
                let summary = rdv_server::demo::seed(&state)
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                println!("{summary}");
            }
            println!("rdv-server listening on http://{addr}");
            println!(
                "interactive API docs: http://{addr}{}",
                rdv_server::app::DOCS_PATH
            );
            tracing::info!(%addr, backend = ?state.store().backend(), "listening");
            rdv_server::serve(listener, state, shutdown_signal())
                .await
                .map_err(|e| e.to_string())
        }
        Command::Worker => {
            let state = rdv_server::build_state(config)
                .await
                .map_err(|e| e.to_string())?;
            println!("rdv-server notification worker running");
            rdv_server::run_worker(state, shutdown_signal())
                .await
                .map_err(|e| e.to_string())
        }
        Command::Openapi => unreachable!("handled above"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
