//! Every Files operation the emulator serves, success and failure.

use base64::Engine;
use md5::{Digest, Md5};
use reqwest::{Method, StatusCode};

use crate::support::{ACCOUNT, SHARE, expect_error, normalize, recorded_body, start};

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn directories_create_properties_delete_and_their_errors() {
    let env = start();
    let response = env
        .req(Method::PUT, &format!("{SHARE}/docs?restype=directory"))
        .header("x-ms-file-attributes", "none")
        .header("x-ms-file-creation-time", "now")
        .header("x-ms-file-last-write-time", "now")
        .header("x-ms-file-permission", "inherit")
        .header("x-ms-meta-owner", "ops")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "x-ms-file-attributes"), "Directory");
    assert_eq!(header(&response, "x-ms-file-parent-id"), "0");
    assert!(header(&response, "x-ms-file-id").parse::<u64>().is_ok());
    assert!(header(&response, "x-ms-file-creation-time").ends_with('Z'));
    assert_eq!(header(&response, "x-ms-request-server-encrypted"), "true");

    let response = env.req(Method::PUT, &format!("{SHARE}/docs?restype=directory")).send().await.unwrap();
    expect_error(response, StatusCode::CONFLICT, "ResourceAlreadyExists").await;
    let response = env.req(Method::PUT, &format!("{SHARE}/missing1/missing2?restype=directory")).send().await.unwrap();
    let body = expect_error(response, StatusCode::NOT_FOUND, "ParentNotFound").await;
    assert_eq!(normalize(&body), recorded_body("error-404-parent-not-found"));
    // The SDKs send "/" inside a segment as %2F.
    assert_eq!(
        env.req(Method::PUT, &format!("{SHARE}/docs%2Fsub?restype=directory")).send().await.unwrap().status(),
        StatusCode::CREATED
    );

    let response = env.req(Method::GET, &format!("{SHARE}/docs?restype=directory")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-ms-meta-owner"), "ops");
    let response = env.req(Method::GET, &format!("{SHARE}/nothere?restype=directory")).send().await.unwrap();
    let body = expect_error(response, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    assert_eq!(normalize(&body), recorded_body("error-404-resource-not-found-oauth"));

    // A directory request on a file path answers the service's error, not a crash.
    env.create_file("docs/a.txt", b"hello").await;
    let response = env.req(Method::GET, &format!("{SHARE}/docs/a.txt?restype=directory")).send().await.unwrap();
    expect_error(response, StatusCode::NOT_FOUND, "ResourceNotFound").await;

    let response = env.req(Method::DELETE, &format!("{SHARE}/docs?restype=directory")).send().await.unwrap();
    expect_error(response, StatusCode::CONFLICT, "DirectoryNotEmpty").await;
    env.req(Method::DELETE, &format!("{SHARE}/docs/a.txt")).send().await.unwrap();
    env.req(Method::DELETE, &format!("{SHARE}/docs/sub?restype=directory")).send().await.unwrap();
    assert_eq!(
        env.req(Method::DELETE, &format!("{SHARE}/docs?restype=directory")).send().await.unwrap().status(),
        StatusCode::ACCEPTED
    );

    let response = env.req(Method::PUT, &format!("{SHARE}/a:b?restype=directory")).send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidResourceName").await;
    // Trailing dots are trimmed unless the client asks to keep them.
    env.mkdir("dots.").await;
    assert_eq!(
        env.req(Method::GET, &format!("{SHARE}/dots?restype=directory")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn files_create_write_read_ranges_properties_resize_delete() {
    let env = start();
    let data: Vec<u8> = (0..10_000_u32).map(|i| (i % 251) as u8).collect();
    env.create_file("f.bin", &data).await;

    let response = env.req(Method::GET, &format!("{SHARE}/f.bin")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-ms-type"), "File");
    assert_eq!(header(&response, "content-length"), "10000");
    assert_eq!(response.bytes().await.unwrap().as_ref(), &data[..]);

    let response = env
        .req(Method::GET, &format!("{SHARE}/f.bin"))
        .header("x-ms-range", "bytes=100-199")
        .header("x-ms-range-get-content-md5", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&response, "content-range"), "bytes 100-199/10000");
    let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&data[100..200]));
    assert_eq!(header(&response, "content-md5"), md5);
    assert_eq!(response.bytes().await.unwrap().as_ref(), &data[100..200]);

    // A range past the end is clamped (as recorded), one starting past the end is 416.
    let response =
        env.req(Method::GET, &format!("{SHARE}/f.bin")).header("x-ms-range", "bytes=0-33554431").send().await.unwrap();
    assert_eq!(header(&response, "content-range"), "bytes 0-9999/10000");
    let response =
        env.req(Method::GET, &format!("{SHARE}/f.bin")).header("x-ms-range", "bytes=10000-10001").send().await.unwrap();
    expect_error(response, StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange").await;
    let response =
        env.req(Method::GET, &format!("{SHARE}/f.bin")).header("x-ms-range", "bytes=abc").send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidHeaderValue").await;

    let response = env.req(Method::HEAD, &format!("{SHARE}/f.bin")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-length"), "10000");
    assert_eq!(header(&response, "content-type"), "application/octet-stream");
    assert_eq!(header(&response, "x-ms-lease-state"), "available");

    let response = env
        .req(Method::PUT, &format!("{SHARE}/f.bin?comp=properties"))
        .header("x-ms-content-length", "4000")
        .header("x-ms-content-type", "text/csv")
        .header("x-ms-content-md5", "AAAAAAAAAAAAAAAAAAAAAA==")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = env.req(Method::HEAD, &format!("{SHARE}/f.bin")).send().await.unwrap();
    assert_eq!(header(&response, "content-length"), "4000");
    assert_eq!(header(&response, "content-type"), "text/csv");
    assert_eq!(header(&response, "content-md5"), "AAAAAAAAAAAAAAAAAAAAAA==");
    assert_eq!(
        env.req(Method::GET, &format!("{SHARE}/f.bin")).send().await.unwrap().bytes().await.unwrap().as_ref(),
        &data[..4000]
    );

    assert_eq!(env.req(Method::DELETE, &format!("{SHARE}/f.bin")).send().await.unwrap().status(), StatusCode::ACCEPTED);
    let response = env.req(Method::HEAD, &format!("{SHARE}/f.bin")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&response, "x-ms-error-code"), "ResourceNotFound");
    assert!(response.bytes().await.unwrap().is_empty(), "HEAD errors have no body");
}

#[tokio::test]
async fn create_file_answers_like_the_recording() {
    let env = start();
    let response = env
        .req(Method::PUT, &format!("{SHARE}/new.txt"))
        .header("x-ms-type", "file")
        .header("x-ms-content-length", "2048")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let recorded: serde_json::Value =
        serde_json::from_str(include_str!("../../../../tests/fixtures/recordings/create-file-oauth-201.json")).unwrap();
    for name in recorded["response"]["headers"].as_object().unwrap().keys() {
        if name != "Server" {
            assert!(response.headers().contains_key(name.as_str()), "missing {name}");
        }
    }
    assert_eq!(header(&response, "x-ms-file-attributes"), "Archive");
    let response =
        env.req(Method::PUT, &format!("{SHARE}/x.txt")).header("x-ms-content-length", "1").send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "MissingRequiredHeader").await;
    let response = env.req(Method::PUT, &format!("{SHARE}/x.txt")).header("x-ms-type", "file").send().await.unwrap();
    let body = expect_error(response, StatusCode::BAD_REQUEST, "MissingRequiredHeader").await;
    assert!(body.contains("<HeaderName>x-ms-content-length</HeaderName>"));
    let response = env
        .req(Method::PUT, &format!("{SHARE}/nodir/x.txt"))
        .header("x-ms-type", "file")
        .header("x-ms-content-length", "1")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::NOT_FOUND, "ParentNotFound").await;
}

/// Put Range answers with the MD5 Azure computes of the bytes, whether or not the client
/// sent one (recording `put-range-201`); a benchmark's emulator (`--no-range-md5`) leaves
/// it out but still checks an MD5 the client sends.
#[tokio::test]
async fn put_range_answers_the_md5_of_its_bytes_unless_told_not_to() {
    let data = vec![7_u8; 100_000];
    let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&data));
    for range_md5 in [true, false] {
        let env = crate::support::start_with(&azfx_emulator::EmulatorConfig {
            range_md5,
            ..azfx_emulator::EmulatorConfig::default()
        });
        env.create_file("m.bin", &vec![0_u8; data.len()]).await;
        let put = || {
            env.req(Method::PUT, &format!("{SHARE}/m.bin?comp=range"))
                .header("x-ms-range", format!("bytes=0-{}", data.len() - 1))
                .header("x-ms-write", "update")
                .body(data.clone())
        };
        let response = put().send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers().get("content-md5").is_some(), range_md5);
        if range_md5 {
            assert_eq!(header(&response, "content-md5"), md5);
        }
        let response = put().header("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==").send().await.unwrap();
        expect_error(response, StatusCode::BAD_REQUEST, "Md5Mismatch").await;
    }
}

