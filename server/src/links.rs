//! The public URLs of resources, next to the route table they point into
//! (`api::routes`): the one implementation of `trellis_platform::links::Links`.

use trellis_platform::links::Links;

/// Links under the instance's public URL.
#[derive(Debug, Clone)]
pub struct RestLinks {
    base: String,
}

impl RestLinks {
    pub fn new(public_url: &url::Url) -> RestLinks {
        RestLinks {
            base: public_url.as_str().trim_end_matches('/').to_owned(),
        }
    }
}

impl Links for RestLinks {
    fn download_url(&self, plugin_id: &str, version: &str) -> String {
        format!(
            "{}/api/v1/plugins/{plugin_id}/versions/{version}/download",
            self.base
        )
    }
}
