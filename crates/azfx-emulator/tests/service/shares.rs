//! Share-level operations: create, list with paging, properties, quota, stats, ACL.

use reqwest::{Method, StatusCode};

use crate::support::{SHARE, expect_error, normalize, recorded_body, start};

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn shares_create_list_page_properties_stats_quota_delete() {
    let env = start();
    for name in ["alpha", "beta", "gamma"] {
        let response = env
            .req(Method::PUT, &format!("{name}?restype=share"))
            .header("x-ms-share-quota", "2")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        assert!(header(&response, "etag").starts_with("\"0x8D"));
    }
    let response = env.req(Method::PUT, "alpha?restype=share").send().await.unwrap();
    expect_error(response, StatusCode::CONFLICT, "ShareAlreadyExists").await;
    let response = env.req(Method::PUT, "Bad_Name?restype=share").send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidResourceName").await;

    let page1 = env.req(Method::GET, "?comp=list&maxresults=2").send().await.unwrap().text().await.unwrap();
    assert!(page1.contains("<Share><Name>alpha</Name>") && page1.contains("<Name>beta</Name>"), "{page1}");
    assert!(page1.contains("<Quota>2</Quota>"));
    assert!(page1.contains("<NextMarker>gamma</NextMarker>"), "{page1}");
    let page2 =
        env.req(Method::GET, "?comp=list&maxresults=2&marker=gamma").send().await.unwrap().text().await.unwrap();
    assert!(
        page2.contains("<Name>gamma</Name>")
            && page2.contains(&format!("<Name>{SHARE}</Name>"))
            && page2.contains("<NextMarker />"),
        "{page2}"
    );

    let response = env.req(Method::GET, "alpha?restype=share").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-ms-share-quota"), "2");
    let response = env
        .req(Method::PUT, "alpha?restype=share&comp=properties")
        .header("x-ms-share-quota", "7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&env.req(Method::HEAD, "alpha?restype=share").send().await.unwrap(), "x-ms-share-quota"), "7");

    env.create_file("stats.bin", &[1_u8; 1000]).await;
    let stats =
        env.req(Method::GET, &format!("{SHARE}?restype=share&comp=stats")).send().await.unwrap().text().await.unwrap();
    assert_eq!(
        stats,
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><ShareStats><ShareUsageBytes>1000</ShareUsageBytes></ShareStats>"
    );

    assert_eq!(env.req(Method::DELETE, "alpha?restype=share").send().await.unwrap().status(), StatusCode::ACCEPTED);
    let response = env.req(Method::DELETE, "alpha?restype=share").send().await.unwrap();
    let body = expect_error(response, StatusCode::NOT_FOUND, "ShareNotFound").await;
    assert_eq!(normalize(&body), recorded_body("error-404-share-not-found"));
}

#[tokio::test]
async fn quota_is_enforced() {
    let env = start();
    let response = env
        .req(Method::PUT, &format!("{SHARE}/huge.vhd"))
        .header("x-ms-type", "file")
        .header("x-ms-content-length", (6_u64 << 30).to_string())
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "ShareSizeLimitReached").await;
    env.create_file("small.bin", &[1; 10]).await;
    let response = env
        .req(Method::PUT, &format!("{SHARE}/small.bin?comp=properties"))
        .header("x-ms-content-length", ((5_u64 << 30) + 1).to_string())
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "ShareSizeLimitReached").await;
}

#[tokio::test]
async fn share_acl_round_trips_and_malformed_xml_is_rejected() {
    let env = start();
    let acl = "<?xml version=\"1.0\" encoding=\"utf-8\"?><SignedIdentifiers><SignedIdentifier><Id>readers</Id><AccessPolicy><Start>2026-01-01T00:00:00.0000000Z</Start><Expiry>2027-01-01T00:00:00.0000000Z</Expiry><Permission>rl</Permission></AccessPolicy></SignedIdentifier></SignedIdentifiers>";
    let response = env.req(Method::PUT, &format!("{SHARE}?restype=share&comp=acl")).body(acl).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body =
        env.req(Method::GET, &format!("{SHARE}?restype=share&comp=acl")).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, format!("\u{feff}{acl}"));
    for malformed in ["<SignedIdentifiers><SignedIdentifier>", "<SignedIdentifiers></Wrong>", "plain text"] {
        let response =
            env.req(Method::PUT, &format!("{SHARE}?restype=share&comp=acl")).body(malformed).send().await.unwrap();
        let body = expect_error(response, StatusCode::BAD_REQUEST, "InvalidXmlDocument").await;
        assert!(body.contains("<Message>XML specified is not syntactically valid.\n"), "{body}");
    }
    let policy = |i: i32| {
        format!(
            "<SignedIdentifier><Id>p{i}</Id><AccessPolicy><Permission>r</Permission></AccessPolicy></SignedIdentifier>"
        )
    };
    let six = (0..6).fold(String::new(), |out, i| out + &policy(i));
    let response = env
        .req(Method::PUT, &format!("{SHARE}?restype=share&comp=acl"))
        .body(format!("<SignedIdentifiers>{six}</SignedIdentifiers>"))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidXmlDocument").await;
}
