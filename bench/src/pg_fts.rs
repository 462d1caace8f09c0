//! The baseline search of the search benchmark: PostgreSQL full-text search the
//! way crates.io searches (a weighted `tsvector` ranked with `ts_rank`), plus
//! `pg_trgm` similarity on names so that typos find something, over the same
//! catalogue in a scratch database. Its SQL lives here rather than in
//! `crates/db` because it is the thing Trellis is measured against, not part of
//! Trellis.

use std::time::{Duration, Instant};

use trellis_db::sqlx::{self, AssertSqlSafe, Row};
use trellis_db::Db;

use crate::load::percentile;

/// One catalogue entry as the baseline indexes it.
pub struct Entry {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub keywords: String,
    pub downloads: i64,
}

/// A scratch database holding the catalogue; dropped by [`PgFts::drop`].
pub struct PgFts {
    admin: Db,
    db: Db,
    name: String,
}

impl PgFts {
    /// Creates a scratch database on the server `admin_url` names and loads `entries`.
    pub async fn load(admin_url: &str, tag: &str, entries: &[Entry]) -> PgFts {
        let name = format!("trellis_bench_fts_{}_{tag}", std::process::id());
        let admin = Db::connect(admin_url, 1, Duration::from_secs(10))
            .await
            .expect("postgres");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(admin.pool())
            .await
            .expect("create database");
        let db = Db::connect(
            &crate::events::replace_db(admin_url, &name),
            16,
            Duration::from_secs(10),
        )
        .await
        .expect("scratch database");
        for ddl in [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE TABLE plugins (id TEXT PRIMARY KEY, name TEXT NOT NULL, summary TEXT NOT NULL, \
             keywords TEXT NOT NULL, downloads BIGINT NOT NULL, textsearchable tsvector)",
        ] {
            sqlx::query(AssertSqlSafe(ddl.to_owned()))
                .execute(db.pool())
                .await
                .expect("schema");
        }
        for chunk in entries.chunks(500) {
            let mut tx = db.pool().begin().await.expect("tx");
            for e in chunk {
                sqlx::query(
                    "INSERT INTO plugins (id, name, summary, keywords, downloads) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&e.id)
                .bind(&e.name)
                .bind(&e.summary)
                .bind(&e.keywords)
                .bind(e.downloads)
                .execute(&mut *tx)
                .await
                .expect("insert");
            }
            tx.commit().await.expect("commit");
        }
        for ddl in [
            // crates.io's weights: name A, keywords B, description C.
            "UPDATE plugins SET textsearchable = \
               setweight(to_tsvector('english', name || ' ' || replace(id, '-', ' ')), 'A') || \
               setweight(to_tsvector('english', keywords), 'B') || \
               setweight(to_tsvector('english', summary), 'C')",
            "CREATE INDEX plugins_fts ON plugins USING gin (textsearchable)",
            "CREATE INDEX plugins_trgm ON plugins USING gin (name gin_trgm_ops)",
            "ANALYZE plugins",
        ] {
            sqlx::query(AssertSqlSafe(ddl.to_owned()))
                .execute(db.pool())
                .await
                .expect("index");
        }
        PgFts { admin, db, name }
    }

    /// The ten best ids for `q`: full-text matches by `ts_rank` (then downloads),
    /// else names similar by trigrams (typos).
    pub async fn top10(&self, q: &str) -> Vec<String> {
        top10(&self.db, q).await
    }

    /// Queries per second with `clients` concurrent clients cycling through `queries`
    /// for `dur`, and the p50 / p99 latency.
    pub async fn throughput(
        &self,
        queries: &[String],
        clients: usize,
        dur: Duration,
    ) -> (f64, Duration, Duration) {
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for c in 0..clients {
            let db = self.db.clone();
            let queries = queries.to_vec();
            tasks.spawn(async move {
                let mut lat = Vec::new();
                let mut i = c;
                while start.elapsed() < dur {
                    let t = Instant::now();
                    top10(&db, &queries[i % queries.len()]).await;
                    lat.push(t.elapsed());
                    i += 1;
                }
                lat
            });
        }
        let mut all = Vec::new();
        while let Some(r) = tasks.join_next().await {
            all.extend(r.expect("client"));
        }
        let secs = start.elapsed().as_secs_f64();
        let n = all.len() as f64;
        (
            n / secs,
            percentile(all.clone(), 0.5),
            percentile(all, 0.99),
        )
    }

    /// Drops the scratch database.
    pub async fn drop(self) {
        self.db.pool().close().await;
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {}",
            self.name
        )))
        .execute(self.admin.pool())
        .await
        .expect("drop database");
    }
}

/// See [`PgFts::top10`].
async fn top10(db: &Db, q: &str) -> Vec<String> {
    let rows = sqlx::query(
        "SELECT id FROM ( \
           SELECT id, 2 AS tier, ts_rank(textsearchable, query) AS rank, downloads \
             FROM plugins, plainto_tsquery('english', $1) query \
            WHERE textsearchable @@ query \
           UNION ALL \
           SELECT id, 1 AS tier, similarity(name, $1) AS rank, downloads \
             FROM plugins WHERE name % $1 \
         ) hits ORDER BY tier DESC, rank DESC, downloads DESC LIMIT 10",
    )
    .bind(q)
    .fetch_all(db.pool())
    .await
    .expect("fts query");
    let mut ids: Vec<String> = Vec::new();
    for r in rows {
        let id: String = r.get(0);
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}
