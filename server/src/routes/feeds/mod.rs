//! Calendar feeds (issue 18 item 4, INT-2, the read-only half): subscribable `.ics` feeds that
//! Google Calendar, Outlook and Apple Calendar poll, each behind a secret token.
//!
//! * `/api/entreprise/flux-calendrier/`: the owner's feeds of the business (`business`), of
//!   one resource (`resource`) or of the busy times (`free_busy`, of the business or of one
//!   resource); a staff member's of their own resource only;
//! * `/api/client/flux-calendrier/`: the client's feed of their own reservations;
//! * `GET /calendrier/{token}.ics` ([`serve`]): the feed itself, public by token.
//!
//! A token is 256 random bits, URL-safe, shown once (at creation and at each rotation) and
//! stored only as its SHA-256; rotating replaces it (the old one answers 404 at once),
//! revoking ends the feed. An unknown, rotated or revoked token answers the same 404.
//! What the feed says is [`ics`]'s.

mod ics;
mod manage;
mod serve;

pub use self::manage::{CalendarFeedOut, NewCalendarFeed};

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    manage::router().merge(serve::router())
}