#[tokio::test]
async fn put_range_rejects_bad_input_with_service_errors() {
    let env = start();
    env.create_file("r.bin", &[0_u8; 16]).await;
    let put = |range: &str, body: Vec<u8>| {
        env.req(Method::PUT, &format!("{SHARE}/r.bin?comp=range"))
            .header("x-ms-range", range.to_owned())
            .header("x-ms-write", "update")
            .body(body)
    };
    expect_error(
        put("bytes=10-19", vec![1; 10]).send().await.unwrap(),
        StatusCode::RANGE_NOT_SATISFIABLE,
        "InvalidRange",
    )
    .await;
    expect_error(put("bytes=0-", vec![1; 4]).send().await.unwrap(), StatusCode::BAD_REQUEST, "InvalidHeaderValue")
        .await;
    expect_error(put("bytes=0-3", vec![1; 5]).send().await.unwrap(), StatusCode::BAD_REQUEST, "InvalidHeaderValue")
        .await;
    let response = put("bytes=0-3", vec![1; 4]).header("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==").send().await.unwrap();
    let body = expect_error(response, StatusCode::BAD_REQUEST, "Md5Mismatch").await;
    assert!(body.contains("<UserSpecifiedMd5>AAAAAAAAAAAAAAAAAAAAAA==</UserSpecifiedMd5>"));
    let good_md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest([1_u8; 4]));
    let response = put("bytes=0-3", vec![1; 4]).header("Content-MD5", good_md5.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "content-md5"), good_md5);
    let response = env
        .req(Method::PUT, &format!("{SHARE}/r.bin?comp=range"))
        .header("x-ms-range", "bytes=0-3")
        .body(vec![1; 4])
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "MissingRequiredHeader").await;
    // Clear zeros the range.
    let response = env
        .req(Method::PUT, &format!("{SHARE}/r.bin?comp=range"))
        .header("x-ms-range", "bytes=0-1")
        .header("x-ms-write", "clear")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let bytes = env.req(Method::GET, &format!("{SHARE}/r.bin")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..4], &[0, 0, 1, 1]);

    // 5 MiB in one Put Range is over the 4 MiB limit.
    let size = 6 * 1024 * 1024;
    env.req(Method::PUT, &format!("{SHARE}/big.bin"))
        .header("x-ms-type", "file")
        .header("x-ms-content-length", size.to_string())
        .send()
        .await
        .unwrap();
    let response = env
        .req(Method::PUT, &format!("{SHARE}/big.bin?comp=range"))
        .header("x-ms-range", format!("bytes=0-{}", 5 * 1024 * 1024 - 1))
        .header("x-ms-write", "update")
        .body(vec![0_u8; 5 * 1024 * 1024])
        .send()
        .await;
    match response {
        Ok(response) => {
            expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "RequestBodyTooLarge").await;
        }
        // The server may answer and close before the client finished sending the body.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
}

