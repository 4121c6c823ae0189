//! Benchmarks of `rdv-core` live in `benches/`; this library holds nothing but this note.
