//! The `azfx` binary's scriptable commands against an in-process emulator: output and
//! exit codes per failing layer.

use crate::support::cli::{azfx, azfx_command, test_home};
use crate::support::emulator::{ACCOUNT, SHARE, start};
use azfx_core::worker::exit_code;
use std::process::Command;

#[test]
fn ls_get_put_token_and_their_exit_codes() {
    let env = start();
    env.emulator.control().put_file(ACCOUNT, SHARE, "docs/readme.txt", b"hello from the share").unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));

    let (code, out, _) = azfx(&env.emulator, &["ls", &base]);
    assert_eq!(code, exit_code::OK);
    assert!(out.contains("docs/") && out.contains("1 entry"), "{out}");
    let (code, out, _) = azfx(&env.emulator, &["ls", &format!("{base}/docs"), "--json"]);
    assert_eq!(code, exit_code::OK);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["name"], "readme.txt");
    assert_eq!(json[0]["size"], 20);

    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) =
        azfx(&env.emulator, &["get", &format!("{base}/docs/readme.txt"), dir.path().to_str().unwrap()]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.starts_with("downloaded 20 B"));
    assert_eq!(std::fs::read(dir.path().join("readme.txt")).unwrap(), b"hello from the share");
    let (code, _, err) = azfx(
        &env.emulator,
        &["put", dir.path().join("readme.txt").to_str().unwrap(), &format!("{base}/docs/copy.txt")],
    );
    assert_eq!(code, exit_code::OK, "{err}");

    let (code, _, err) = azfx(&env.emulator, &["ls", &format!("{base}/nothere")]);
    assert_eq!(code, exit_code::NOT_FOUND, "{err}");
    assert!(err.contains("404 ResourceNotFound"), "{err}");
    let norole = format!("client-id={}", env.norole.client_id);
    let (code, _, err) = azfx(&env.emulator, &["ls", &base, "--identity", &norole]);
    assert_eq!(code, exit_code::FORBIDDEN, "{err}");
    let (code, _, err) = azfx(&env.emulator, &["ls", &base, "--identity", "client-id=unknown"]);
    assert_eq!(code, exit_code::IDENTITY, "{err}");
    assert!(err.contains("Identity not found"), "{err}");
    let (code, _, _) = azfx(&env.emulator, &["ls", &base, "--identity", "bogus"]);
    assert_eq!(code, exit_code::USAGE);

    let (code, out, _) = azfx(&env.emulator, &["token", "--json"]);
    assert_eq!(code, exit_code::OK);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["claims"]["oid"], env.writer.object_id.as_str());
    assert!(json.get("access_token").is_none());
    assert!(!out.contains("eyJ"), "no token without --raw");
    let (code, out, _) = azfx(&env.emulator, &["token", "--raw", "--json"]);
    assert_eq!(code, exit_code::OK);
    assert!(out.contains("\"access_token\": \"eyJ"));
}

