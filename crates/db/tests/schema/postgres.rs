//! Describes a migrated PostgreSQL database (its current schema) from
//! `information_schema` and `pg_catalog`. Every value is cast to `text` or `int8` in SQL,
//! the types sqlx's `Any` driver decodes.

use std::collections::BTreeMap;

use trellis_db::sqlx::{self, any::AnyRow, Row};
use trellis_db::Db;

use super::{normalise_default, Column, Schema, AUTO_INCREMENT, SQLX_TABLE};

/// The class of a PostgreSQL `information_schema.columns.data_type`, named to line up
/// with [`super::sqlite::type_class`]. Only `bigint` is `integer`: SQLite integers are
/// 64-bit, so a 32- or 16-bit column is a difference worth seeing.
pub fn type_class(data_type: &str) -> String {
    match data_type {
        "bigint" => "integer",
        "integer" => "integer (32-bit)",
        "smallint" => "integer (16-bit)",
        "text" | "character varying" | "character" => "text",
        "bytea" => "blob",
        "real" | "double precision" => "real",
        "numeric" => "numeric",
        other => other,
    }
    .to_string()
}

/// `pg_constraint.confdeltype` / `confupdtype` in SQL words.
fn action(code: &str) -> &'static str {
    match code {
        "a" => "no action",
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        _ => "?",
    }
}

async fn rows(db: &Db, sql: &'static str) -> Vec<AnyRow> {
    sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL catalogue query failed: {e}\n{sql}"))
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

fn list(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').map(str::to_string).collect()
    }
}

/// Key columns of a constraint (`conkey`) or index (`indkey`), in order, comma-separated.
macro_rules! key_columns {
    ($keys:literal, $rel:literal, $extra:literal) => {
        concat!(
            "array_to_string(ARRAY(SELECT COALESCE(a.attname::text, '<expression>') \
             FROM unnest(",
            $keys,
            ") WITH ORDINALITY AS k(num, ord) \
             LEFT JOIN pg_attribute a ON a.attrelid = ",
            $rel,
            " AND a.attnum = k.num ",
            $extra,
            " ORDER BY k.ord), ',')"
        )
    };
}

const TABLES: &str = "SELECT table_name::text AS name FROM information_schema.tables \
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1";

const COLUMNS: &str = "SELECT table_name::text AS tbl, column_name::text AS name, \
     data_type::text AS data_type, is_nullable::text AS nullable, \
     column_default::text AS dflt, is_identity::text AS is_identity, \
     identity_generation::text AS generation \
     FROM information_schema.columns WHERE table_schema = current_schema() \
     ORDER BY table_name, ordinal_position";

const CONSTRAINTS: &str = concat!(
    "SELECT t.relname::text AS tbl, c.contype::text AS kind, ",
    key_columns!("c.conkey", "c.conrelid", ""),
    " AS cols, COALESCE(f.relname::text, '') AS parent, ",
    key_columns!("c.confkey", "c.confrelid", ""),
    " AS parent_cols, c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update \
     FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
     JOIN pg_namespace n ON n.oid = t.relnamespace \
     LEFT JOIN pg_class f ON f.oid = c.confrelid \
     WHERE n.nspname = current_schema()"
);

const INDEXES: &str = concat!(
    "SELECT t.relname::text AS tbl, i.relname::text AS name, \
     ix.indisunique::int::int8 AS is_unique, (ix.indpred IS NOT NULL)::int::int8 AS partial, \
     (EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid \
     AND c.conrelid = ix.indrelid))::int::int8 AS backs_constraint, ",
    key_columns!(
        "ix.indkey::int2[]",
        "ix.indrelid",
        "WHERE k.ord <= ix.indnkeyatts"
    ),
    " AS cols FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
     JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE n.nspname = current_schema()"
);

const VIEWS_AND_TRIGGERS: &str = "SELECT 'view' AS kind, table_name::text AS name, '' AS tbl \
     FROM information_schema.views WHERE table_schema = current_schema() \
     UNION ALL SELECT 'trigger', tg.tgname::text, t.relname::text FROM pg_trigger tg \
     JOIN pg_class t ON t.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE NOT tg.tgisinternal AND n.nspname = current_schema()";

/// The schema of a migrated PostgreSQL database.
pub async fn postgres_schema(db: &Db) -> Schema {
    let mut s = Schema::new("PostgreSQL");
    let ours = |table: &str| table != SQLX_TABLE;
    for r in rows(db, TABLES).await {
        let name = text(&r, "name");
        if ours(&name) {
            s.table(&name);
        }
    }
    for r in rows(db, COLUMNS).await {
        let table = text(&r, "tbl");
        if !ours(&table) {
            continue;
        }
        let dflt = opt_text(&r, "dflt");
        let default = if text(&r, "is_identity") == "YES" {
            match opt_text(&r, "generation").as_deref() {
                Some("ALWAYS") => Some(format!(
                    "{AUTO_INCREMENT} (GENERATED ALWAYS: explicit ids refused)"
                )),
                _ => Some(AUTO_INCREMENT.to_string()),
            }
        } else if dflt.as_deref().is_some_and(|d| d.starts_with("nextval(")) {
            Some(AUTO_INCREMENT.to_string())
        } else {
            dflt.map(|d| normalise_default(&d))
        };
        s.column(Column {
            table: &table,
            name: &text(&r, "name"),
            class: type_class(&text(&r, "data_type")),
            not_null: text(&r, "nullable") == "NO",
            default,
        });
    }
    let mut checks: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows(db, CONSTRAINTS).await {
        let table = text(&r, "tbl");
        if !ours(&table) {
            continue;
        }
        let cols = list(&text(&r, "cols"));
        match text(&r, "kind").as_str() {
            "p" => s.primary_key(&table, &cols),
            "u" => s.unique(&table, &cols),
            "f" => s.foreign_key(
                &table,
                &cols,
                &text(&r, "parent"),
                &list(&text(&r, "parent_cols")),
                action(&text(&r, "on_delete")),
                action(&text(&r, "on_update")),
            ),
            "c" => *checks.entry(table).or_default() += 1,
            // PostgreSQL 18 records NOT NULL as constraints; the columns cover it.
            "n" => {}
            other => {
                s.facts
                    .insert(format!("constraint of kind `{other}` on {table}"));
            }
        }
    }
    for (table, n) in checks {
        s.checks(&table, n);
    }
    for r in rows(db, INDEXES).await {
        let table = text(&r, "tbl");
        if ours(&table) && int(&r, "backs_constraint") == 0 {
            s.index(
                &table,
                &text(&r, "name"),
                &list(&text(&r, "cols")),
                int(&r, "is_unique") == 1,
                int(&r, "partial") == 1,
            );
        }
    }
    for r in rows(db, VIEWS_AND_TRIGGERS).await {
        match text(&r, "kind").as_str() {
            "view" => s.view(&text(&r, "name")),
            _ => s.trigger(&text(&r, "name"), &text(&r, "tbl")),
        }
    }
    s
}
