//! Names that differ only in case (Windows issue): Azure Files compares names without
//! case, so two local files `Report.txt` and `report.txt` (a Linux folder) are one file on
//! the share. A folder upload must never write one over the other, whatever the conflict
//! rule: the second keeps both (`report (1).txt`) and the report says so. The Windows
//! side (a case-insensitive local folder) runs under Wine: scripts/test-windows.sh.

use crate::support::emulator::{ACCOUNT, SHARE};
use crate::support::engine::{Engine, engine, wait};
use crate::support::remote;
use azfx_core::transfer::Conflict;

#[test]
fn case_twins_of_a_folder_upload_never_overwrite_each_other_on_the_share() {
    let Engine { env, worker } = engine();
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("reports");
    std::fs::create_dir_all(src.join("docs")).unwrap();
    std::fs::create_dir_all(src.join("Docs")).unwrap();
    for (path, text) in [("Report.txt", "upper"), ("report.txt", "lower"), ("docs/a.md", "a"), ("Docs/A.md", "A")] {
        std::fs::write(src.join(path), text).unwrap();
    }
    // Even "replace" is about files that were on the share before, never about a sibling
    // of the same upload.
    for rule in [Conflict::Replace, Conflict::KeepBoth] {
        let dest = format!("{rule:?}");
        let report = wait(worker.upload_folder(src.clone(), SHARE, &dest, rule).1).unwrap();
        assert_eq!((report.files, report.failures.len()), (4, 0), "{rule:?}: {report:?}");
        let texts: Vec<Vec<u8>> = ["Report.txt", "report (1).txt", "docs/a.md", "docs/A (1).md"]
            .iter()
            .map(|name| remote(&env, &format!("{dest}/{name}")).unwrap_or_default())
            .collect();
        let mut texts: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
        texts.sort_unstable();
        assert_eq!(texts, [&b"A"[..], b"a", b"lower", b"upper"], "{rule:?}: every file arrived, none over another");
        let twins: Vec<_> =
            report.renamed.iter().filter(|r| r.case_twin).map(|r| (r.from.as_str(), r.to.as_str())).collect();
        assert_eq!(twins.len(), 2, "{rule:?}: {:?}", report.renamed);
        assert!(twins.contains(&("report.txt", "report (1).txt")) || twins.contains(&("Report.txt", "Report (1).txt")));
        let said = report.renamed.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
        assert!(said.contains("does not tell names apart by case"), "{said}");
    }
    let listed = env.emulator.control().list(ACCOUNT, SHARE, "Replace").unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
}

#[test]
fn keep_both_renames_of_a_folder_download_are_reported() {
    let Engine { env, worker } = engine();
    env.emulator.control().put_file(ACCOUNT, SHARE, "designs/plan.txt", b"plan v1").unwrap();
    let local = tempfile::tempdir().unwrap();
    let dest = local.path().join("designs");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(dest.join("plan.txt"), b"my edit").unwrap();
    let report = wait(worker.download_folder(SHARE, "designs", dest.clone(), Conflict::KeepBoth).1).unwrap();
    assert_eq!(report.renamed.len(), 1, "{report:?}");
    assert_eq!(report.renamed[0].to_string(), "plan.txt saved as plan (1).txt: the destination already had plan.txt");
    assert_eq!(std::fs::read(dest.join("plan.txt")).unwrap(), b"my edit");
}
