//! What the official plugins share (a library, not a plugin): [`notifier`] is the chat
//! notifiers' common part, [`outcome`] records the last call to the service an integration
//! talks to and turns it into its health, [`filed`] the events an integration filed
//! something for.

pub mod filed;
pub mod notifier;
pub mod outcome;
