//! Fixed identities of the product: the names by which browsers and the host find each other.
//!
//! A Chrome-family extension has one id per way it is installed: unpacked from a checkout (fixed by the public
//! `key` in `manifest.json`), from the Chrome Web Store, from Microsoft Edge Add-ons. Each store assigns its own
//! id at the first upload of a package without `key`, so until a release has been published its id is
//! [`NOT_YET_ASSIGNED`], and the release process writes the real one here (README, "Publishing a release").
//! Firefox add-ons keep the id the manifest declares, in development and on addons.mozilla.org alike.
//! gmux-host trusts exactly the ids listed here, plus those a person passes to `gmux-host install
//! --extension-id` for a build they publish themselves.

/// The native messaging host name (lowercase letters, digits, `_` and `.` only).
pub const HOST_NAME: &str = "dev.gmux.host";

/// The id of the unpacked development build, fixed by the public `key` in `manifest.json`
/// (first 32 hex digits of sha256 of the DER key, mapped 0-f to a-p).
pub const CHROME_DEV_EXTENSION_ID: &str = "obfbmoncncibmhjgfmnifnffmljlbjmg";

/// The id the tests, the demo and `cargo xtask install` load: the development build's.
pub const CHROME_EXTENSION_ID: &str = CHROME_DEV_EXTENSION_ID;

/// Stands for a store id the store has not assigned yet. Host manifests leave it out, so no manifest ever
/// names an id that is not real.
pub const NOT_YET_ASSIGNED: &str = "not-yet-assigned";

/// gmux in the Chrome Web Store (Chrome, Chromium, Brave, Vivaldi, and Edge with other stores allowed).
/// Release process: replace [`NOT_YET_ASSIGNED`] with the id the store shows after the first upload.
pub const CHROME_WEB_STORE_ID: &str = NOT_YET_ASSIGNED;

/// gmux in Microsoft Edge Add-ons, which assigns an id of its own.
/// Release process: replace [`NOT_YET_ASSIGNED`] with the id Partner Center shows after the first upload.
pub const EDGE_ADD_ONS_ID: &str = NOT_YET_ASSIGNED;

/// The Firefox add-on id (`browser_specific_settings.gecko.id`): the same in development and on
/// addons.mozilla.org, which keeps the id a package declares.
pub const FIREFOX_EXTENSION_ID: &str = "gmux@gmux.dev";

/// Every Chrome-family extension id gmux-host trusts: the development build and each store that has
/// assigned one.
pub fn trusted_chrome_ids() -> Vec<&'static str> {
    [
        CHROME_DEV_EXTENSION_ID,
        CHROME_WEB_STORE_ID,
        EDGE_ADD_ONS_ID,
    ]
    .into_iter()
    .filter(|id| *id != NOT_YET_ASSIGNED)
    .collect()
}

/// Every Firefox add-on id gmux-host trusts.
pub fn trusted_firefox_ids() -> Vec<&'static str> {
    vec![FIREFOX_EXTENSION_ID]
}

/// The origin Chrome-family browsers pass to the host for the development build, as host manifests list it.
pub fn chrome_origin() -> String {
    chrome_origin_of(CHROME_DEV_EXTENSION_ID)
}

/// The origin of a Chrome-family extension id (with the trailing slash Chrome requires in `allowed_origins`).
pub fn chrome_origin_of(id: &str) -> String {
    format!("chrome-extension://{id}/")
}

/// Which browser family an extension id belongs to, by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// 32 letters `a` to `p`: Chrome, Chromium, Edge, Brave, Vivaldi.
    Chrome,
    /// `name@domain` or `{uuid}`: Firefox, LibreWolf.
    Firefox,
}

/// Classifies an extension id; `None` for anything that is neither (a wildcard, an origin, a typo).
pub fn id_kind(id: &str) -> Option<IdKind> {
    if id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
        return Some(IdKind::Chrome);
    }
    // Firefox's own rule for add-on ids (the id pattern in its XPIProvider.sys.mjs and XPIInstall.sys.mjs):
    // `{uuid}` or `[a-z0-9-._]*@[a-z0-9-._]+`, case-insensitive.
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._".contains(&b);
    if let Some((name, domain)) = id.split_once('@') {
        if name.bytes().all(allowed) && !domain.is_empty() && domain.bytes().all(allowed) {
            return Some(IdKind::Firefox);
        }
    }
    if let Some(uuid) = id.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        let groups: Vec<&str> = uuid.split('-').collect();
        let sizes: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        if sizes == [8, 4, 4, 4, 12]
            && groups
                .iter()
                .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Some(IdKind::Firefox);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_name_is_valid_for_every_browser() {
        assert!(HOST_NAME
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'));
    }

    #[test]
    fn chrome_origin_has_trailing_slash() {
        assert_eq!(
            chrome_origin(),
            "chrome-extension://obfbmoncncibmhjgfmnifnffmljlbjmg/"
        );
    }

    fn check(id: &str, expected: Option<IdKind>) {
        assert_eq!(id_kind(id), expected, "{id:?}");
    }

    #[test]
    fn ids_are_classified_by_shape() {
        check("obfbmoncncibmhjgfmnifnffmljlbjmg", Some(IdKind::Chrome));
        check("gmux@gmux.dev", Some(IdKind::Firefox));
        check("my-build.1@example.org", Some(IdKind::Firefox));
        check("gmux@localhost", Some(IdKind::Firefox));
        check(
            "{6e7f1c8a-94b2-4c43-9d1e-0a2b3c4d5e6f}",
            Some(IdKind::Firefox),
        );
        // Letters past p, upper case, the wrong length, an origin, a wildcard: refused.
        check("obfbmoncncibmhjgfmnifnffmljlbjmz", None);
        check("OBFBMONCNCIBMHJGFMNIFNFFMLJLBJMG", None);
        check("obfbmoncncibmhjgfmnifnffmljlbjm", None);
        check("chrome-extension://obfbmoncncibmhjgfmnifnffmljlbjmg/", None);
        check("*", None);
        check("", None);
        check("gmux@", None);
        check("a b@gmux.dev", None);
        check("a+b@gmux.dev", None);
        check("a@b@gmux.dev", None);
        check("{not-a-uuid}", None);
        check(NOT_YET_ASSIGNED, None);
    }

    #[test]
    fn every_store_id_is_real_or_the_placeholder() {
        for id in [
            CHROME_DEV_EXTENSION_ID,
            CHROME_WEB_STORE_ID,
            EDGE_ADD_ONS_ID,
        ] {
            assert!(
                id == NOT_YET_ASSIGNED || id_kind(id) == Some(IdKind::Chrome),
                "{id:?} is neither a Chrome extension id nor NOT_YET_ASSIGNED"
            );
        }
        assert_eq!(id_kind(FIREFOX_EXTENSION_ID), Some(IdKind::Firefox));
    }

    #[test]
    fn trusted_ids_are_the_dev_id_and_every_assigned_store_id() {
        let chrome = trusted_chrome_ids();
        assert_eq!(chrome[0], CHROME_DEV_EXTENSION_ID);
        assert!(!chrome.contains(&NOT_YET_ASSIGNED));
        for store in [CHROME_WEB_STORE_ID, EDGE_ADD_ONS_ID] {
            assert_eq!(chrome.contains(&store), store != NOT_YET_ASSIGNED);
        }
        assert_eq!(trusted_firefox_ids(), vec![FIREFOX_EXTENSION_ID]);
    }
}
