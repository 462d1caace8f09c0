//! The pages' resources, encoded the way server functions are.
//!
//! A resource's value travels from the server to the browser inside the page and
//! a server function's answer over HTTP; the browser decodes both. Leptos decodes
//! the first with `serde_json::from_str` and the second with `from_slice`, and each
//! is its own copy of every type's decoder in the browser bundle. [`Json`] decodes
//! resources from bytes too, so a type that is both (most page data) has one copy.
//! Pages create their resources with [`new`] (and [`new_blocking`]) instead of
//! `Resource::new`.

use std::future::Future;

use leptos::prelude::Resource;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// JSON, decoded from bytes like a server function's answer.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A page's resource (what `Resource<T>` is elsewhere).
pub type Res<T> = Resource<T, Json>;

/// `Resource::new`: loads `fetcher(source())` on the server, sends the value
/// with the page, and loads again in the browser when `source()` changes.
#[track_caller]
pub fn new<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Res<T>
where
    S: Send + Sync + Clone + PartialEq + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// `Resource::new_blocking`: like [`new`], and the response waits for it.
#[track_caller]
pub fn new_blocking<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Res<T>
where
    S: Send + Sync + Clone + PartialEq + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, true)
}
