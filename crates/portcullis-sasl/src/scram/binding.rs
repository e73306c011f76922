//! Channel binding: which TLS channel the exchange is bound to, and the
//! data that names it.

use core::fmt;

use zeroize::Zeroizing;

/// A channel-binding type a SCRAM `-PLUS` client may ask for (`p=` of the
/// gs2 header).
///
/// Non-exhaustive: `tls-unique` (RFC 5929, unsafe with TLS 1.2
/// renegotiation and undefined for TLS 1.3) is not supported, and a
/// future type may be.
///
/// ```
/// use portcullis_sasl::scram::ChannelBindingType;
/// assert_eq!(ChannelBindingType::from_name("tls-exporter"), Some(ChannelBindingType::TlsExporter));
/// assert_eq!(ChannelBindingType::TlsServerEndPoint.name(), "tls-server-end-point");
/// assert_eq!(ChannelBindingType::from_name("tls-unique"), None);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelBindingType {
    /// RFC 9266 `tls-exporter`: 32 bytes of TLS keying material exported
    /// with the label `EXPORTER-Channel-Binding` and no context. The
    /// default of TLS 1.3 clients.
    TlsExporter,
    /// RFC 5929 `tls-server-end-point`: the hash of the server's
    /// certificate (SHA-256 for SHA-1 and MD5 signatures, else the
    /// signature's hash). Works with every TLS version, but binds to the
    /// certificate, not to the connection.
    TlsServerEndPoint,
}

impl ChannelBindingType {
    /// The registered name (`tls-exporter`, `tls-server-end-point`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::TlsExporter => "tls-exporter",
            Self::TlsServerEndPoint => "tls-server-end-point",
        }
    }

    /// The type with this name (exact, lower case as registered).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "tls-exporter" => Some(Self::TlsExporter),
            "tls-server-end-point" => Some(Self::TlsServerEndPoint),
            _ => None,
        }
    }
}

/// The channel-binding data of the connection, as the TLS layer gives it:
/// none (plain TCP, or a TLS stack that cannot export it), `tls-exporter`,
/// `tls-server-end-point`, or both.
///
/// The `-PLUS` mechanisms are offered and accepted only when some is
/// present (see [`Transport::CHANNEL_BINDING`](crate::Transport::CHANNEL_BINDING)).
/// The bytes are zeroized on drop and never shown by `Debug` (the exporter
/// value is derived from the session's secrets).
///
/// ```
/// use portcullis_sasl::scram::{ChannelBindingData, ChannelBindingType};
/// let data = ChannelBindingData::none().with_tls_exporter(&[7; 32]);
/// assert_eq!(data.get(ChannelBindingType::TlsExporter), Some(&[7u8; 32][..]));
/// assert_eq!(data.get(ChannelBindingType::TlsServerEndPoint), None);
/// assert_eq!(format!("{data:?}"), "ChannelBindingData { tls_exporter: true, tls_server_end_point: false }");
/// ```
#[derive(Clone, Default)]
pub struct ChannelBindingData {
    tls_exporter: Option<Zeroizing<Vec<u8>>>,
    tls_server_end_point: Option<Zeroizing<Vec<u8>>>,
}

impl ChannelBindingData {
    /// No channel-binding data: the `-PLUS` mechanisms are not available.
    #[must_use]
    pub const fn none() -> Self {
        Self {
            tls_exporter: None,
            tls_server_end_point: None,
        }
    }

    /// Adds the RFC 9266 `tls-exporter` value of this connection.
    #[must_use]
    pub fn with_tls_exporter(mut self, data: &[u8]) -> Self {
        self.tls_exporter = Some(Zeroizing::new(data.to_vec()));
        self
    }

    /// Adds the RFC 5929 `tls-server-end-point` value of this connection
    /// (the hash of the server's certificate).
    #[must_use]
    pub fn with_tls_server_end_point(mut self, data: &[u8]) -> Self {
        self.tls_server_end_point = Some(Zeroizing::new(data.to_vec()));
        self
    }

    /// The data of one type, if present.
    #[must_use]
    pub fn get(&self, kind: ChannelBindingType) -> Option<&[u8]> {
        match kind {
            ChannelBindingType::TlsExporter => self.tls_exporter.as_deref().map(Vec::as_slice),
            ChannelBindingType::TlsServerEndPoint => {
                self.tls_server_end_point.as_deref().map(Vec::as_slice)
            }
        }
    }

    /// Whether no data is present.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.tls_exporter.is_none() && self.tls_server_end_point.is_none()
    }
}

impl fmt::Debug for ChannelBindingData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelBindingData")
            .field("tls_exporter", &self.tls_exporter.is_some())
            .field("tls_server_end_point", &self.tls_server_end_point.is_some())
            .finish()
    }
}
