//! Decoding a JWT's claims for display (no signature validation: the service validates).
//! Shows who a token is for (`oid`, `appid`, `xms_mirid`), for what (`aud`) and when it
//! expires.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The claims azfx shows and diagnoses with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Principal (object) id: what role assignments name.
    pub oid: Option<String>,
    /// Tenant id.
    pub tid: Option<String>,
    /// Client (application) id (v1 tokens).
    pub appid: Option<String>,
    /// Client id (v2 tokens).
    pub azp: Option<String>,
    /// Audience: the resource the token is for.
    pub aud: Option<String>,
    /// Issuer.
    pub iss: Option<String>,
    /// ARM resource id of a managed identity.
    pub xms_mirid: Option<String>,
    /// `app` or `user`.
    pub idtyp: Option<String>,
    /// Issued at (Unix seconds).
    pub iat: Option<i64>,
    /// Not before (Unix seconds).
    pub nbf: Option<i64>,
    /// Expires (Unix seconds).
    pub exp: Option<i64>,
}

impl Claims {
    /// Decodes the middle segment of a JWT; `None` when the token is not a JWT.
    pub fn decode(token: &str) -> Option<Self> {
        let payload = token.split('.').nth(1)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The client id, from `appid` or `azp`.
    pub fn client_id(&self) -> Option<&str> {
        self.appid.as_deref().or(self.azp.as_deref())
    }

    /// The identity's name: the last segment of `xms_mirid` (VM or user-assigned identity).
    pub fn identity_name(&self) -> Option<&str> {
        self.xms_mirid.as_deref().and_then(|id| id.rsplit('/').next()).filter(|s| !s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_managed_identity_token() {
        let claims = serde_json::json!({
            "aud": "https://storage.azure.com/", "oid": "o-1", "tid": "t-1", "appid": "c-1", "exp": 1_765_008_628,
            "xms_mirid": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/it-vm"
        });
        let token = format!("eyJhbGciOiJub25lIn0.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()));
        let decoded = Claims::decode(&token).unwrap();
        assert_eq!(decoded.oid.as_deref(), Some("o-1"));
        assert_eq!(decoded.exp, Some(1_765_008_628));
        assert_eq!(decoded.identity_name(), Some("it-vm"));
        assert_eq!(Claims::decode("opaque-token"), None);
    }
}
