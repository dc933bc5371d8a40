//! Share- and service-level operations: list shares (paged), create and delete shares,
//! share properties and quota, usage statistics, and the share's stored access policies
//! (ACL, an XML request body).

use std::fmt::Write as _;

use hyper::body::Incoming;
use hyper::{Response, StatusCode};

use super::acl;
use super::answer::{parse_max_results, read_body, reply, with_share, xml_reply};
use super::body::Body;
use super::error::ServiceError;
use super::request::FilesRequest;
use super::state::State;
use super::store::Share;
use crate::wire as azure_time;
use crate::wire::{escape, escape_attr};

pub(crate) fn list_shares(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    let prefix = req.query("prefix").unwrap_or_default();
    let marker = req.query("marker");
    let max = parse_max_results(req)?;
    let inner = state.lock();
    let account = inner.accounts.get(&req.account).ok_or_else(ServiceError::invalid_uri)?;
    let mut xml = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"{}\">",
        escape_attr(&req.service_endpoint)
    );
    if let Some(p) = req.query("prefix") {
        let _ = write!(xml, "<Prefix>{}</Prefix>", escape(p));
    }
    if let Some(m) = marker {
        let _ = write!(xml, "<Marker>{}</Marker>", escape(m));
    }
    if let Some(m) = req.query("maxresults") {
        let _ = write!(xml, "<MaxResults>{}</MaxResults>", escape(m));
    }
    xml.push_str("<Shares>");
    let mut next = None;
    let mut count = 0;
    for (name, share) in account.shares.range(marker.unwrap_or_default().to_owned()..) {
        if !name.starts_with(prefix) {
            continue;
        }
        if count == max {
            next = Some(name.clone());
            break;
        }
        count += 1;
        let _ = write!(
            xml,
            "<Share><Name>{}</Name><Properties><Last-Modified>{}</Last-Modified><Etag>{}</Etag><Quota>{}</Quota><AccessTier>TransactionOptimized</AccessTier><EnabledProtocols>SMB</EnabledProtocols></Properties></Share>",
            escape(name),
            azure_time::rfc1123(share.last_modified),
            escape(&azure_time::etag_from_ticks(share.etag_ticks)),
            share.quota_gib
        );
    }
    xml.push_str("</Shares>");
    match next {
        Some(n) => {
            let _ = write!(xml, "<NextMarker>{}</NextMarker>", escape(&n));
        }
        None => xml.push_str("<NextMarker />"),
    }
    xml.push_str("</EnumerationResults>");
    Ok(xml_reply(xml))
}

fn parse_quota(req: &FilesRequest) -> Result<Option<u64>, ServiceError> {
    match req.header("x-ms-share-quota") {
        None => Ok(None),
        Some(v) => match v.parse::<u64>() {
            Ok(q) if (1..=102_400).contains(&q) => Ok(Some(q)),
            _ => Err(ServiceError::invalid_header("x-ms-share-quota", v)),
        },
    }
}

pub(crate) fn create_share(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    let quota = parse_quota(req)?.unwrap_or(102_400);
    let name = req.share.clone().unwrap_or_default();
    let mut inner = state.lock();
    let account = inner.accounts.get_mut(&req.account).ok_or_else(ServiceError::invalid_uri)?;
    if account.shares.contains_key(&name) {
        return Err(ServiceError::new(
            StatusCode::CONFLICT,
            "ShareAlreadyExists",
            "The specified share already exists.",
        ));
    }
    let share = Share::new(&name, quota, &state.clock);
    let headers = vec![
        ("ETag", azure_time::etag_from_ticks(share.etag_ticks)),
        ("Last-Modified", azure_time::rfc1123(share.last_modified)),
    ];
    account.shares.insert(name, share);
    Ok(reply(StatusCode::CREATED, headers))
}

pub(crate) async fn delete_share(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    let removed = {
        let mut inner = state.lock();
        let account = inner.accounts.get_mut(&req.account).ok_or_else(ServiceError::invalid_uri)?;
        let name = req.share.as_deref().unwrap_or_default();
        account.shares.remove(name).ok_or_else(ServiceError::share_not_found)?
    };
    let files = removed.file_ids();
    state.blobs.remove(files).await;
    Ok(reply(StatusCode::ACCEPTED, Vec::new()))
}

pub(crate) fn share_properties(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    with_share(state, req, |share| {
        Ok(reply(
            StatusCode::OK,
            vec![
                ("ETag", azure_time::etag_from_ticks(share.etag_ticks)),
                ("Last-Modified", azure_time::rfc1123(share.last_modified)),
                ("x-ms-share-quota", share.quota_gib.to_string()),
                ("x-ms-access-tier", "TransactionOptimized".to_owned()),
                ("x-ms-enabled-protocols", "SMB".to_owned()),
                ("x-ms-lease-state", "available".to_owned()),
                ("x-ms-lease-status", "unlocked".to_owned()),
            ],
        ))
    })
}

pub(crate) fn set_share_properties(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    let quota = parse_quota(req)?;
    with_share(state, req, |share| {
        if let Some(quota) = quota {
            share.quota_gib = quota;
        }
        Ok(touched(share, state))
    })
}

pub(crate) fn share_stats(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    with_share(state, req, |share| {
        Ok(xml_reply(format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><ShareStats><ShareUsageBytes>{}</ShareUsageBytes></ShareStats>",
            share.usage_bytes
        )))
    })
}

/// Records a change to the share itself and answers 200 with its new `ETag`.
fn touched(share: &mut Share, state: &State) -> Response<Body> {
    let (at, ticks) = state.clock.now();
    share.last_modified = at;
    share.etag_ticks = ticks;
    reply(
        StatusCode::OK,
        vec![("ETag", azure_time::etag_from_ticks(ticks)), ("Last-Modified", azure_time::rfc1123(at))],
    )
}

/// Get Share ACL: the stored access policies.
pub(crate) fn get_acl(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    with_share(state, req, |share| {
        let mut response = xml_reply(acl::to_xml(&share.access_policies));
        for (name, value) in [
            ("ETag", azure_time::etag_from_ticks(share.etag_ticks)),
            ("Last-Modified", azure_time::rfc1123(share.last_modified)),
        ] {
            if let Ok(value) = value.parse() {
                response.headers_mut().insert(name, value);
            }
        }
        Ok(response)
    })
}

/// Set Share ACL: replaces the stored access policies from the XML body.
pub(crate) async fn set_acl(state: &State, req: &FilesRequest, body: Incoming) -> Result<Response<Body>, ServiceError> {
    let bytes = read_body(body, acl::MAX_BODY_BYTES).await?;
    let policies = acl::parse(&bytes).map_err(|reason| {
        ServiceError::new(StatusCode::BAD_REQUEST, "InvalidXmlDocument", "XML specified is not syntactically valid.")
            .detail("Reason", reason)
    })?;
    if policies.len() > acl::MAX_POLICIES {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "InvalidXmlDocument",
            "XML specified is not syntactically valid.",
        )
        .detail("Reason", format!("At most {} signed identifiers are allowed.", acl::MAX_POLICIES)));
    }
    with_share(state, req, |share| {
        share.access_policies = policies;
        Ok(touched(share, state))
    })
}
