//! The uniffi binding generator, built from this workspace so its version always matches the
//! library's: `uniffi-bindgen generate --library librdv_mobile.so --language kotlin ...`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
