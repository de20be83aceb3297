//! Any text in a value column: refused, or a number that keeps db::selfcheck::value's promises.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| dossier::db::selfcheck::value(text));
