//! The reference HTTP server (issue 4). It does not exist yet: this binary says so and exits
//! with a failure status instead of pretending to serve anything.

fn main() {
    eprintln!(
        "rdv-server is not implemented yet (issue 4). Run the quickstart instead: \
         cargo run -p rdv-examples --example quickstart"
    );
    std::process::exit(2);
}
