//! The rating summary of a plugin or one of its versions: count, average,
//! distribution and the Bayesian average search ranking uses.

use super::*;
use crate::rules::*;

/// The Bayesian average of `count` reviews summing `sum` stars, with a prior of
/// [`PRIOR_VOTES`] reviews at `mean`.
pub fn bayesian(count: i64, sum: i64, mean: f64) -> f64 {
    (PRIOR_VOTES * mean + sum as f64) / (PRIOR_VOTES + count.max(0) as f64)
}

/// The rating summary of a plugin, or of one of its versions.
pub async fn rating(
    state: &AppState,
    plugin_id: &str,
    version: Option<&str>,
) -> AppResult<RatingOut> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let distribution = db::distribution(&mut c, &p.id, version).await?;
    let (all_n, all_sum) = db::totals(&mut c).await?;
    let prior_mean = if all_n > 0 {
        all_sum as f64 / all_n as f64
    } else {
        DEFAULT_MEAN
    };
    let count: i64 = distribution.iter().sum();
    let sum: i64 = distribution
        .iter()
        .enumerate()
        .map(|(i, n)| (i as i64 + 1) * n)
        .sum();
    Ok(RatingOut {
        plugin: p.id,
        version: version.map(str::to_owned),
        count,
        average: (count > 0).then(|| sum as f64 / count as f64),
        distribution,
        bayesian_average: bayesian(count, sum, prior_mean),
        prior_votes: PRIOR_VOTES,
        prior_mean,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_prior_pulls_few_reviews_to_the_mean() {
        assert!((super::bayesian(0, 0, 3.5) - 3.5).abs() < 1e-9);
        // One 5-star review: (5*3 + 5) / 6.
        assert!((super::bayesian(1, 5, 3.0) - 20.0 / 6.0).abs() < 1e-9);
    }
}
