//! Reading result columns by name, and turning driver errors into
//! [`DirectoryError`]s.

use std::error::Error as _;

use portcullis::DirectoryError;
use serde::de::DeserializeOwned;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql, Type};

fn data(message: impl Into<String>) -> DirectoryError {
    DirectoryError::Data(message.into())
}

fn index(row: &Row, name: &str) -> Option<usize> {
    row.columns()
        .iter()
        .position(|column| column.name() == name)
}

/// A column of a type the driver decodes directly; `None` when the query
/// has no such column or it is NULL.
pub(crate) fn get<'a, T: FromSql<'a>>(
    row: &'a Row,
    name: &str,
) -> Result<Option<T>, DirectoryError> {
    let Some(index) = index(row, name) else {
        return Ok(None);
    };
    row.try_get::<_, Option<T>>(index)
        .map_err(|error| data(format!("column `{name}`: {error}")))
}

/// An integer column of any width.
pub(crate) fn int(row: &Row, name: &str) -> Result<Option<i64>, DirectoryError> {
    let Some(index) = index(row, name) else {
        return Ok(None);
    };
    let ty = row
        .columns()
        .get(index)
        .map(|column| column.type_().clone())
        .unwrap_or(Type::UNKNOWN);
    let wrong = |error: tokio_postgres::Error| data(format!("column `{name}`: {error}"));
    Ok(match ty {
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)
            .map_err(wrong)?
            .map(i64::from),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)
            .map_err(wrong)?
            .map(i64::from),
        Type::INT8 => row.try_get::<_, Option<i64>>(index).map_err(wrong)?,
        Type::OID => row
            .try_get::<_, Option<u32>>(index)
            .map_err(wrong)?
            .map(i64::from),
        other => return Err(data(format!("column `{name}`: {other} is not an integer"))),
    })
}

/// A non-negative integer column that must fit `T`.
pub(crate) fn unsigned<T: TryFrom<i64>>(
    row: &Row,
    name: &str,
) -> Result<Option<T>, DirectoryError> {
    match int(row, name)? {
        None => Ok(None),
        Some(value) => T::try_from(value)
            .map(Some)
            .map_err(|_| data(format!("column `{name}`: {value} is out of range"))),
    }
}

/// A JSON value, from a `json`/`jsonb` column or a text column holding
/// JSON.
pub(crate) fn json<T: DeserializeOwned>(
    row: &Row,
    name: &str,
) -> Result<Option<T>, DirectoryError> {
    let Some(index) = index(row, name) else {
        return Ok(None);
    };
    let ty = row
        .columns()
        .get(index)
        .map(|column| column.type_().clone())
        .unwrap_or(Type::UNKNOWN);
    let wrong = |error: &dyn std::fmt::Display| data(format!("column `{name}`: {error}"));
    match ty {
        Type::JSON | Type::JSONB => {
            let Some(value) = row
                .try_get::<_, Option<serde_json::Value>>(index)
                .map_err(|error| wrong(&error))?
            else {
                return Ok(None);
            };
            serde_json::from_value(value)
                .map(Some)
                .map_err(|error| wrong(&error))
        }
        _ => {
            let Some(text) = row
                .try_get::<_, Option<&str>>(index)
                .map_err(|error| wrong(&error))?
            else {
                return Ok(None);
            };
            serde_json::from_str(text)
                .map(Some)
                .map_err(|error| wrong(&error))
        }
    }
}

/// An integer parameter in the width the statement declares.
pub(crate) fn int_param(
    ty: Option<&Type>,
    value: i64,
) -> Result<Box<dyn ToSql + Sync + Send>, DirectoryError> {
    let narrow = |error: std::num::TryFromIntError| data(format!("parameter {value}: {error}"));
    Ok(match ty {
        Some(&Type::INT2) => Box::new(i16::try_from(value).map_err(narrow)?),
        Some(&Type::INT4) => Box::new(i32::try_from(value).map_err(narrow)?),
        Some(&Type::OID) => Box::new(u32::try_from(value).map_err(narrow)?),
        Some(&Type::TEXT | &Type::VARCHAR) => Box::new(value.to_string()),
        _ => Box::new(value),
    })
}

/// SQLSTATE classes that mean "the server cannot answer now": connection
/// exceptions (08), transaction rollback (40), insufficient resources (53),
/// program limits (54), operator intervention such as a statement timeout
/// or a shutdown (57), system errors (58).
const TRANSIENT_CLASSES: [&str; 6] = ["08", "40", "53", "54", "57", "58"];

/// A driver error as a directory error: the server's fault or absence is
/// [`DirectoryError::Unavailable`]; a query or row the directory cannot use
/// is [`DirectoryError::Data`].
pub(crate) fn driver(error: &tokio_postgres::Error) -> DirectoryError {
    if let Some(code) = error.code() {
        let code = code.code();
        let class = code.get(..2).unwrap_or_default();
        return if TRANSIENT_CLASSES.contains(&class) {
            DirectoryError::Unavailable(format!("PostgreSQL: {error} ({code})"))
        } else {
            data(format!("PostgreSQL: {} ({code})", db_message(error)))
        };
    }
    let io = error
        .source()
        .is_some_and(|source| source.is::<std::io::Error>());
    if error.is_closed() || io {
        DirectoryError::Unavailable(format!("PostgreSQL connection: {error}"))
    } else {
        data(format!("PostgreSQL: {error}"))
    }
}

fn db_message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => error.to_string(),
    }
}
