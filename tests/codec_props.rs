//! Property tests of two codecs: the keyring entry (`TokenInfo`: base64 of compact JSON, shared
//! with the Python tool) and conda's token file names (`quote_plus` of the URL + `.token`).

use anaconda_token::conda::token_files::{file_name, url_from_file_name};
use anaconda_token::expiry::parse_expiry;
use anaconda_token::secret::Secret;
use anaconda_token::store::{RepoToken, TokenInfo};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::Value;

/// 256 cases (proptest's default; `PROPTEST_CASES` sets another number), no regression files.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The keyring entry.

/// Any text: organization names, tokens and keys as typed, pasted or hand-edited.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9-]{1,20}",
        "[A-Za-z0-9]{8,40}",
        any::<String>(),
        "[ -~]{0,12}",
        "[\"\\\\/ é€😀\u{0}\u{1f}\u{7f}]{0,6}",
    ]
}

/// Expiry texts as stored: ours (RFC 3339), and anything a hand edit may leave.
fn expiry_text() -> impl Strategy<Value = String> {
    prop_oneof![
        expiry().prop_map(|at| at.to_rfc3339()),
        "20[0-9]{2}-(0[1-9]|1[0-2])-[0-2][1-9]",
        text(),
    ]
}

fn expiry() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..4_102_444_800).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

/// JSON values a newer tool might add (no floats: they need not print back the same).
fn extra_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn extras() -> impl Strategy<Value = serde_json::Map<String, Value>> {
    // Names no field of ours has.
    prop::collection::btree_map("x_[a-z]{1,6}", extra_value(), 0..3)
        .prop_map(|m| m.into_iter().collect())
}

fn repo_token() -> impl Strategy<Value = RepoToken> {
    (
        text(),
        prop::option::weighted(0.9, text()),
        prop::option::of(expiry()),
        extras(),
    )
        .prop_map(|(token, org_name, expires_at, other)| {
            let mut record = RepoToken::new("", Secret::new(token), expires_at);
            record.org_name = org_name;
            record.other = other;
            record
        })
}

fn token_info() -> impl Strategy<Value = TokenInfo> {
    (
        prop_oneof!["[a-z]{1,10}\\.(com|cloud)(:[0-9]{1,5})?", text()],
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::vec(repo_token(), 0..4),
        prop::option::of(0u32..5),
        extras(),
    )
        .prop_map(
            |(domain, api_key, username, repo_tokens, version, other)| TokenInfo {
                domain,
                api_key: api_key.map(Secret::new),
                username,
                repo_tokens,
                version,
                other,
            },
        )
}