/// `azfx emulator` prints the App Service form of its identity endpoint, so tools that
/// read managed identity only from `IDENTITY_ENDPOINT`/`IDENTITY_HEADER` can use it.
#[test]
fn the_emulator_prints_its_app_service_identity_variables() {
    use std::io::BufRead as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_azfx"))
        .args(["emulator", "--port", "0", "--demo", "--identity-header", "s3cret-header"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(first.starts_with("azfx emulator: http="), "{first}");
    let value = |name: &str| {
        second.split_whitespace().find_map(|pair| pair.strip_prefix(&format!("{name}="))).unwrap().to_owned()
    };
    assert_eq!(value("IDENTITY_HEADER"), "s3cret-header");
    let output = Command::new(env!("CARGO_BIN_EXE_azfx"))
        .args(["token", "--app-service", "--json"])
        .env("IDENTITY_ENDPOINT", value("IDENTITY_ENDPOINT"))
        .env("IDENTITY_HEADER", value("IDENTITY_HEADER"))
        .output()
        .unwrap();
    // SIGTERM, as `kill` sends: the emulator stops and removes its temporary folder.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    assert_eq!(output.status.code(), Some(exit_code::OK), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["claims"]["xms_mirid"].as_str().map(|id| id.ends_with("jumpbox-01")), Some(true), "{json}");
}

/// `cp` (both directions, folders with -r), `mkdir -p`, `mv` and `rm -r` on the same
/// engine as the window, with exit codes and clear refusals.
#[test]
fn cp_mkdir_mv_rm_work_on_files_and_folders() {
    let env = start();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let local = tempfile::tempdir().unwrap();
    let site = local.path().join("site");
    std::fs::create_dir_all(site.join("css")).unwrap();
    std::fs::write(site.join("index.html"), b"<h1>hi</h1>").unwrap();
    std::fs::write(site.join("css/main.css"), b"body {}").unwrap();
    let run = |args: &[&str]| azfx(&env.emulator, args);

    let (code, out, err) = run(&["mkdir", "-p", &format!("{base}/web/2026")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("created share1/web/2026"), "{out}");
    assert_eq!(run(&["mkdir", "-p", &format!("{base}/web/2026")]).0, exit_code::OK, "-p: existing is fine");

    let (code, _, err) = run(&["cp", site.to_str().unwrap(), &format!("{base}/web/2026/")]);
    assert_eq!(code, exit_code::USAGE, "a folder needs -r: {err}");
    assert!(err.contains("add -r"), "{err}");
    let (code, out, err) = run(&["cp", "-r", site.to_str().unwrap(), &format!("{base}/web/2026/")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("uploaded 2 files"), "{out}");

    let (code, out, err) = run(&["mv", &format!("{base}/web/2026/site"), &format!("{base}/web/live")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("moved"), "{out}");

    let back = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&["cp", "-r", &format!("{base}/web/live"), back.path().to_str().unwrap()]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("downloaded 2 files"), "{out}");
    assert_eq!(std::fs::read(back.path().join("live/css/main.css")).unwrap(), b"body {}");
    let (code, out, err) = run(&["cp", &format!("{base}/web/live/index.html"), back.path().to_str().unwrap()]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("index.html"), "{out}");

    let (code, _, err) = run(&["rm", &format!("{base}/web")]);
    assert_eq!(code, exit_code::USAGE, "a folder needs -r: {err}");
    let (code, out, err) = run(&["rm", "-r", &format!("{base}/web")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("deleted share1/web (6 entries)"), "{out}");
    let (code, _, err) = run(&["rm", &format!("{base}/web")]);
    assert_eq!(code, exit_code::NOT_FOUND, "{err}");
    assert!(env.emulator.control().list(ACCOUNT, SHARE, "").unwrap().is_empty());
}

/// Regression (explorer issue, input 6): `#` and `?` in a path argument silently changed
/// the target (`q#r.txt` uploaded to `q`, `get …/q#x` fetched `q`). Now a raw `#`, `?` or
/// dot segment is refused in both directions and nothing is touched; `%23`, `%3F` and
/// `%25` name the file with that character.
#[test]
fn path_arguments_are_paths_reserved_characters_never_change_the_target() {
    let env = start();
    env.emulator.control().put_file(ACCOUNT, SHARE, "q", b"the other file").unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let local = tempfile::tempdir().unwrap();
    let a = local.path().join("a.txt");
    std::fs::write(&a, b"mine").unwrap();
    for (raw, escaped) in [("#", "%23"), ("?", "%3F")] {
        let (code, _, err) = azfx(&env.emulator, &["put", a.to_str().unwrap(), &format!("{base}/q{raw}r.txt")]);
        assert_eq!(code, exit_code::USAGE, "{err}");
        assert!(err.contains(escaped), "the message says how to write it: {err}");
        let out = local.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        let (code, _, err) = azfx(&env.emulator, &["get", &format!("{base}/q{raw}x"), out.to_str().unwrap()]);
        assert_eq!(code, exit_code::USAGE, "{err}");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "nothing was downloaded");
    }
    let (code, _, err) = azfx(&env.emulator, &["put", a.to_str().unwrap(), &format!("{base}/x/../q")]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    let (code, _, err) = azfx(&env.emulator, &["ls", &format!("{base}/%2e%2e")]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert_eq!(env.emulator.control().list(ACCOUNT, SHARE, "").unwrap(), ["q"], "nothing was written");

    // `?` is escaped correctly but Azure allows no `?` in names: refused before sending.
    let (code, _, err) = azfx(&env.emulator, &["put", a.to_str().unwrap(), &format!("{base}/s%3Ft.txt")]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(err.contains("\"s?t.txt\" cannot be a file name"), "{err}");
    for (n, (typed, name)) in
        [("q%23r.txt", "q#r.txt"), ("100%25.txt", "100%.txt"), ("a%20b.txt", "a b.txt")].into_iter().enumerate()
    {
        let (code, _, err) = azfx(&env.emulator, &["put", a.to_str().unwrap(), &format!("{base}/{typed}")]);
        assert_eq!(code, exit_code::OK, "{typed}: {err}");
        assert!(env.emulator.control().list(ACCOUNT, SHARE, "").unwrap().iter().any(|n| n == name), "{name}");
        let back = local.path().join(format!("back-{n}"));
        let (code, _, err) = azfx(&env.emulator, &["get", &format!("{base}/{typed}"), back.to_str().unwrap()]);
        assert_eq!(code, exit_code::OK, "{err}");
        assert_eq!(std::fs::read(&back).unwrap(), b"mine", "{typed} is that file, not q");
    }
}

/// Regression (explorer issue, input 7): `azfx put 'report.'` replaced `report`, and an
/// existing `keep.` could be listed but not downloaded (404). Every file request now sends
/// `x-ms-allow-trailing-dot: true`, and the emulator trims names like the service without it.
#[test]
fn trailing_dots_name_their_own_files() {
    let env = start();
    let control = env.emulator.control();
    control.put_file(ACCOUNT, SHARE, "dots/report", b"the report").unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let local = tempfile::tempdir().unwrap();
    let dotted = local.path().join("report.");
    std::fs::write(&dotted, b"dotted").unwrap();
    let (code, _, err) = azfx(&env.emulator, &["put", dotted.to_str().unwrap(), &format!("{base}/dots/")]);
    assert_eq!(code, exit_code::OK, "{err}");
    let mut names = control.list(ACCOUNT, SHARE, "dots").unwrap();
    names.sort();
    assert_eq!(names, ["report", "report."]);
    let back = local.path().join("back");
    let (code, _, err) = azfx(&env.emulator, &["get", &format!("{base}/dots/report"), back.to_str().unwrap()]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(std::fs::read(&back).unwrap(), b"the report", "report was not replaced");
    let (code, _, err) =
        azfx(&env.emulator, &["get", &format!("{base}/dots/report."), local.path().join("b2").to_str().unwrap()]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(std::fs::read(local.path().join("b2")).unwrap(), b"dotted");
}

/// Regressions (explorer issue, inputs 9 and 10): `ls` of a file said 404; `put` to a
/// folder URL without `/` gave a raw 409; `get` into a missing folder left a partial file
/// or created folders; `doctor` on a share that does not exist advised a role assignment.
#[test]
fn cli_paths_mean_what_a_person_means() {
    let env = start();
    env.emulator.control().put_file(ACCOUNT, SHARE, "docs/readme.txt", b"hello").unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let (code, out, err) = azfx(&env.emulator, &["ls", &format!("{base}/docs/readme.txt")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("readme.txt") && out.contains("1 entry"), "{out}");

    let local = tempfile::tempdir().unwrap();
    let a = local.path().join("a.txt");
    std::fs::write(&a, b"A").unwrap();
    let (code, out, err) = azfx(&env.emulator, &["put", a.to_str().unwrap(), &format!("{base}/docs")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("share1/docs/a.txt"), "into the folder: {out}");

    let missing = local.path().join("missing-dir");
    let (code, _, err) =
        azfx(&env.emulator, &["get", &format!("{base}/docs/readme.txt"), &format!("{}/", missing.display())]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(err.contains("does not exist"), "{err}");
    let deep = local.path().join("no/such/dir/readme.txt");
    let (code, _, err) = azfx(&env.emulator, &["get", &format!("{base}/docs/readme.txt"), deep.to_str().unwrap()]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(!local.path().join("no").exists(), "no folder was created");
    assert_eq!(std::fs::read_dir(local.path()).unwrap().count(), 1, "nothing left behind but a.txt");

    let endpoint = env.emulator.file_endpoint(ACCOUNT);
    let (code, out, err) = azfx(&env.emulator, &["doctor", "--account", &endpoint, "--share", "nosuchshare"]);
    assert_eq!(code, exit_code::NOT_FOUND, "{out}{err}");
    assert!(out.contains("The share does not exist"), "{out}");
    assert!(!out.contains("az role assignment create"), "no role advice for a typo: {out}");
}

/// Log files and crash reports go to the log folder and never hold a token, SAS
/// signature or key (shipping issue): a run with a pasted token and a SAS at trace level,
/// then a simulated crash whose message carries secrets.
#[test]
fn logs_and_crash_reports_hold_no_secrets() {
    let env = start();
    let home = tempfile::tempdir().unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let token =
        env.emulator.control().mint_token(&env.writer.object_id, crate::support::emulator::STORAGE, 0, 3600).unwrap();
    let sas = "sv=2025-05-05&ss=f&srt=sco&sp=rl&se=2099-01-01&sig=S3cretSignature%2Bxyz";
    let run = |args: &[&str], extra: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_azfx"));
        command.args(args).env("AZFX_HOME", home.path()).env("T", &token).env("S", sas);
        for (name, value) in extra {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let listed = run(&["ls", &base, "--token-env", "T", "--log-level", "trace"], &[]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let _ = run(&["ls", &base, "--sas-env", "S", "--log-level", "trace"], &[]);
    let crashed = run(&["ls", &base], &[("AZFX_SIMULATE_CRASH", &format!("token {token} and sig={sas}"))]);
    assert!(!crashed.status.success());

    let logs = home.path().join("logs");
    let files: Vec<_> = std::fs::read_dir(&logs).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(files.iter().any(|p| p.file_name().unwrap().to_string_lossy().starts_with("azfx")), "{files:?}");
    let crash =
        files.iter().find(|p| p.file_name().unwrap().to_string_lossy().starts_with("crash-")).expect("a crash report");
    let report = std::fs::read_to_string(crash).unwrap();
    assert!(report.contains("simulated crash") && report.contains("(commit "), "{report}");
    let everything: String = files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    assert!(everything.contains("azfx started"), "the log has the run");
    for secret in [token.as_str(), "S3cretSignature", token.split('.').nth(2).unwrap()] {
        assert!(!everything.contains(secret), "{secret} leaked into {}", logs.display());
    }
    assert!(!everything.contains("eyJ"), "nothing JWT-shaped");

    let version = Command::new(env!("CARGO_BIN_EXE_azfx")).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(version.starts_with("azfx ") && version.contains("(commit "), "{version}");
}

/// Found by trying the CLI as a newcomer: `get --overwrite true` onto a symlink (even
/// /dev/stdout) replaced the link with a regular file; `cp -r` onto existing files ended
/// with exit 2 and "The request failed"; `get` of a folder said it did not exist; `mv` onto
/// a folder failed; `mkdir` sent names the service refuses.
#[cfg(unix)]
#[test]
fn links_folders_and_conflicts_are_handled_as_a_person_expects() {
    let env = start();
    let control = env.emulator.control();
    control.put_file(ACCOUNT, SHARE, "site/index.html", b"<h1>new</h1>").unwrap();
    control.put_file(ACCOUNT, SHARE, "a.txt", b"A").unwrap();
    control.create_directories(ACCOUNT, SHARE, "t1").unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let local = tempfile::tempdir().unwrap();

    let target = local.path().join("target.txt");
    std::fs::write(&target, b"kept").unwrap();
    let link = local.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (code, _, err) =
        azfx(&env.emulator, &["get", &format!("{base}/a.txt"), link.to_str().unwrap(), "--overwrite", "true"]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is still a link");
    assert_eq!(std::fs::read(&target).unwrap(), b"kept");

    let (code, _, err) = azfx(&env.emulator, &["get", &format!("{base}/site"), local.path().to_str().unwrap()]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(err.contains("is a folder") && err.contains("cp -r"), "{err}");

    std::fs::create_dir_all(local.path().join("up/site")).unwrap();
    std::fs::write(local.path().join("up/site/index.html"), b"<h1>local</h1>").unwrap();
    std::fs::write(local.path().join("up/site/extra.css"), b"x").unwrap();
    let (code, out, err) =
        azfx(&env.emulator, &["cp", "-r", local.path().join("up/site").to_str().unwrap(), &format!("{base}/")]);
    assert_eq!(code, exit_code::EXISTS, "{out}{err}");
    assert!(out.contains("uploaded 1 file") && out.contains("not copied index.html"), "{out}");
    assert!(err.contains("--overwrite true"), "says how to choose: {err}");
    assert!(!err.contains("The request failed"), "{err}");

    let (code, _, err) = azfx(&env.emulator, &["mv", &format!("{base}/a.txt"), &format!("{base}/t1/")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(control.list(ACCOUNT, SHARE, "t1").unwrap(), ["a.txt"]);

    let (code, _, err) = azfx(&env.emulator, &["mkdir", &format!("{base}/bad:name")]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(err.contains("cannot be a folder name"), "{err}");
}

/// Regression (transfers issue): `cp -r DIR share/new` failed with "A folder on the way
/// does not exist" when `new` did not exist. As with `cp -r`, a new name is created and
/// takes the folder's contents; an existing folder receives the folder under its name; a
/// missing parent is still a clear error.
#[test]
fn cp_r_to_a_new_name_creates_it_like_unix_cp() {
    let env = start();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let local = tempfile::tempdir().unwrap();
    let site = local.path().join("site");
    std::fs::create_dir_all(site.join("css")).unwrap();
    std::fs::write(site.join("index.html"), b"<h1>hi</h1>").unwrap();
    std::fs::write(site.join("css/main.css"), b"body {}").unwrap();
    let run = |args: &[&str]| azfx(&env.emulator, args);
    let names = |dir: &str| env.emulator.control().list(ACCOUNT, SHARE, dir).unwrap();

    let (code, out, err) = run(&["cp", "-r", site.to_str().unwrap(), &format!("{base}/new")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("uploaded 2 files"), "{out}");
    assert_eq!(names("new"), ["css", "index.html"], "the contents, not new/site");
    assert_eq!(names("new/css"), ["main.css"]);

    let (code, _, err) = run(&["cp", "-r", site.to_str().unwrap(), &format!("{base}/new")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(names("new"), ["css", "index.html", "site"], "an existing folder receives it under its name");

    let (code, _, err) = run(&["cp", "-r", site.to_str().unwrap(), &format!("{base}/missing/new")]);
    assert_eq!(code, exit_code::NOT_FOUND, "{err}");
    assert!(err.contains("A folder on the way does not exist"), "{err}");
    let (code, _, err) = run(&["cp", "-r", site.to_str().unwrap(), &format!("{base}/new/index.html")]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(err.contains("is a file"), "{err}");
}

/// `azfx cp URL URL`: the service copies within the share (Copy File), under the same
/// overwrite rules as every transfer.
#[test]
fn cp_between_two_share_urls_copies_on_the_service() {
    let env = start();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let control = env.emulator.control();
    control.create_directories(ACCOUNT, SHARE, "docs/sub").unwrap();
    control.create_directories(ACCOUNT, SHARE, "out").unwrap();
    control.put_file(ACCOUNT, SHARE, "docs/a.txt", b"A").unwrap();
    control.put_file(ACCOUNT, SHARE, "docs/sub/b.txt", b"B").unwrap();
    let run = |args: &[&str]| azfx(&env.emulator, args);
    let names = |dir: &str| control.list(ACCOUNT, SHARE, dir).unwrap();

    let (code, out, err) = run(&["cp", &format!("{base}/docs/a.txt"), &format!("{base}/out/copy.txt")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("copied 1 file"), "{out}");
    let (code, _, err) = run(&["cp", &format!("{base}/docs/a.txt"), &format!("{base}/out")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(names("out"), ["a.txt", "copy.txt"]);

    let (code, _, err) =
        run(&["cp", &format!("{base}/docs/a.txt"), &format!("{base}/out/copy.txt"), "--overwrite", "false"]);
    assert_eq!(code, exit_code::EXISTS, "never replaced without the rule: {err}");
    let (code, _, err) =
        run(&["cp", &format!("{base}/docs/a.txt"), &format!("{base}/out/copy.txt"), "--overwrite", "keep-both"]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(names("out"), ["a.txt", "copy (1).txt", "copy.txt"]);

    let (code, _, err) = run(&["cp", &format!("{base}/docs"), &format!("{base}/out/")]);
    assert_eq!(code, exit_code::USAGE, "a folder needs -r: {err}");
    let (code, out, err) = run(&["cp", "-r", &format!("{base}/docs"), &format!("{base}/out/")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("copied 2 files"), "{out}");
    assert_eq!(names("out/docs/sub"), ["b.txt"]);

    env.emulator.control().create_share(ACCOUNT, "other", 1).unwrap();
    let other = format!("{}/other", env.emulator.file_endpoint(ACCOUNT));
    let (code, _, err) = run(&["cp", &format!("{base}/docs/a.txt"), &format!("{other}/a.txt")]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(err.contains("within one share"), "{err}");
}

/// `azfx get URL -` writes the file's bytes (verified first) to standard output and
/// nothing else, for a pipe.
#[test]
fn get_to_dash_writes_the_verified_bytes_to_stdout_only() {
    let env = start();
    let data: Vec<u8> = (0..300_000_u32).map(|i| u8::try_from(i % 251).unwrap()).collect();
    env.emulator.control().put_file(ACCOUNT, SHARE, "data/blob.bin", &data).unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let output =
        azfx_command(&env.emulator, &test_home(), &["get", &format!("{base}/data/blob.bin"), "-"]).output().unwrap();
    assert_eq!(output.status.code(), Some(exit_code::OK), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout == data, "stdout holds exactly the file ({} bytes)", output.stdout.len());
    let missing =
        azfx_command(&env.emulator, &test_home(), &["get", &format!("{base}/data/none.bin"), "-"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(exit_code::NOT_FOUND));
    assert!(missing.stdout.is_empty(), "nothing on stdout when it fails");
}

/// Regression (explorer issue, input 6), every reserved character: typed escaped, a name
/// is uploaded and downloaded under exactly that name; typed raw, `#` and `?` are refused
/// (they would silently name another file) and the others are taken literally.
#[test]
fn every_url_reserved_character_names_exactly_one_file_both_ways() {
    let env = start();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("src.txt"), b"payload").unwrap();
    let src = local.path().join("src.txt");
    env.emulator.control().create_directories(ACCOUNT, SHARE, "chars").unwrap();
    for (raw, escaped) in [
        ('#', "%23"),
        ('%', "%25"),
        ('&', "%26"),
        ('+', "%2B"),
        (';', "%3B"),
        ('=', "%3D"),
        ('@', "%40"),
        ('[', "%5B"),
        (']', "%5D"),
        ('$', "%24"),
        (',', "%2C"),
        ('!', "%21"),
        ('\'', "%27"),
        (' ', "%20"),
    ] {
        let name = format!("a{raw}b.txt");
        let url = format!("{base}/chars/a{escaped}b.txt");
        let (code, _, err) = azfx(&env.emulator, &["put", src.to_str().unwrap(), &url]);
        assert_eq!(code, exit_code::OK, "{raw}: {err}");
        let names = env.emulator.control().list(ACCOUNT, SHARE, "chars").unwrap();
        assert!(names.contains(&name), "{raw}: {names:?}");
        let back = local.path().join(format!("back-{}", escaped.trim_start_matches('%')));
        let (code, _, err) = azfx(&env.emulator, &["get", &url, back.to_str().unwrap()]);
        assert_eq!(code, exit_code::OK, "{raw}: {err}");
        assert_eq!(std::fs::read(&back).unwrap(), b"payload");
        if matches!(raw, '#' | '?') {
            let (code, _, err) =
                azfx(&env.emulator, &["get", &format!("{base}/chars/a{raw}b.txt"), back.to_str().unwrap()]);
            assert_eq!(code, exit_code::USAGE, "a raw {raw} is refused: {err}");
            assert!(err.contains(escaped), "the message says how to write it: {err}");
        }
    }
}

/// A machine with no trusted root certificates (an empty CA store, or `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` pointing nowhere) gets an identity error that says so, not a crash.
#[cfg(target_os = "linux")]
#[test]
fn no_trusted_root_certificates_is_an_error_not_a_crash() {
    let env = start();
    let empty = tempfile::tempdir().unwrap();
    let nowhere = empty.path().join("none.pem");
    let output = azfx_command(&env.emulator, &test_home(), &["token"])
        .env("SSL_CERT_FILE", &nowhere)
        .env("SSL_CERT_DIR", empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(exit_code::IDENTITY), "{stderr}");
    assert!(stderr.contains("no trusted root certificates") && !stderr.contains("panicked"), "{stderr}");
}

/// Regression (tryout issue, input 14): a folder download copied another transfer's
/// temporary file (`.azfx-*.part`, an interrupted upload) into the local tree. azfx's own
/// temporary names are never content: not listed, not downloaded, not copied, not
/// uploaded from a local folder; a recursive delete still removes them with the folder.
#[test]
fn azfx_own_temporary_files_are_never_content() {
    let env = start();
    let control = env.emulator.control();
    let part = ".azfx-0123456789abcdef.part";
    control.put_file(ACCOUNT, SHARE, "data/report.csv", b"a,b\n").unwrap();
    control.put_file(ACCOUNT, SHARE, &format!("data/{part}"), &vec![7; 300_000]).unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let run = |args: &[&str]| azfx(&env.emulator, args);

    let (code, out, err) = run(&["ls", &format!("{base}/data")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("report.csv") && !out.contains(".azfx-"), "not listed: {out}");

    let back = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&["cp", "-r", &format!("{base}/data"), back.path().to_str().unwrap()]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("downloaded 1 file"), "{out}");
    let local: Vec<_> = std::fs::read_dir(back.path().join("data")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(local, ["report.csv"], "not downloaded");

    control.create_directories(ACCOUNT, SHARE, "copy").unwrap();
    let (code, _, err) = run(&["cp", "-r", &format!("{base}/data"), &format!("{base}/copy/")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(control.list(ACCOUNT, SHARE, "copy/data").unwrap(), ["report.csv"], "not copied");

    // A local folder with a download still arriving in it: that file is not uploaded.
    std::fs::write(back.path().join("data").join(part), b"half").unwrap();
    control.create_directories(ACCOUNT, SHARE, "up").unwrap();
    let (code, _, err) = run(&["cp", "-r", back.path().join("data").to_str().unwrap(), &format!("{base}/up/")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(control.list(ACCOUNT, SHARE, "up/data").unwrap(), ["report.csv"], "not uploaded");

    let (code, _, err) = run(&["rm", "-r", &format!("{base}/data")]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(!control.list(ACCOUNT, SHARE, "").unwrap().contains(&"data".to_owned()), "the folder went whole");
}

/// Regression (tryout issue, input 15): Keep both on a 255-byte name appended ` (1)` and
/// failed locally ("File name too long") and on the share (400 `InvalidResourceName`). The
/// stem is shortened so the numbered name fits, both ways.
#[test]
fn keep_both_shortens_a_name_at_the_length_limit() {
    let env = start();
    let name = format!("{}.txt", "n".repeat(251));
    let kept = format!("{} (1).txt", "n".repeat(247));
    env.emulator.control().put_file(ACCOUNT, SHARE, &name, b"share").unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(&name), b"local").unwrap();
    let url = format!("{base}/{name}");
    let local = dir.path().join(&name);

    let (code, _, err) = azfx(&env.emulator, &["get", &url, dir.path().to_str().unwrap(), "--overwrite", "keep-both"]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert_eq!(std::fs::read(dir.path().join(&kept)).unwrap(), b"share");
    assert_eq!(std::fs::read(&local).unwrap(), b"local", "the local file is untouched");

    let (code, _, err) = azfx(&env.emulator, &["put", local.to_str().unwrap(), &url, "--overwrite", "keep-both"]);
    assert_eq!(code, exit_code::OK, "{err}");
    let names = env.emulator.control().list(ACCOUNT, SHARE, "").unwrap();
    assert!(names.contains(&kept) && names.contains(&name), "{names:?}");
}
