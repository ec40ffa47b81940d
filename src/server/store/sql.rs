//! SQL that runs on SQLite and PostgreSQL alike. Both take `$n` placeholders, so fixed
//! queries are written with them; queries put together at run time use `QueryBuilder`,
//! which numbers its own.

use std::fmt::{Display, Write};

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::QueryAs;
use sqlx::{Any, Arguments, Encode, FromRow, Type};

pub(super) struct QueryBuilder {
    sql: String,
    args: AnyArguments<'static>,
    binds: usize,
}

impl QueryBuilder {
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            args: AnyArguments::default(),
            binds: 0,
        }
    }

    pub fn push(&mut self, sql: impl Display) -> &mut Self {
        write!(self.sql, "{sql}").expect("writing to a String");
        self
    }

    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Encode<'static, Any> + Type<Any>,
    {
        // Encoding into the driver-neutral value only copies it: it does not fail for the
        // text, integer and boolean values the store binds.
        self.args
            .add(value)
            .expect("a text, integer or boolean value");
        self.binds += 1;
        write!(self.sql, "${}", self.binds).expect("writing to a String");
        self
    }

    /// Puts the query so far between `before` and `after` (a subquery of them).
    pub fn wrap(&mut self, before: &str, after: &str) -> &mut Self {
        self.sql.insert_str(0, before);
        self.sql.push_str(after);
        self
    }

    pub fn build_query_as<T>(&mut self) -> QueryAs<'_, Any, T, AnyArguments<'_>>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        sqlx::query_as_with(&self.sql, std::mem::take(&mut self.args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut q = QueryBuilder::new("SELECT * FROM t WHERE a = ");
        q.push_bind(1_i64).push(" AND b IN (");
        for (i, v) in ["x", "y"].into_iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(v);
        }
        q.push(")");
        assert_eq!(q.sql, "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)");
        assert_eq!(q.binds, 2 + 1);
    }
}