fn json_of(secret: &str) -> Value {
    serde_json::from_slice(&STANDARD.decode(secret).expect("base64")).expect("JSON")
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// decode(encode(entry)) is the entry (with version 2, which encode writes).
    #[test]
    fn entry_round_trip(info in token_info()) {
        let secret = info.encode();
        let mut want = info.clone();
        want.version = Some(2);
        prop_assert_eq!(TokenInfo::decode(&secret), Ok(want.clone()));
        // Whitespace around the stored secret (a hand-edited file) does not matter.
        prop_assert_eq!(TokenInfo::decode(&format!(" {secret}\n")), Ok(want.clone()));
        // Encoding is stable: the decoded entry encodes to the same secret.
        prop_assert_eq!(want.encode(), secret);
    }

    /// Padded standard base64 of compact JSON, fields in the Python tool's order, absent
    /// optional fields left out (never `null`), added fields kept after ours.
    #[test]
    fn entry_layout(info in token_info()) {
        let secret = info.encode();
        prop_assert!(secret.len() % 4 == 0);
        prop_assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
        let bytes = STANDARD.decode(&secret).unwrap();
        let json = json_of(&secret);
        prop_assert_eq!(
            String::from_utf8(bytes).unwrap(),
            serde_json::to_string(&json).unwrap(),
            "not compact"
        );
        // No API key is stored as the signed-out key: the field is always there.
        let mut want: Vec<&str> = vec!["domain", "api_key"];
        if info.username.is_some() {
            want.push("username");
        }
        want.extend(["repo_tokens", "version"]);
        want.extend(info.other.keys().map(String::as_str));
        prop_assert_eq!(keys(&json), want);
        prop_assert_eq!(&json["version"], &Value::from(2));
        for (t, stored) in info.repo_tokens.iter().zip(json["repo_tokens"].as_array().unwrap()) {
            let mut want = vec!["token"];
            if t.org_name.is_some() {
                want.push("org_name");
            }
            if t.expires_at().is_some() {
                want.push("expires_at");
            }
            want.extend(t.other.keys().map(String::as_str));
            prop_assert_eq!(keys(stored), want);
            prop_assert_eq!(stored["token"].as_str(), Some(t.token.expose()));
        }
    }

    /// A stored expiry is read as a date where it is one, and written back as it was.
    #[test]
    fn stored_expiry_round_trip(text in expiry_text()) {
        let json = serde_json::json!({
            "domain": "d", "api_key": "k",
            "repo_tokens": [{"token": "t", "org_name": "o", "expires_at": text}],
            "version": 2,
        });
        let secret = STANDARD.encode(serde_json::to_string(&json).unwrap());
        let info = TokenInfo::decode(&secret).unwrap();
        prop_assert_eq!(info.repo_tokens[0].expires_at(), parse_expiry(&text));
        prop_assert_eq!(info.encode(), secret);
    }

    /// What the Python tool writes (base64 of its JSON, `null`s included) reads the same.
    #[test]
    fn entry_with_nulls_reads(info in token_info()) {
        let mut json = json_of(&info.encode());
        let object = json.as_object_mut().unwrap();
        for field in ["api_key", "username"] {
            object.entry(field).or_insert(Value::Null);
        }
        let python = STANDARD.encode(serde_json::to_string(&json).unwrap());
        let mut want = info.clone();
        want.version = Some(2);
        prop_assert_eq!(TokenInfo::decode(&python), Ok(want));
    }
}

// ---------------------------------------------------------------------------------------------
// Token file names.

/// Python's `urllib.parse.quote_plus(url, safe="")`: UTF-8 bytes, `A-Z a-z 0-9 _ . - ~` as they
/// are, space as `+`, everything else `%XX`.
fn quote_plus(url: &str) -> String {
    url.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "https://[a-z.]{1,12}(:[0-9]{1,5})?/[a-z/ +%~é日本-]{0,20}",
        "[ +%/:?#&=a-zé€😀]{0,16}",
        prop::sample::select(vec![
            "https://repo.anaconda.cloud/repo/",
            "https://my repo/a+b/%20/",
            "%2B+ %",
            "",
            "   ",
            "++",
            "%%41",
            "https://ünï.example/ρεπο/",
        ])
        .prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Every URL comes back from its file name.
    #[test]
    fn token_file_name_round_trip(u in url()) {
        let name = file_name(&u);
        prop_assert_eq!(url_from_file_name(&name), Some(u.clone()), "{}", &name);
    }

    /// The name is conda's (`quote_plus` + `.token`): a single safe path component.
    #[test]
    fn token_file_name_is_quote_plus(u in url()) {
        let name = file_name(&u);
        prop_assert_eq!(&name, &format!("{}.token", quote_plus(&u)));
        prop_assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-~%+".contains(&b)),
            "{}",
            &name
        );
    }

    /// Names that are not token files are not read as one.
    #[test]
    fn other_names_are_not_token_files(stem in "[a-zA-Z0-9%+._-]{0,20}", ext in "(|\\.tok|\\.tokens|\\.TOKEN|token)") {
        let name = format!("{stem}{ext}");
        prop_assume!(!name.ends_with(".token"));
        prop_assert_eq!(url_from_file_name(&name), None);
    }
}
