//! Multi-row INSERTs, so a 100,000-row import is a few hundred statements, not 100,000.

use super::Backend;
use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Transaction};

/// One bound value; imports only need text and integers.
#[derive(Debug, Clone)]
pub enum Param {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<String> for Param {
    fn from(s: String) -> Self {
        Param::Text(Some(s))
    }
}
impl From<Option<String>> for Param {
    fn from(s: Option<String>) -> Self {
        Param::Text(s)
    }
}
impl From<&str> for Param {
    fn from(s: &str) -> Self {
        Param::Text(Some(s.to_string()))
    }
}
impl From<i64> for Param {
    fn from(i: i64) -> Self {
        Param::Int(Some(i))
    }
}

/// Rows per statement: 500 × ≤ 12 columns stays far below both backends' parameter limits.
const ROWS_PER_STATEMENT: usize = 500;

/// Runs `head VALUES (…), (…) tail` for all `rows` (each of `head`'s column count) inside `tx`.
/// Returns the number of rows the database reports as affected.
///
/// SQLite gets anonymous `?` placeholders: sqlx resolves numbered ones by scanning every parameter
/// name for each bind, which is quadratic in a 4,500-parameter statement (85% of an import's time).
pub async fn insert_rows(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    head: &str,
    tail: &str,
    rows: &[Vec<Param>],
) -> Result<u64, sqlx::Error> {
    let mut affected = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * 40);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut args = AnyArguments::default();
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (j, value) in row.iter().enumerate() {
                if j > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => {
                        sql.push('$');
                        sql.push_str(&n.to_string());
                    }
                }
                match value {
                    Param::Text(t) => args.add(t.clone()),
                    Param::Int(v) => args.add(*v),
                }
                .map_err(sqlx::Error::Encode)?;
            }
            sql.push(')');
        }
        sql.push(' ');
        sql.push_str(tail);
        // Not kept in the connection's statement cache: each row count is a different statement,
        // and the cache of them (up to a hundred, up to 500 rows each) held about 4 MiB after a
        // call storm, never to be used again (`scripts/bench-flood.sh`: heap 47 → 43 MiB).
        let done = sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
            .persistent(false)
            .execute(&mut **tx)
            .await?;
        affected += done.rows_affected();
    }
    Ok(affected)
}
