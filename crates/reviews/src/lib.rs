//! Reviews and ratings of plugins (docs/registry.md, "Reviews and ratings").
//!
//! Modules: [`reviews`] (write, change, delete, read and list reviews),
//! [`responses`] (publisher replies, helpful votes, abuse reports),
//! [`rating`] (the summary and its Bayesian average), [`trend`] (average
//! stars per month), [`dashboard`] (the publisher dashboard's overview, reviews
//! waiting for a reply, what a viewer did among a page of reviews), `rules`
//! (the checks and lookups they share), [`text`] (cleaning user text).
//!
//! A signed-in user reviews a plugin once (1-5 stars, a title, a text, the
//! version they used and, optionally, the plugin API version they ran it
//! with), and may change or delete their review; admins may delete any. A
//! member of the plugin's namespace may reply once per review (and change or
//! remove the reply), but never review their own plugins. Other users mark
//! reviews helpful (once each, never their own; a vote can be withdrawn) and
//! report them for abuse (once each, never their own). Every list and summary
//! is public. A review a moderator hid (`trellis-moderation`) is in no list,
//! summary or trend, and cannot be voted on, replied to or reported; only its
//! author and admins still read it ([`get_as`]), with the moderator's note.
//!
//! Rules, decided here so REST, server functions and the CLI cannot disagree:
//! - **Scopes.** Reads need no sign-in. Writes come from a browser session or a
//!   token with the `publish` scope: a review is content published under the
//!   user's name, and a `read` token must never change anything (the rule the
//!   token services follow). A `read` token gets `403 insufficient_scope`.
//! - **Which versions.** A review is of one of the plugin's packaged versions
//!   (yanked ones included: someone used them); by default the latest version
//!   that is not yanked. Catalogue entries imported without packages (the demo
//!   seed, `trellis import`) have no such version and cannot be reviewed
//!   (`422` on `version`).
//! - **Texts** are plain text, cleaned by [`text`]: title 1..=120 characters,
//!   text and reply 1..=5000, report text at most 1000.
//! - **Rate limit.** At most [`WRITES_PER_HOUR`] review writes (create, change,
//!   reply, report) per user per hour, counted in the write's own transaction
//!   (a refused write counts nothing): `429 rate_limited` with `Retry-After`.
//! - **Events.** Every change writes its event in its transaction: `review.created`,
//!   `review.updated`, `review.deleted`, `review.replied`, `review.voted` (a vote
//!   changes the helpful count, a state others see), `review.reported`
//!   (admins only). Their subject is the plugin, so the search index re-reads
//!   it and ranks by the new rating.
//! - **Bad input changes nothing:** a second review (`409`), stars outside 1-5,
//!   empty or oversized texts, an unknown version or API version (`422`),
//!   reviewing one's own plugin, replying to another namespace's plugin,
//!   voting on or reporting one's own review (`403`), voting or reporting twice
//!   (`409`).
//! - **Rating summary** ([`rating`]): count, mean, distribution, and the
//!   Bayesian average `(m·C + Σstars) / (m + n)` with `m` = [`PRIOR_VOTES`] and
//!   `C` the mean of every review on the instance (3.0 while there is none),
//!   the same formula search ranking applies.

pub mod dashboard;
pub mod rating;
pub mod responses;
pub mod reviews;
mod rules;
pub mod text;
pub mod trend;

pub use rating::{bayesian, rating};
pub use responses::{delete_reply, reply, report, unvote, vote};
pub use reviews::{create, delete, get, get_as, list, update};
pub use rules::to_out;
pub use trend::trend;

use trellis_db::plugins::{PluginRow, VersionRow};
use trellis_db::reviews::{self as db, NewReview, ReviewRow, Sort};
use trellis_db::{now, DbError};
use trellis_events::catalogue as ev;
use trellis_platform::events::{actor as event_actor, emit};
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{
    ErrorCode, FieldError, RatingOut, ReplyIn, ReplyOut, ReportIn, ReportOut, ReviewIn, ReviewOut,
    ReviewPatch, Scope,
};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 120;
/// Longest review text or reply, in characters.
pub const MAX_TEXT: usize = 5000;
/// Longest report text, in characters.
pub const MAX_REPORT_TEXT: usize = 1000;
/// Review writes (create, change, reply, report) a user may make per hour.
pub const WRITES_PER_HOUR: i64 = 10;
/// Reviews listed per page, at most.
pub const MAX_PAGE: i64 = 100;
/// The Bayesian prior's weight, in reviews (search ranking uses the same).
pub const PRIOR_VOTES: f64 = 5.0;
/// The prior's mean while the instance has no review.
pub const DEFAULT_MEAN: f64 = 3.0;
/// Report reasons.
pub const REASONS: [&str; 4] = ["spam", "abuse", "off_topic", "other"];

pub(crate) const NOT_SAVED: &str = "The review was not saved: fix the fields listed.";
