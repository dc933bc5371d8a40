//! Property tests of names and paths (explorer issue, Build): any name the service
//! accepts survives a local file name → upload → listing → typed path → download to a
//! local file of the same name, and every path survives URL → typed path → share path.

use std::sync::atomic::{AtomicUsize, Ordering};

use azfx_core::files::Endpoint;
use azfx_core::files::names::{check_name, join};
use azfx_core::transfer::Conflict;
use proptest::prelude::*;

use crate::support::emulator::{ACCOUNT, SHARE};
use crate::support::engine::{engine, wait};

/// Characters names are drawn from: URL-reserved ones (`#`, `%`, `?` is not allowed),
/// punctuation, spaces inside, dots anywhere (trailing too), and non-ASCII letters.
const POOL: &[char] = &[
    'a', 'B', 'z', '0', '9', ' ', '.', '#', '%', '&', '+', '=', ';', ',', '@', '[', ']', '{', '}', '~', '!', '$', '\'',
    '(', ')', '-', '_', '^', '`', 'é', 'ß', 'Ω', '中', '文', '😀', '\u{a0}',
];

fn name() -> impl Strategy<Value = String> {
    let short = prop::collection::vec(prop::sample::select(POOL), 1..24);
    let long = prop::collection::vec(prop::sample::select(POOL), 200..=255);
    prop_oneof![4 => short, 1 => long]
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .prop_filter("a name the service accepts", |n| check_name(n).is_ok() && n.trim() == n)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(256))]

    /// A share path written as a URL (as `Copy URL` gives it) reads back as the same path.
    #[test]
    fn every_path_survives_url_and_typed_path(parts in prop::collection::vec(name(), 1..4)) {
        let path = parts.join("/");
        for base in ["https://acct.file.core.windows.net/", "http://127.0.0.1:10000/acct/"] {
            let endpoint = Endpoint::parse(base).unwrap();
            let url = endpoint.url("share1", &path);
            let (_, share, typed) = Endpoint::split_resource(url.as_str()).unwrap();
            prop_assert_eq!(share, "share1");
            prop_assert_eq!(&typed, &path);
        }
    }
}

/// One name's round trip, in its own folder `case{n}`.
fn round_trip(
    env: &crate::support::engine::Engine,
    local: &std::path::Path,
    n: usize,
    name: &str,
) -> Result<(), TestCaseError> {
    let name = name.to_owned();
    let dir = format!("case{n}");
    env.env.emulator.control().create_directories(ACCOUNT, SHARE, &dir).unwrap();
    // Local file name → upload (the folder upload keeps the name). A name of up to
    // 255 characters can be longer than the 255 bytes a Linux file name may have:
    // such a file is put on the share directly, and its download must fail clearly.
    let data = format!("bytes of {name}").into_bytes();
    let fits_locally = name.len() <= 255;
    if fits_locally {
        let source = local.join(format!("up{n}"));
        std::fs::create_dir(&source).unwrap();
        std::fs::write(source.join(&name), &data).unwrap();
        let report = wait(env.worker.upload_path(source.join(&name), SHARE, &dir, Conflict::Fail).1).unwrap();
        prop_assert!(report.failures.is_empty(), "{:?}", report.failures);
    } else {
        env.env.emulator.control().put_file(ACCOUNT, SHARE, &join(&dir, &name), &data).unwrap();
    }
    // Listing: exactly that name.
    let listed = env.env.emulator.control().list(ACCOUNT, SHARE, &dir).unwrap();
    prop_assert_eq!(&listed, &vec![name.clone()]);
    // Typed path: the URL of the file reads back as its path.
    let endpoint = Endpoint::parse(&env.env.emulator.file_endpoint(ACCOUNT)).unwrap();
    let path = join(&dir, &name);
    let (_, share, typed) = Endpoint::split_resource(endpoint.url(SHARE, &path).as_str()).unwrap();
    prop_assert_eq!((share.as_str(), typed.as_str()), (SHARE, path.as_str()));
    // Download to a local file of the same name, same bytes; a name this file
    // system cannot hold is a clear error that leaves nothing behind.
    let back = local.join(format!("down{n}"));
    std::fs::create_dir(&back).unwrap();
    let downloaded = wait(env.worker.download(SHARE, &typed, back.join(&name), Conflict::Fail).1);
    if fits_locally {
        prop_assert!(downloaded.is_ok(), "{:?}", downloaded.err());
        prop_assert_eq!(std::fs::read(back.join(&name)).unwrap(), data);
    } else {
        let failure = downloaded.unwrap_err();
        prop_assert!(failure.error.to_string().contains("too long"), "{}", failure.error);
        prop_assert_eq!(std::fs::read_dir(&back).unwrap().count(), 0, "nothing left behind");
    }
    Ok(())
}

#[test]
fn any_accepted_name_survives_upload_listing_and_download_as_a_local_file() {
    let env = engine();
    let local = tempfile::tempdir().unwrap();
    // Always covered: URL-reserved characters, a trailing dot, and a name of 255
    // characters but 765 bytes (longer than a Linux file name may be).
    let fixed = ["q#r%41 s.txt", "report.", "~$budget (1).xlsx", &"中".repeat(255)];
    for (n, name) in fixed.iter().enumerate() {
        round_trip(&env, local.path(), n, name).unwrap();
    }
    let case = AtomicUsize::new(fixed.len());
    let mut runner = proptest::test_runner::TestRunner::new(config(24));
    runner.run(&name(), |name| round_trip(&env, local.path(), case.fetch_add(1, Ordering::Relaxed), &name)).unwrap();
}
