//! Library enums offered on the command line. The library knows nothing of
//! clap: each enum names its values and parses them (`FromStr`); here they
//! become clap parsers that list the names in `--help` and refuse others.

use std::str::FromStr;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use headsup::output::Format;
use headsup::pose::{ModelKind, RuntimeChoice};

/// An enum the command line takes by name.
pub trait Choice: FromStr + Clone + Send + Sync + 'static {
    /// The accepted names, in `--help` order, with help where useful.
    fn values() -> Vec<PossibleValue>;
}

/// A clap value parser for `T`: one of [`Choice::values`], then `T::from_str`.
pub fn choice<T: Choice>() -> impl TypedValueParser<Value = T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    PossibleValuesParser::new(T::values()).try_map(|s| s.parse::<T>())
}

impl Choice for ModelKind {
    fn values() -> Vec<PossibleValue> {
        ModelKind::ALL.iter().map(|m| PossibleValue::new(m.name())).collect()
    }
}

impl Choice for RuntimeChoice {
    fn values() -> Vec<PossibleValue> {
        RuntimeChoice::ALL.iter().map(|r| PossibleValue::new(r.name()).help(r.about())).collect()
    }
}

impl Choice for Format {
    fn values() -> Vec<PossibleValue> {
        Format::ALL.iter().map(|f| PossibleValue::new(f.name())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every listed name parses back to its value.
    #[test]
    fn every_listed_name_parses() {
        for m in ModelKind::ALL {
            assert_eq!(m.name().parse::<ModelKind>().ok(), Some(m));
        }
        for r in RuntimeChoice::ALL {
            assert_eq!(r.to_string().parse::<RuntimeChoice>().ok(), Some(r));
        }
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>().ok(), Some(f));
        }
        assert!("medium".parse::<ModelKind>().is_err());
    }
}
