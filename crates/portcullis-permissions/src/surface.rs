//! Login surfaces and the permission each one requires.

use core::fmt;

use crate::Permission;

/// A place a client signs in: a protocol, or an interactive web surface.
///
/// Each surface has its own login permission ([`Surface::login_permission`]),
/// which is judged against the *credential's scope*. Whether the account may
/// sign in at all is a different question, judged on the account's rights
/// with [`Permission::Authenticate`] (see [`crate::LoginPolicy`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Surface {
    /// IMAP4rev1/IMAP4rev2.
    Imap,
    /// POP3.
    Pop3,
    /// SMTP submission.
    Smtp,
    /// ManageSieve.
    #[cfg_attr(feature = "serde", serde(rename = "managesieve"))]
    ManageSieve,
    /// JMAP over HTTP.
    Jmap,
    /// CalDAV.
    #[cfg_attr(feature = "serde", serde(rename = "caldav"))]
    CalDav,
    /// CardDAV.
    #[cfg_attr(feature = "serde", serde(rename = "carddav"))]
    CardDav,
    /// WebDAV file access.
    #[cfg_attr(feature = "serde", serde(rename = "webdav"))]
    WebDav,
    /// Interactive web sign-in: the account portal, webmail OAuth login.
    Portal,
    /// The web administration console.
    Admin,
}

bitflags::bitflags! {
    /// A small set of [`Surface`]s (for listing where a credential may be used).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct SurfaceSet: u16 {
        /// [`Surface::Imap`].
        const IMAP = 1 << 0;
        /// [`Surface::Pop3`].
        const POP3 = 1 << 1;
        /// [`Surface::Smtp`].
        const SMTP = 1 << 2;
        /// [`Surface::ManageSieve`].
        const MANAGESIEVE = 1 << 3;
        /// [`Surface::Jmap`].
        const JMAP = 1 << 4;
        /// [`Surface::CalDav`].
        const CALDAV = 1 << 5;
        /// [`Surface::CardDav`].
        const CARDDAV = 1 << 6;
        /// [`Surface::WebDav`].
        const WEBDAV = 1 << 7;
        /// [`Surface::Portal`].
        const PORTAL = 1 << 8;
        /// [`Surface::Admin`].
        const ADMIN = 1 << 9;
    }
}

impl Surface {
    /// Every surface.
    pub const ALL: [Surface; 10] = [
        Surface::Imap,
        Surface::Pop3,
        Surface::Smtp,
        Surface::ManageSieve,
        Surface::Jmap,
        Surface::CalDav,
        Surface::CardDav,
        Surface::WebDav,
        Surface::Portal,
        Surface::Admin,
    ];

    /// The permission a credential's scope must hold to open this surface.
    ///
    /// IMAP, POP3 and ManageSieve use Stalwart's existing ids; SMTP submission
    /// uses `emailSend`; the DAV family shares `davAuthenticate`.
    pub const fn login_permission(self) -> Permission {
        match self {
            Surface::Imap => Permission::ImapAuthenticate,
            Surface::Pop3 => Permission::Pop3Authenticate,
            Surface::Smtp => Permission::EmailSend,
            Surface::ManageSieve => Permission::SieveAuthenticate,
            Surface::Jmap => Permission::JmapAuthenticate,
            Surface::CalDav | Surface::CardDav | Surface::WebDav => Permission::DavAuthenticate,
            Surface::Portal => Permission::PortalAuthenticate,
            Surface::Admin => Permission::AdminAuthenticate,
        }
    }

    /// The lowercase name used in requests and logs (`imap`, `managesieve`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Surface::Imap => "imap",
            Surface::Pop3 => "pop3",
            Surface::Smtp => "smtp",
            Surface::ManageSieve => "managesieve",
            Surface::Jmap => "jmap",
            Surface::CalDav => "caldav",
            Surface::CardDav => "carddav",
            Surface::WebDav => "webdav",
            Surface::Portal => "portal",
            Surface::Admin => "admin",
        }
    }

    /// Parses [`Surface::name`] (ASCII case-insensitive).
    pub fn from_name(name: &str) -> Option<Surface> {
        Surface::ALL
            .into_iter()
            .find(|surface| surface.name().eq_ignore_ascii_case(name))
    }

    /// Whether this is an interactive web sign-in (portal or admin console),
    /// where app passwords are refused unless their scope grants the surface.
    pub const fn is_interactive_web(self) -> bool {
        matches!(self, Surface::Portal | Surface::Admin)
    }

    /// This surface as a one-element [`SurfaceSet`].
    pub const fn as_set(self) -> SurfaceSet {
        match self {
            Surface::Imap => SurfaceSet::IMAP,
            Surface::Pop3 => SurfaceSet::POP3,
            Surface::Smtp => SurfaceSet::SMTP,
            Surface::ManageSieve => SurfaceSet::MANAGESIEVE,
            Surface::Jmap => SurfaceSet::JMAP,
            Surface::CalDav => SurfaceSet::CALDAV,
            Surface::CardDav => SurfaceSet::CARDDAV,
            Surface::WebDav => SurfaceSet::WEBDAV,
            Surface::Portal => SurfaceSet::PORTAL,
            Surface::Admin => SurfaceSet::ADMIN,
        }
    }
}

impl SurfaceSet {
    /// The surfaces whose login permission is in `rights`.
    pub fn opened_by(rights: &crate::PermissionSet) -> SurfaceSet {
        Surface::ALL
            .into_iter()
            .filter(|surface| rights.contains(surface.login_permission()))
            .fold(SurfaceSet::empty(), |set, surface| set | surface.as_set())
    }
}

impl fmt::Display for Surface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for surface in Surface::ALL {
            assert_eq!(Surface::from_name(surface.name()), Some(surface));
        }
        assert_eq!(Surface::from_name("IMAP"), Some(Surface::Imap));
        assert_eq!(Surface::from_name("gopher"), None);
    }

    #[test]
    fn dav_surfaces_share_one_permission() {
        assert_eq!(
            Surface::CardDav.login_permission(),
            Permission::DavAuthenticate
        );
        assert_eq!(
            Surface::CalDav.login_permission(),
            Permission::DavAuthenticate
        );
        assert_eq!(Surface::Smtp.login_permission(), Permission::EmailSend);
    }

    #[test]
    fn opened_by_lists_surfaces() {
        let rights = crate::PermissionSet::from_slice(&[
            Permission::ImapAuthenticate,
            Permission::DavAuthenticate,
        ]);
        assert_eq!(
            SurfaceSet::opened_by(&rights),
            SurfaceSet::IMAP | SurfaceSet::CALDAV | SurfaceSet::CARDDAV | SurfaceSet::WEBDAV
        );
    }
}
