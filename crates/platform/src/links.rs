//! `Links`: the public URLs that service results carry (a version's download
//! URL). The route table lives in the server, so the server supplies the one
//! implementation; services only ask for a link.

/// Builds public URLs of resources.
pub trait Links: Send + Sync + std::fmt::Debug {
    /// The URL that downloads one version of a plugin.
    fn download_url(&self, plugin_id: &str, version: &str) -> String;
}
