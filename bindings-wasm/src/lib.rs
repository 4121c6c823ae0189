//! WebAssembly bindings over `rdv-core` (issue 5). Not built yet: this crate exports nothing.