#[tokio::test]
async fn listing_matches_the_recorded_shape() {
    let env = start();
    let dir = "godirdirectorylistusingoauth";
    env.mkdir(dir).await;
    for i in 0..10 {
        env.mkdir(&format!("{dir}/{dir}{i}")).await;
    }
    for i in 0..5 {
        let r = env
            .req(Method::PUT, &format!("{SHARE}/{dir}/gotestfiledirectorylistusingoauth{i}"))
            .header("x-ms-type", "file")
            .header("x-ms-content-length", "2048")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let body = env
        .req(Method::GET, &format!("{SHARE}/{dir}?comp=list&restype=directory"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let recorded: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../tests/fixtures/recordings/list-dirs-files-oauth-subdirectory.json"
    ))
    .unwrap();
    let recorded = recorded["response"]["body"].as_str().unwrap().to_owned();
    let strip_ids = |s: &str| -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("Id>") {
            out.push_str(&rest[..i + 3]);
            rest = &rest[i + 3..];
            let end = rest.find('<').unwrap_or(0);
            rest = &rest[end..];
        }
        out.push_str(rest);
        let start = out.find("ServiceEndpoint=\"").unwrap() + 17;
        let end = start + out[start..].find('"').unwrap();
        out.replace_range(start..end, "X");
        out.replace("gosdirectorylistusingoauth", SHARE)
    };
    assert_eq!(strip_ids(&body), strip_ids(&recorded));
}

