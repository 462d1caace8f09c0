//! Describes a migrated SQLite database from `sqlite_master` and the `pragma_table_info`,
//! `pragma_index_list`, `pragma_index_info` and `pragma_foreign_key_list` functions.

use std::collections::BTreeMap;

use trellis_db::sqlx::{self, any::AnyRow, Row};
use trellis_db::Db;

use super::{normalise_default, Column, Schema, AUTO_INCREMENT, SQLX_TABLE};

/// The class of a declared SQLite type, by SQLite's own affinity rules
/// (<https://www.sqlite.org/datatype3.html#determination_of_column_affinity>), named so
/// that it lines up with [`super::postgres::type_class`]. Every SQLite integer is 64-bit.
pub fn type_class(declared: &str) -> String {
    let t = declared.to_ascii_uppercase();
    let class = if t.contains("INT") {
        "integer"
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|k| t.contains(k)) {
        "text"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "blob"
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|k| t.contains(k)) {
        "real"
    } else {
        "numeric"
    };
    class.to_string()
}

async fn rows(db: &Db, sql: &'static str, arg: Option<&str>) -> Vec<AnyRow> {
    let q = sqlx::query(sql);
    let q = match arg {
        Some(a) => q.bind(a.to_string()),
        None => q,
    };
    q.fetch_all(db.pool())
        .await
        .unwrap_or_else(|e| panic!("SQLite catalogue query failed: {e}\n{sql}"))
}

fn text(r: &AnyRow, col: &str) -> String {
    r.try_get::<String, _>(col)
        .unwrap_or_else(|e| panic!("column {col}: {e}"))
}

fn opt_text(r: &AnyRow, col: &str) -> Option<String> {
    r.try_get::<Option<String>, _>(col)
        .unwrap_or_else(|e| panic!("column {col}: {e}"))
}

fn int(r: &AnyRow, col: &str) -> i64 {
    r.try_get::<i64, _>(col)
        .unwrap_or_else(|e| panic!("column {col}: {e}"))
}

/// Number of `CHECK (` clauses in a `CREATE TABLE` statement.
fn count_checks(sql: &str) -> usize {
    let upper = sql.to_ascii_uppercase();
    upper
        .match_indices("CHECK")
        .filter(|(at, _)| {
            let before = upper[..*at].chars().next_back();
            let after = upper[at + 5..].trim_start();
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') && after.starts_with('(')
        })
        .count()
}

/// The schema of a migrated SQLite database.
pub async fn sqlite_schema(db: &Db) -> Schema {
    let mut s = Schema::new("SQLite");
    let tables: Vec<(String, String)> = rows(
        db,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name",
        None,
    )
    .await
    .iter()
    .map(|r| (text(r, "name"), text(r, "sql")))
    .filter(|(name, _)| name != SQLX_TABLE)
    .collect();

    let mut primary_keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, sql) in &tables {
        s.table(table);
        let upper = sql.to_ascii_uppercase();
        let cols = rows(
            db,
            "SELECT cid, name, type, \"notnull\" AS not_null, dflt_value, pk \
             FROM pragma_table_info($1) ORDER BY cid",
            Some(table),
        )
        .await;
        let mut pk: Vec<(i64, String)> = cols
            .iter()
            .filter(|r| int(r, "pk") > 0)
            .map(|r| (int(r, "pk"), text(r, "name")))
            .collect();
        pk.sort();
        let pk: Vec<String> = pk.into_iter().map(|(_, n)| n).collect();
        // `INTEGER PRIMARY KEY` makes the column the rowid: never NULL, filled in when
        // omitted; with AUTOINCREMENT the ids of deleted rows are never handed out again.
        let rowid_alias = match pk.as_slice() {
            [only] => {
                cols.iter().any(|r| {
                    text(r, "name") == *only && text(r, "type").eq_ignore_ascii_case("INTEGER")
                }) && !upper.contains("WITHOUT ROWID")
            }
            _ => false,
        };
        for r in &cols {
            let name = text(r, "name");
            let is_rowid = rowid_alias && pk[0] == name;
            let default = if is_rowid {
                Some(if upper.contains("AUTOINCREMENT") {
                    AUTO_INCREMENT.to_string()
                } else {
                    "rowid without AUTOINCREMENT (ids of deleted rows may be reused)".into()
                })
            } else {
                opt_text(r, "dflt_value").map(|d| normalise_default(&d))
            };
            s.column(Column {
                table,
                name: &name,
                class: type_class(&text(r, "type")),
                not_null: int(r, "not_null") == 1 || is_rowid,
                default,
            });
        }
        if !pk.is_empty() {
            s.primary_key(table, &pk);
        }
        s.checks(table, count_checks(sql));
        for ix in rows(
            db,
            "SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list($1)",
            Some(table),
        )
        .await
        {
            let name = text(&ix, "name");
            let columns: Vec<String> = rows(
                db,
                "SELECT seqno, name FROM pragma_index_info($1) ORDER BY seqno",
                Some(&name),
            )
            .await
            .iter()
            .map(|r| opt_text(r, "name").unwrap_or_else(|| "<expression>".into()))
            .collect();
            match text(&ix, "origin").as_str() {
                "pk" => {}
                "u" => s.unique(table, &columns),
                _ => s.index(
                    table,
                    &name,
                    &columns,
                    int(&ix, "is_unique") == 1,
                    int(&ix, "partial") == 1,
                ),
            }
        }
        primary_keys.insert(table.clone(), pk);
    }

    for (table, _) in &tables {
        // id → (columns, parent, parent columns, on delete, on update)
        type Fk = (Vec<String>, String, Vec<Option<String>>, String, String);
        let mut fks: BTreeMap<i64, Fk> = BTreeMap::new();
        for r in rows(
            db,
            "SELECT id, seq, \"table\" AS parent, \"from\" AS child_col, \"to\" AS parent_col, \
             on_update, on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq",
            Some(table),
        )
        .await
        {
            let fk = fks.entry(int(&r, "id")).or_insert_with(|| {
                (
                    Vec::new(),
                    text(&r, "parent"),
                    Vec::new(),
                    text(&r, "on_delete"),
                    text(&r, "on_update"),
                )
            });
            fk.0.push(text(&r, "child_col"));
            fk.2.push(opt_text(&r, "parent_col"));
        }
        for (columns, parent, parent_cols, on_delete, on_update) in fks.into_values() {
            // `REFERENCES parent` without columns means the parent's primary key.
            let parent_cols: Vec<String> = if parent_cols.iter().all(Option::is_none) {
                primary_keys.get(&parent).cloned().unwrap_or_default()
            } else {
                parent_cols
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect()
            };
            s.foreign_key(
                table,
                &columns,
                &parent,
                &parent_cols,
                &on_delete,
                &on_update,
            );
        }
    }

    for r in rows(
        db,
        "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('view', 'trigger')",
        None,
    )
    .await
    {
        match text(&r, "type").as_str() {
            "view" => s.view(&text(&r, "name")),
            _ => s.trigger(&text(&r, "name"), &text(&r, "tbl_name")),
        }
    }
    s
}

#[test]
fn checks_are_counted() {
    assert_eq!(
        count_checks("CREATE TABLE t (a TEXT CHECK (a IN ('x')), b BIGINT, CHECK(b > 0))"),
        2
    );
    assert_eq!(
        count_checks("CREATE TABLE t (rechecked BIGINT, checks TEXT)"),
        0
    );
}
