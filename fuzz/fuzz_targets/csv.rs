//! Any bytes as a CSV file, fed to the strict reader a few bytes at a time: no panic,
//! and the same records as the csv crate whenever nothing is wrong.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The first byte sets how many bytes each read hands over.
    let Some((&chunk, bytes)) = data.split_first() else {
        return;
    };
    dossier::db::selfcheck::csv(bytes, usize::from(chunk % 16) + 1);
});
