//! The `export` and `import` commands: a business's files written or read by operators,
//! through the same writers, readers and rules as the HTTP routes, with a progress bar on a
//! terminal (indicatif draws nothing elsewhere) and a one-line summary.

use rdv_server::config::Config;

/// `--kind` of the `export` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKindArg {
    /// The reservations (`--include-archived` for the archived ones too).
    Reservations,
    Clients,
    Services,
}

/// `--kind` of the `import` command.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ImportKindArg {
    Services,
    Resources,
    Availabilities,
    Closures,
    /// The client file: contacts known from before.
    Clients,
}

/// The `export` command: the business's reservations to `output`, with a progress bar on a
/// terminal (indicatif draws nothing elsewhere) and a one-line summary.
pub async fn export(
    config: Config,
    business: uuid::Uuid,
    kind: ExportKindArg,
    output: &std::path::Path,
    include_archived: bool,
    bom: bool,
) -> Result<(), String> {
    use rdv_core::ports::DirectoryStore as _;
    let started = std::time::Instant::now();
    let state = rdv_server::build_state(config)
        .await
        .map_err(|e| e.to_string())?;
    let found = state
        .store()
        .get_business(rdv_core::model::BusinessId(business))
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no business has the id {business}"))?;
    if kind != ExportKindArg::Reservations {
        use rdv_server::routes::entreprise::{clients_csv, csv_bytes, services_csv};
        let rows = match kind {
            ExportKindArg::Clients => clients_csv(&state, &found).await,
            _ => services_csv(&state, &found).await,
        }
        .map_err(|e| format!("{e:?}"))?;
        let count = rows.len() - 1;
        std::fs::write(output, csv_bytes(bom, rows))
            .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
        println!(
            "exported {count} {} of {} to {} in {:.1} s",
            format!("{kind:?}").to_lowercase(),
            found.name,
            output.display(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let filter = rdv_core::ports::ReservationFilter {
        business_id: Some(found.id),
        include_archived,
        ..rdv_core::ports::ReservationFilter::default()
    };
    let file = std::fs::File::create(output)
        .map_err(|e| format!("cannot create {}: {e}", output.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} reservations written ({per_sec})")
            .map_err(|e| e.to_string())?,
    );
    let rows = rdv_server::routes::entreprise::write_reservations_csv(
        &state,
        &found,
        &filter,
        bom,
        &mut out,
        |n| bar.set_position(n),
    )
    .await
    .map_err(|e| format!("{e:?}"))?;
    bar.finish_and_clear();
    println!(
        "exported {rows} reservations of {} to {} in {:.1} s",
        found.name,
        output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The `import` command: the file through the same reading and rules as the HTTP route, no
/// size limit but the row limit, with a spinner on a terminal while it is checked and
/// written; the report, or the problems one per line.
pub async fn import(
    config: Config,
    business: uuid::Uuid,
    kind: ImportKindArg,
    file: &std::path::Path,
    dry_run: bool,
) -> Result<(), String> {
    use rdv_core::imports::ImportKind;
    use rdv_core::ports::DirectoryStore as _;
    let format = rdv_server::imports::Format::of(&file.to_string_lossy())
        .ok_or_else(|| format!("{}: the file must end in .csv or .json", file.display()))?;
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let state = rdv_server::build_state(config)
        .await
        .map_err(|e| e.to_string())?;
    let found = state
        .store()
        .get_business(rdv_core::model::BusinessId(business))
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no business has the id {business}"))?;
    let kind = match kind {
        ImportKindArg::Services => ImportKind::Services,
        ImportKindArg::Resources => ImportKind::Resources,
        ImportKindArg::Availabilities => ImportKind::Availabilities,
        ImportKindArg::Closures => ImportKind::Closures,
        ImportKindArg::Clients => ImportKind::Clients,
    };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .map_err(|e| e.to_string())?,
    );
    bar.set_message(format!(
        "checking {} bytes of {}",
        bytes.len(),
        file.display()
    ));
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    let result = rdv_server::imports::run(&state, &found, kind, format, &bytes, dry_run).await;
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            let verb = if dry_run { "would import" } else { "imported" };
            println!(
                "{verb} {} {} from {} rows of {} into {}",
                report.objects,
                format!("{kind:?}").to_lowercase(),
                report.rows,
                file.display(),
                found.name
            );
            Ok(())
        }
        Err(e) => {
            let (problem, _) = e.into_problem(String::new());
            for p in &problem.problems {
                eprintln!("row {}: {}: {} ({})", p.row, p.field, p.message, p.code);
            }
            Err(problem.detail.unwrap_or(problem.code))
        }
    }
}
