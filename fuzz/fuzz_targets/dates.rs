//! Any text in a date column: refused, or a date that keeps db::selfcheck::date's promises.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| dossier::db::selfcheck::date(text));
