//! JWT-shaped access tokens the emulator issues and checks: `header.claims.signature`,
//! base64url without padding, signed with HMAC-SHA256 under a key only the emulator holds
//! (real tokens are RS256; clients never verify signatures, so the shape is what matters).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::model::Identity;

type HmacSha256 = Hmac<Sha256>;

/// The claims of a token for `identity`, shaped like a real managed-identity token.
pub(crate) fn claims(identity: &Identity, tenant_id: &str, resource: &str, issued_at: i64, expires_at: i64) -> Value {
    json!({
        "aud": resource,
        "iss": format!("https://sts.windows.net/{tenant_id}/"),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": expires_at,
        "aio": "E2ZgYDj4azfxemulator",
        "appid": identity.client_id,
        "appidacr": "2",
        "idp": format!("https://sts.windows.net/{tenant_id}/"),
        "idtyp": "app",
        "oid": identity.object_id,
        "rh": "0.AAAA-emulator.",
        "sub": identity.object_id,
        "tid": tenant_id,
        "uti": uuid::Uuid::new_v4().simple().to_string(),
        "ver": "1.0",
        "xms_mirid": identity.resource_id,
    })
}

/// Why a token was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenRejection {
    /// Not three base64url segments with JSON inside.
    Malformed,
    /// The signature does not match (forged, altered, or from another emulator).
    BadSignature,
}

fn sign(key: &[u8], signing_input: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(signing_input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Signs `claims` into a token.
pub(crate) fn mint(key: &[u8], claims: &Value) -> String {
    let header = serde_json::json!({ "typ": "JWT", "alg": "HS256", "kid": "azfx-emulator" });
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = URL_SAFE_NO_PAD.encode(sign(key, &signing_input));
    format!("{signing_input}.{signature}")
}

/// Checks the signature and returns the claims.
pub(crate) fn verify(key: &[u8], token: &str) -> Result<Map<String, Value>, TokenRejection> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenRejection::Malformed);
    };
    let claims_json = URL_SAFE_NO_PAD.decode(claims).map_err(|_| TokenRejection::Malformed)?;
    let claims: Map<String, Value> = serde_json::from_slice(&claims_json).map_err(|_| TokenRejection::Malformed)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenRejection::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(key).map_err(|_| TokenRejection::BadSignature)?;
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(claims_json_segment(token).as_bytes());
    mac.verify_slice(&signature).map_err(|_| TokenRejection::BadSignature)?;
    Ok(claims)
}

fn claims_json_segment(token: &str) -> &str {
    token.split('.').nth(1).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mint_then_verify() {
        let token = mint(b"key", &serde_json::json!({ "oid": "abc", "exp": 5 }));
        let claims = verify(b"key", &token).unwrap();
        assert_eq!(claims["oid"], "abc");
        assert_eq!(verify(b"other", &token), Err(TokenRejection::BadSignature));
        assert_eq!(verify(b"key", "not-a-token"), Err(TokenRejection::Malformed));
        let mut tampered = token.clone();
        tampered.insert(token.find('.').unwrap() + 2, 'x');
        assert!(verify(b"key", &tampered).is_err());
    }
}
