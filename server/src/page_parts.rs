//! Where a rendered page depends on who is signed in, found in its bytes, and
//! the signed-in visitors' own versions of those places: what lets
//! [`crate::page_cache`] answer a signed-in visitor with the render it keeps
//! for everyone.
//!
//! A page whose render did not mark it personal (`app::api::ssr::PERSONAL_HEADER`:
//! nothing in it asked who is signed in but the navigation bar) differs
//! between visitors in one place only: the right side of the navigation bar,
//! `<div class="nav-right">…</div>` ("Sign in" and "Sign up", or the user's
//! links, the user chip and the sign-out button). (The bar is server-rendered
//! HTML, not an island: nothing in the page's scripts depends on the visitor.)
//!
//! [`template`] cuts a kept page at that place (and at its CSP nonce);
//! [`Visitor`] holds a signed-in visitor's version of it, taken from a page
//! rendered for them; [`Visitors`] keeps those per session cookie for as long
//! as a page is kept. A page spliced this way is byte for byte the page the
//! app renders for that visitor (tested on the real pages in
//! `tests/it/page_splice.rs`). The only other thing in the navigation bar that
//! varies is which link is marked current (`aria-current`), by path: a
//! visitor's bar is put only into pages none of its links is current on
//! ([`Visitor::fits`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::microcache::{Slot, FIXED};

/// The slot of the CSP nonce (filled on every replay).
pub const NONCE: Slot = 1;
/// The slot of the navigation bar's right side.
pub const NAV: Slot = 2;

const NAV_OPEN: &[u8] = b"<div class=\"nav-right\">";
const NAV_CLOSE: &[u8] = b"</div>";
/// In the bar of a visitor who is not signed in (its "Sign in" link).
const ANONYMOUS: &[u8] = b"href=\"/signin\"";
/// In the bar of a signed-in visitor (the link to their account).
const SIGNED_IN: &[u8] = b"class=\"user-chip\"";
/// How many sessions' navigation bars are kept at most.
const MAX_VISITORS: usize = 4096;

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// The navigation bar's right side: the bytes between its opening tag and the
/// `</div>` closing it (it holds links and a form, never a `div`).
fn nav_range(body: &[u8]) -> Option<(usize, usize)> {
    if count(body, NAV_OPEN) != 1 {
        return None;
    }
    let start = find(body, NAV_OPEN, 0)? + NAV_OPEN.len();
    let end = find(body, NAV_CLOSE, start)?;
    find(&body[start..end], b"<div", 0)
        .is_none()
        .then_some((start, end))
}

/// A page rendered for a visitor who is not signed in, cut into parts for the
/// page cache: at every occurrence of `nonce` (slot [`NONCE`]) and, when
/// `shared` (the render was not marked personal) and the bar is found as
/// expected, a visitor's who is not signed in, at the navigation bar
/// ([`NAV`]). Without that slot the page is only ever replayed to visitors who
/// are not signed in.
pub fn template(body: &Bytes, nonce: &[u8], shared: bool) -> Vec<(Slot, Bytes)> {
    let mut cuts: Vec<(usize, usize, Slot)> = Vec::new();
    let mut at = 0;
    while !nonce.is_empty() {
        let Some(i) = find(body, nonce, at) else {
            break;
        };
        cuts.push((i, i + nonce.len(), NONCE));
        at = i + nonce.len();
    }
    if shared {
        if let Some((ns, ne)) = nav_range(body) {
            let bar = &body[ns..ne];
            let anonymous = find(bar, ANONYMOUS, 0).is_some() && find(bar, SIGNED_IN, 0).is_none();
            if anonymous && !cuts.iter().any(|c| overlaps(c, ns, ne)) {
                cuts.push((ns, ne, NAV));
            }
        }
    }
    cuts.sort_unstable();
    let mut parts = Vec::with_capacity(cuts.len() * 2 + 1);
    let mut pos = 0;
    for (start, end, slot) in cuts {
        parts.push((FIXED, body.slice(pos..start)));
        parts.push((slot, body.slice(start..end)));
        pos = end;
    }
    parts.push((FIXED, body.slice(pos..)));
    parts
}

fn overlaps(&(s, e, _): &(usize, usize, Slot), start: usize, end: usize) -> bool {
    s < end && start < e
}

/// A signed-in visitor's navigation bar.
#[derive(Clone, Debug)]
pub struct Visitor {
    nav: Bytes,
    /// Where the bar's links lead.
    links: Vec<String>,
}

