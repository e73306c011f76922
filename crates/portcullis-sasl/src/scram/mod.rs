//! SCRAM (RFC 5802, RFC 7677), server side: `SCRAM-SHA-256`,
//! `SCRAM-SHA-256-PLUS`, `SCRAM-SHA-1` and `SCRAM-SHA-1-PLUS`.
//!
//! The client proves it knows the password without sending it; the server
//! keeps only a salt, an iteration count, `StoredKey` and `ServerKey`
//! ([`ScramKeys`]; `portcullis-credentials`' `ScramCredential` reads them
//! from Dovecot's `{SCRAM-SHA-256}` entries), and proves itself to the
//! client in return. The `-PLUS` variants bind the exchange to the TLS
//! channel (RFC 9266 `tls-exporter`, RFC 5929 `tls-server-end-point`), so
//! a man in the middle who terminates TLS cannot relay it.
//!
//! [`ScramServer`] runs one exchange. Unlike the other mechanisms it stops
//! between the client's messages, because the server must look the
//! account's keys up by the name the client sent:
//!
//! ```text
//! C: n,,n=user,r=<client nonce>                       → client_first → ScramIdentity
//!                                      (look up the account: its ScramKeys, or ScramKeys::dummy)
//! S: r=<client nonce><server nonce>,s=<salt>,i=<n>    ← server_first(keys, nonce)
//! C: c=biws,r=<both nonces>,p=<proof>                 → client_final → ScramVerified / ProofMismatch
//! S: v=<server signature>                             ← ScramVerified::server_final
//! C: (empty)                                          → finish
//! ```
//!
//! Unknown users and accounts without SCRAM keys get [`ScramKeys::dummy`]:
//! a salt derived from the user name under a server secret
//! ([`ScramDummyKey`]), stable across attempts like a real one, and keys no
//! proof matches. The exchange then does the same work and fails the same
//! way, [`Error::ProofMismatch`](crate::Error::ProofMismatch), as a wrong
//! password.
//!
//! The message types ([`ClientFirstMessage`], [`ClientFinalMessage`])
//! parse without copying and encode for clients and tests, like the
//! other mechanisms' modules.

mod binding;
mod keys;
mod message;
mod server;

pub use binding::{ChannelBindingData, ChannelBindingType};
pub use keys::{DUMMY_SALT_LEN, MAX_SALT_LEN, ScramDummyKey, ScramHash, ScramKeys};
pub use message::{ClientFinalMessage, ClientFirstMessage, Gs2Flag, MAX_NONCE_LEN};
pub use server::{
    MIN_SERVER_NONCE_LEN, ScramIdentity, ScramServer, ScramVerified, nonce_from_random,
};
