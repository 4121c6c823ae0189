//! uniffi bindings over `rdv-core` for Kotlin, Swift and Python (issue 5). Not built yet: this
//! crate exports nothing.