impl Visitor {
    /// Taken from a page rendered for a signed-in visitor; `None` when the page
    /// is not one (nobody signed in, or the places are not where they should
    /// be) or a link of its bar is marked current.
    pub fn from_page(body: &[u8]) -> Option<Visitor> {
        let (ns, ne) = nav_range(body)?;
        let nav = &body[ns..ne];
        if find(nav, SIGNED_IN, 0).is_none() || find(nav, b"aria-current", 0).is_some() {
            return None;
        }
        let mut links = Vec::new();
        let mut at = 0;
        while let Some(i) = find(nav, b"href=\"", at) {
            let start = i + b"href=\"".len();
            let end = find(nav, b"\"", start)?;
            links.push(String::from_utf8_lossy(&nav[start..end]).into_owned());
            at = end;
        }
        Some(Visitor {
            nav: Bytes::copy_from_slice(nav),
            links,
        })
    }

    /// Whether this bar may go into the page at `path`: none of its links is
    /// current there (the router marks a link current on its own path and the
    /// paths below it).
    pub fn fits(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        !self.links.iter().any(|link| {
            let link = link.trim_end_matches('/');
            link.is_empty()
                || path == link
                || path
                    .strip_prefix(link)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// What goes into `slot` for this visitor, the replay's `nonce` included.
    pub fn fill<'a>(&'a self, nonce: &'a [u8]) -> impl Fn(Slot) -> Option<&'a [u8]> {
        move |slot| match slot {
            NONCE => Some(nonce),
            NAV => Some(&self.nav[..]),
            _ => None,
        }
    }
}

/// Makes room in a bounded map of recent things before an insert: at `max`
/// entries, drops those `fresh` says are over, and everything when none is.
pub fn make_room<V>(map: &mut HashMap<String, V>, max: usize, fresh: impl Fn(&V) -> bool) {
    if map.len() >= max {
        map.retain(|_, v| fresh(v));
        if map.len() >= max {
            map.clear();
        }
    }
}

/// What is known of a session.
enum Seen {
    /// Its bar, and when the page it was taken from was rendered.
    Bar(Arc<Visitor>, Instant),
    /// When it last made a request that is not a plain read.
    Wrote(Instant),
}

/// Signed-in visitors' bars by session cookie value, each kept for `fresh_for`
/// after the page it was taken from was rendered (that render checked the
/// session); bounded, cheap to clone (shared).
///
/// A session that made a change (any request but a plain read) has no bar for
/// `fresh_for` after it: every page it asks for then is rendered for it, so a
/// page kept before its change (at most `fresh_for` old) never hides that
/// change from the visitor who made it.
#[derive(Clone)]
pub struct Visitors {
    inner: Arc<Mutex<HashMap<String, Seen>>>,
    fresh_for: Duration,
}

impl Visitors {
    /// Bars kept for `fresh_for`.
    pub fn new(fresh_for: Duration) -> Visitors {
        Visitors {
            inner: Arc::default(),
            fresh_for,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bar of the session whose cookie is `cookie`, while fresh.
    pub fn get(&self, cookie: &str) -> Option<Arc<Visitor>> {
        match self.lock().get(cookie)? {
            Seen::Bar(v, at) if at.elapsed() < self.fresh_for => Some(v.clone()),
            _ => None,
        }
    }

    /// Keeps `visitor` for the session whose cookie is `cookie`, unless it
    /// made a change less than `fresh_for` ago.
    pub fn put(&self, cookie: &str, visitor: Visitor) {
        let fresh_for = self.fresh_for;
        let mut map = self.lock();
        if let Some(Seen::Wrote(at)) = map.get(cookie) {
            if at.elapsed() < fresh_for {
                return;
            }
        }
        if !map.contains_key(cookie) {
            make_room(&mut map, MAX_VISITORS, |seen| match seen {
                Seen::Bar(_, at) | Seen::Wrote(at) => at.elapsed() < fresh_for,
            });
        }
        map.insert(
            cookie.to_owned(),
            Seen::Bar(Arc::new(visitor), Instant::now()),
        );
    }

    /// The session whose cookie is `cookie` made a request that is not a plain
    /// read (a change, signing out): its bar is dropped, and none is kept for
    /// `fresh_for`.
    pub fn wrote(&self, cookie: &str) {
        self.lock()
            .insert(cookie.to_owned(), Seen::Wrote(Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(nav: &str, nonce: &str) -> Bytes {
        Bytes::from(format!(
            "<html><header><div class=\"nav-left\"><a href=\"/\">T</a></div>\
             <div class=\"nav-right\">{nav}</div></header><main>body</main>\
             <script nonce=\"{nonce}\">__RESOLVED_RESOURCES=[];</script></html>"
        ))
    }

    const ALICE_NAV: &str = "<a href=\"/dashboard\">Dashboard</a><a href=\"/account\" \
                             class=\"user-chip\">alice</a><form action=\"/api/sign_out\">\
                             <button>Sign out</button></form>";

    fn join(parts: &[(Slot, Bytes)], fill: impl Fn(Slot) -> Option<Vec<u8>>) -> String {
        let mut out = Vec::new();
        for (slot, b) in parts {
            out.extend(fill(*slot).unwrap_or_else(|| b.to_vec()));
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_shared_page_spliced_with_a_visitor_is_their_page() {
        let anon_nav = "<a href=\"/signin\">Sign in</a>";
        let anon = page(anon_nav, "N1");
        let parts = template(&anon, b"N1", true);
        assert!([NONCE, NAV].iter().all(|s| parts.iter().any(|p| p.0 == *s)));
        // Replayed as kept, with a fresh nonce: the anonymous page.
        let same = join(&parts, |s| (s == NONCE).then(|| b"N1".to_vec()));
        assert_eq!(same.as_bytes(), &anon[..]);
        let alice = Visitor::from_page(&page(ALICE_NAV, "N2")).expect("signed in");
        let fill = alice.fill(b"N3");
        let spliced = join(&parts, |s| fill(s).map(<[u8]>::to_vec));
        assert_eq!(spliced.as_bytes(), &page(ALICE_NAV, "N3")[..]);
        assert_eq!(alice.links, ["/dashboard", "/account"]);
    }

    #[test]
    fn only_shared_pages_with_both_places_get_the_slots() {
        let anon = page("<a href=\"/signin\">Sign in</a>", "N");
        let no_slots = |parts: &[(Slot, Bytes)]| !parts.iter().any(|p| p.0 == NAV);
        assert!(no_slots(&template(&anon, b"N", false)), "a personal page");
        // Somebody's page (never kept, but never mistaken either).
        assert!(no_slots(&template(&page(ALICE_NAV, "N"), b"N", true)));
        // A div inside the bar, a second bar, a bar that is neither.
        let odd = [
            page("<a href=\"/signin\">Sign in</a><div>x</div>", "N"),
            Bytes::from([&anon[..], b"<div class=\"nav-right\"></div>"].concat()),
            page("<a href=\"/elsewhere\">Elsewhere</a>", "N"),
        ];
        for body in odd {
            assert!(no_slots(&template(&body, b"N", true)));
            assert!(Visitor::from_page(&body).is_none());
        }
        assert!(Visitor::from_page(&anon).is_none(), "nobody signed in");
        let current = ALICE_NAV.replace(
            "<a href=\"/account\"",
            "<a href=\"/account\" aria-current=\"page\"",
        );
        assert!(Visitor::from_page(&page(&current, "N")).is_none());
    }

    #[test]
    fn a_bar_fits_where_none_of_its_links_is_current() {
        let alice = Visitor::from_page(&page(ALICE_NAV, "N")).unwrap();
        for path in ["/", "/search", "/plugins/x", "/accounts", "/dashboards"] {
            assert!(alice.fits(path), "{path}");
        }
        for path in [
            "/account",
            "/account/",
            "/account/tokens",
            "/dashboard/plugins/x",
        ] {
            assert!(!alice.fits(path), "{path}");
        }
    }

    #[test]
    fn room_is_made_from_what_is_over_first() {
        let mut map: HashMap<String, u32> = (0..4).map(|i| (i.to_string(), i)).collect();
        make_room(&mut map, 5, |v| *v > 1);
        assert_eq!(map.len(), 4, "under the bound: nothing dropped");
        make_room(&mut map, 4, |v| *v > 1);
        assert_eq!(map.len(), 2);
        make_room(&mut map, 2, |_| true);
        assert!(map.is_empty(), "all fresh: everything goes");
    }

    #[test]
    fn visitors_expire_and_none_is_kept_right_after_a_change() {
        let alice = Visitor::from_page(&page(ALICE_NAV, "N")).unwrap();
        let v = Visitors::new(Duration::from_secs(60));
        v.put("c1", alice.clone());
        assert!(v.get("c1").is_some() && v.get("c2").is_none());
        v.wrote("c1");
        assert!(v.get("c1").is_none());
        v.put("c1", alice.clone());
        assert!(v.get("c1").is_none(), "a bar kept right after a change");
        let stale = Visitors::new(Duration::ZERO);
        stale.put("c1", alice.clone());
        assert!(stale.get("c1").is_none());
        stale.wrote("c1");
        stale.put("c1", alice);
        assert!(matches!(stale.lock().get("c1"), Some(Seen::Bar(..))));
    }
}
