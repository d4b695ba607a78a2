//! Dates as the Python tool's pydantic models read them: the `expires_at` of the service's
//! answers, and of the keyring entry's repository tokens (which it wrote from those answers).

use chrono::{DateTime, NaiveDateTime, Utc};

/// An `expires_at` value of any shape the service may send: text (see [`parse_expiry`]),
/// epoch seconds as a number; anything else is unknown.
pub fn expiry_of(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    match value {
        serde_json::Value::String(text) => parse_expiry(text),
        serde_json::Value::Number(n) => n.as_f64().and_then(from_epoch),
        _ => None,
    }
}

/// Epoch seconds, or milliseconds when larger than 2·10¹⁰, as pydantic reads a number.
fn from_epoch(value: f64) -> Option<DateTime<Utc>> {
    if !value.is_finite() {
        return None;
    }
    let seconds = if value.abs() > 2e10 {
        value / 1000.0
    } else {
        value
    };
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round().min(999_999_999.0) as u32;
    DateTime::from_timestamp(whole as i64, nanos)
}

/// Parses an `expires_at` text the way pydantic's `datetime` does: ISO 8601 with `T`, `t` or a
/// space, seconds and fractions optional, `Z`/`z` or an offset (`+01:00`, `+0100`, `+01`) or no
/// zone (read as UTC); a date alone (midnight UTC); or a number (epoch seconds, see
/// [`from_epoch`]). Hand-written because chrono's RFC 3339 parser wants seconds and a zone.
pub fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let numeric = !text.is_empty()
        && text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || b == b'.' || (i == 0 && matches!(b, b'-' | b'+')));
    if numeric {
        return text.parse::<f64>().ok().and_then(from_epoch);
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|naive| naive.and_utc());
    }
    // One spelling: `T` between date and time, `+00:00` for `Z`.
    let mut normal = text.to_ascii_uppercase();
    if normal.len() > 10 && matches!(normal.as_bytes()[10], b' ' | b'_') {
        normal.replace_range(10..11, "T");
    }
    if let Some(rest) = normal.strip_suffix('Z') {
        normal = format!("{rest}+00:00");
    }
    let with_zone = ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z"];
    if let Some(dt) = with_zone
        .iter()
        .find_map(|f| DateTime::parse_from_str(&normal, f).ok())
    {
        return Some(dt.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&normal, f).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_with_and_without_zone() {
        let utc = parse_expiry("2027-01-31T00:00:00").unwrap();
        assert_eq!(utc.to_rfc3339(), "2027-01-31T00:00:00+00:00");
        assert_eq!(parse_expiry("2027-01-31T00:00:00Z").unwrap(), utc);
        assert_eq!(parse_expiry("2027-01-31T01:00:00+01:00").unwrap(), utc);
        assert_eq!(
            parse_expiry("2027-01-31T00:00:00.123456")
                .unwrap()
                .timestamp(),
            utc.timestamp()
        );
        assert!(parse_expiry("soon").is_none());
        assert_eq!(parse_expiry("2027-01-31").unwrap(), utc);
        assert_eq!(parse_expiry(&utc.timestamp().to_string()).unwrap(), utc);
        assert_eq!(expiry_of(&serde_json::json!(utc.timestamp())).unwrap(), utc);
        assert_eq!(
            expiry_of(&serde_json::json!("2027-01-31T00:00:00Z")).unwrap(),
            utc
        );
        assert!(expiry_of(&serde_json::json!(null)).is_none());
        assert!(expiry_of(&serde_json::json!({"a": 1})).is_none());
    }

    /// What pydantic 2 (anaconda-auth 0.15.3) reads, checked against it by hand.
    #[test]
    fn expiry_as_pydantic_reads_it() {
        let at = |s: &str| parse_expiry(s).map(|d| d.to_rfc3339());
        let utc = Some("2027-01-31T00:00:00+00:00".to_string());
        assert_eq!(at("2027-01-31t00:00:00z"), utc);
        assert_eq!(at("2027-01-31 00:00"), utc);
        assert_eq!(at("2027-01-31T00:00"), utc);
        assert_eq!(at("2027-01-31T02:00:00+0200"), utc);
        assert_eq!(at("2027-01-31T02:00+02:00"), utc);
        assert_eq!(
            at("2027-01-31T00:00:00.1234567Z"),
            Some("2027-01-31T00:00:00.123456700+00:00".into())
        );
        assert_eq!(at("1801440000"), Some("2027-02-01T00:00:00+00:00".into()));
        assert_eq!(at("-5"), Some("1969-12-31T23:59:55+00:00".into()));
        let n = |v: serde_json::Value| expiry_of(&v).map(|d| d.to_rfc3339());
        assert_eq!(
            n(serde_json::json!(1801440000000_i64)),
            n(serde_json::json!(1801440000))
        );
        assert_eq!(
            n(serde_json::json!(1801440000.5)),
            Some("2027-02-01T00:00:00.500+00:00".into())
        );
        for bad in [
            "",
            "soon",
            "inf",
            "NaN",
            "2027-13-01",
            "31/01/2027",
            "1.2.3",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
