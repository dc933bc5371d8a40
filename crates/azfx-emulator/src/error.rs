//! The service's error answers: status, `x-ms-error-code`, and the XML `<Error>` body with
//! the request id and time appended to the message, exactly as Azure Files writes them.

use hyper::StatusCode;

use super::store::StoreError;
use crate::wire::escape;

/// One error answer of the Files service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServiceError {
    /// HTTP status.
    pub status: StatusCode,
    /// Service error code (`x-ms-error-code`, `<Code>`).
    pub code: std::borrow::Cow<'static, str>,
    /// Human message; the request id and time are appended when the body is written.
    pub message: String,
    /// Extra child elements after `<Message>` (`HeaderName`, `AuthenticationErrorDetail`…).
    pub details: Vec<(&'static str, String)>,
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`, `Content-Range`).
    pub headers: Vec<(&'static str, String)>,
}

impl ServiceError {
    /// An error with no details.
    pub(crate) fn new(
        status: StatusCode,
        code: impl Into<std::borrow::Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self { status, code: code.into(), message: message.into(), details: Vec::new(), headers: Vec::new() }
    }

    /// Adds a child element to the XML body.
    #[must_use]
    pub(crate) fn detail(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    /// Adds a response header.
    #[must_use]
    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// 400 `MissingRequiredHeader`.
    pub(crate) fn missing_header(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredHeader",
            "An HTTP header that's mandatory for this request is not specified.",
        )
        .detail("HeaderName", name)
    }

    /// 400 `MissingRequiredQueryParameter`.
    pub(crate) fn missing_query(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredQueryParameter",
            "A query parameter that's mandatory for this request is not specified.",
        )
        .detail("QueryParameterName", name)
    }

    /// 400 `InvalidHeaderValue`.
    pub(crate) fn invalid_header(name: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidHeaderValue",
            "The value for one of the HTTP headers is not in the correct format.",
        )
        .detail("HeaderName", name)
        .detail("HeaderValue", value)
    }

    /// 400 `InvalidQueryParameterValue`.
    pub(crate) fn invalid_query(name: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid.",
        )
        .detail("QueryParameterName", name)
        .detail("QueryParameterValue", value)
    }

    /// 400 `InvalidResourceName` (the service's own spelling of "specified").
    pub(crate) fn invalid_resource_name() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidResourceName",
            "The specifed resource name contains invalid characters.",
        )
    }

    /// 400 `InvalidUri`.
    pub(crate) fn invalid_uri() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidUri",
            "The requested URI does not represent any resource on the server.",
        )
    }

    /// 404 `ResourceNotFound`.
    pub(crate) fn resource_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", "The specified resource does not exist.")
    }

    /// 404 `ShareNotFound`.
    pub(crate) fn share_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "ShareNotFound", "The specified share does not exist.")
    }

    /// 416 `InvalidRange` with the `Content-Range: bytes */size` header.
    pub(crate) fn invalid_range(size: u64) -> Self {
        Self::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            "The range specified is invalid for the current size of the resource.",
        )
        .header("Content-Range", format!("bytes */{size}"))
    }

    /// 413 `RequestBodyTooLarge`.
    pub(crate) fn body_too_large(limit: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestBodyTooLarge",
            "The request body is too large and exceeds the maximum permissible limit.",
        )
        .detail("MaxLimit", limit.to_string())
    }

    /// 500 `InternalError`, for failures inside the emulator itself.
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        )
    }

    /// The XML body, starting with the UTF-8 BOM as the service's does.
    pub(crate) fn body(&self, request_id: &str, time: &str) -> String {
        let mut xml = String::with_capacity(256);
        xml.push('\u{feff}');
        xml.push_str(r#"<?xml version="1.0" encoding="utf-8"?><Error><Code>"#);
        xml.push_str(&self.code);
        xml.push_str("</Code><Message>");
        xml.push_str(&escape(&self.message));
        xml.push_str("\nRequestId:");
        xml.push_str(request_id);
        xml.push_str("\nTime:");
        xml.push_str(time);
        xml.push_str("</Message>");
        for (name, value) in &self.details {
            xml.push('<');
            xml.push_str(name);
            xml.push('>');
            xml.push_str(&escape(value));
            xml.push_str("</");
            xml.push_str(name);
            xml.push('>');
        }
        xml.push_str("</Error>");
        xml
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ParentNotFound => {
                Self::new(StatusCode::NOT_FOUND, "ParentNotFound", "The specified parent path does not exist.")
            }
            StoreError::NotFound => Self::resource_not_found(),
            StoreError::AlreadyExists => {
                Self::new(StatusCode::CONFLICT, "ResourceAlreadyExists", "The specified resource already exists.")
            }
            StoreError::TypeMismatch => Self::new(
                StatusCode::CONFLICT,
                "ResourceTypeMismatch",
                "The specified resource type does not match the type of the existing resource.",
            ),
            StoreError::DirectoryNotEmpty => {
                Self::new(StatusCode::CONFLICT, "DirectoryNotEmpty", "The specified directory is not empty.")
            }
            StoreError::QuotaExceeded => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "ShareSizeLimitReached", "The specified share is full.")
            }
            StoreError::InvalidRename => {
                Self::new(StatusCode::BAD_REQUEST, "InvalidInput", "One of the request inputs is not valid.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_matches_recorded_missing_intent_shape() {
        let body = ServiceError::missing_header("x-ms-file-request-intent")
            .body("a60aee2d-b01a-0026-5834-5e32d3000000", "2024-02-13T04:22:01.8181906Z");
        let recorded = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>MissingRequiredHeader</Code><Message>An HTTP header that's mandatory for this request is not specified.\nRequestId:a60aee2d-b01a-0026-5834-5e32d3000000\nTime:2024-02-13T04:22:01.8181906Z</Message><HeaderName>x-ms-file-request-intent</HeaderName></Error>";
        assert_eq!(body, recorded);
        assert_eq!(body.len(), 305, "the recording's Content-Length");
    }
}