#[tokio::test]
async fn listing_pages_with_markers_prefix_and_include() {
    let env = start();
    env.mkdir("many").await;
    let control = env.emulator.control();
    for i in 0..12_000_u32 {
        control.create_sparse_file(ACCOUNT, SHARE, &format!("many/item-{i:05}.dat"), u64::from(i % 7)).unwrap();
    }
    let mut marker = String::new();
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let url = format!(
            "{SHARE}/many?restype=directory&comp=list&maxresults=5000&include=Timestamps,ETag,Attributes,PermissionKey&marker={}",
            urlencode(&marker)
        );
        let body = env
            .req(Method::GET, &url)
            .header("x-ms-file-extended-info", "true")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        pages += 1;
        for part in body.split("<Name>").skip(1) {
            names.push(part.split('<').next().unwrap().to_owned());
        }
        assert!(body.contains("<Attributes>Archive</Attributes><PermissionKey>"));
        assert!(body.contains("<Etag>\"0x8D"));
        assert!(body.contains("<LastWriteTime>"));
        let next = body.split("<NextMarker>").nth(1).map(|s| s.split('<').next().unwrap().to_owned());
        match next {
            Some(n) if !n.is_empty() => marker = n,
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names.len(), 12_000);
    names.dedup();
    assert_eq!(names.len(), 12_000, "no entry twice across pages");
    let body = env
        .req(Method::GET, &format!("{SHARE}/many?restype=directory&comp=list&prefix=item-0001"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body.matches("<File>").count(), 10);
    assert!(body.contains("<Prefix>item-0001</Prefix>"));
    let response =
        env.req(Method::GET, &format!("{SHARE}/many?restype=directory&comp=list&maxresults=0")).send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidQueryParameterValue").await;
    let response =
        env.req(Method::GET, &format!("{SHARE}/many?restype=directory&comp=list&marker=bogus")).send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidQueryParameterValue").await;
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn rename_files_and_directories() {
    let env = start();
    env.mkdir("src").await;
    env.create_file("src/a.txt", b"A").await;
    env.create_file("b.txt", b"B").await;
    let source = env.url(&format!("{SHARE}/src/a.txt"));
    let rename = |dest: &str, source: &str| {
        env.req(Method::PUT, &format!("{SHARE}/{dest}?comp=rename"))
            .header("x-ms-file-rename-source", source.to_owned())
    };
    let response = rename("b.txt", &source).send().await.unwrap();
    expect_error(response, StatusCode::CONFLICT, "ResourceAlreadyExists").await;
    let response = rename("b.txt", &source).header("x-ms-file-rename-replace-if-exists", "true").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        env.req(Method::GET, &format!("{SHARE}/b.txt")).send().await.unwrap().bytes().await.unwrap().as_ref(),
        b"A"
    );
    assert_eq!(
        env.req(Method::HEAD, &format!("{SHARE}/src/a.txt")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let response = rename("c.txt", &source).send().await.unwrap();
    expect_error(response, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    let response = env.req(Method::PUT, &format!("{SHARE}/c.txt?comp=rename")).send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "MissingRequiredHeader").await;

    let response = env
        .req(Method::PUT, &format!("{SHARE}/dst?restype=directory&comp=rename"))
        .header("x-ms-file-rename-source", env.url(&format!("{SHARE}/src")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = env
        .req(Method::PUT, &format!("{SHARE}/dst/inner?restype=directory&comp=rename"))
        .header("x-ms-file-rename-source", env.url(&format!("{SHARE}/dst")))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidInput").await;
}

#[tokio::test]
async fn ten_gib_file_is_sparse_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let env = crate::support::start_with(&azfx_emulator::EmulatorConfig {
        data_dir: Some(dir.path().to_owned()),
        ..Default::default()
    });
    env.emulator.control().create_share(ACCOUNT, "big", 100).unwrap();
    let scope = azfx_emulator::Scope::Share(ACCOUNT.into(), "big".into());
    env.emulator.control().assign_role(
        &env.writer.object_id,
        azfx_emulator::Role::StorageFileDataPrivilegedContributor,
        scope,
    );
    let size: u64 = 10 << 30;
    let url = |q: &str| format!("big/disk.img{q}");
    let r = env
        .req(Method::PUT, &url(""))
        .header("x-ms-type", "file")
        .header("x-ms-content-length", size.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = env
        .req(Method::PUT, &url("?comp=range"))
        .header("x-ms-range", format!("bytes={}-{}", size - 4, size - 1))
        .header("x-ms-write", "update")
        .body(b"tail".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = env
        .req(Method::GET, &url(""))
        .header("x-ms-range", format!("bytes={}-{}", size - 8, size - 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"\0\0\0\0tail");
    let used: u64 = walk_allocated(dir.path());
    assert!(used < 16 << 20, "10 GiB file must be sparse, {used} bytes allocated");
}

#[cfg(unix)]
fn walk_allocated(dir: &std::path::Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() { walk_allocated(&entry.path()) } else { meta.blocks() * 512 };
    }
    total
}

#[cfg(not(unix))]
fn walk_allocated(_dir: &std::path::Path) -> u64 {
    0
}

/// The service trims trailing dots from names unless `x-ms-allow-trailing-dot: true` is
/// sent (research notes, naming rules): the emulator does too, so azfx's tests of the
/// header mean something.
#[tokio::test]
async fn trailing_dots_are_trimmed_without_the_allow_header() {
    let env = crate::support::start();
    env.create_file("x", b"plain x").await;
    let dotted = env.req(Method::GET, &format!("{SHARE}/x.")).send().await.unwrap();
    assert_eq!(dotted.status(), StatusCode::OK, "without the header, x. names x");
    assert_eq!(dotted.bytes().await.unwrap().as_ref(), b"plain x");
    let kept =
        env.req(Method::GET, &format!("{SHARE}/x.")).header("x-ms-allow-trailing-dot", "true").send().await.unwrap();
    assert_eq!(kept.status(), StatusCode::NOT_FOUND, "with it, x. is its own name");
}
