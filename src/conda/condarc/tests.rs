use super::file::decode;
use super::lines::line_spans;
use super::render::render_scalar;
use super::*;
use crate::error::Error;
use crate::fs::Locks;

fn doc(text: &str) -> Condarc {
    Condarc::parse(Path::new("/home/u/.condarc"), text).unwrap()
}

fn channels() -> Vec<String> {
    ["https://x/main", "https://x/r", "https://x/msys2"]
        .map(String::from)
        .to_vec()
}

const CHANNELS_BLOCK: &str =
    "default_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n";

fn set_channels(text: &str) -> String {
    let mut d = doc(text);
    d.set_list("default_channels", &channels());
    d.render()
}

/// One before/after case of a table in `tests/fixtures/condarc/`: JSON, so that CRLF, a lone
/// CR, a byte-order mark and a missing final newline are spelled out.
#[derive(serde::Deserialize)]
struct Case {
    #[serde(default)]
    name: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: String,
    before: String,
    after: String,
}

fn cases(table: &str) -> Vec<Case> {
    serde_json::from_str(table).expect("a valid table of cases")
}

#[test]
fn set_list_cases() {
    let table = include_str!("../../../tests/fixtures/condarc/set_list.json");
    for case in cases(table) {
        assert_eq!(set_channels(&case.before), case.after, "{}", case.name);
    }
}

/// Files with every construct we could think of. Each edit of each key (and of a new key)
/// must leave valid YAML in which every other key reads as before.
const CORPUS: &[&str] = &[
    "",
    "# only\n\n# comments\n",
    "{}\n",
    "--- ~\n",
    "%YAML 1.1\n---\na: 1\n...\n# after the end\n",
    "channels: [defaults]  # flow\nssl_verify: \"true\"\n# the end\n",
    "# top\r\nchannels:\r\n  - defaults # x\r\n\r\nssl_verify: false",
    "a: 1\rb: [x]\r# c\r",
    "default_channels:  # mine\n- a\n# between\n- b\n# about z\nz: 'it''s'\n",
    "text: |+\n  kept\n\n# c\nplain: one\n  two\n  three\nq: \"multi\n  line\"\n",
    "? explicit\n: value\nanchored: &x [1, 2]\nalias: *x\nk: v\n",
    "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\n\n\"quoted key\": {a: [1, {b: c}]}\nempty:\nlast: x",
    "  indented: 1\n  # c\n  second: [a]\n",
    "{a: 1, b: [x, y], c: 'q'}  # c\n",
    "\u{feff}bom: true\n",
    "nulls:\n-\n-\nafter: 1\n",
];

/// Every key's value as text, to compare.
fn values(d: &Condarc) -> Vec<(String, Option<Vec<String>>, Option<String>)> {
    d.doc
        .entries
        .iter()
        .filter_map(|e| e.name.clone())
        .map(|k| (k.clone(), d.get_list(&k), d.get_scalar(&k)))
        .collect()
}

/// The three edits tried on every key of the corpus.
#[derive(Clone, Copy, Debug)]
enum Op {
    SetList,
    SetScalar,
    Remove,
}

impl Op {
    fn apply(self, d: &mut Condarc, key: &str) {
        match self {
            Op::SetList => d.set_list(key, &channels()),
            Op::SetScalar => d.set_scalar(key, "false"),
            Op::Remove => {
                d.remove(key);
            }
        }
    }

    /// Whether `key` in the edited document reads as this edit made it.
    fn took(self, again: &Condarc, key: &str) -> bool {
        match self {
            Op::SetList => again.get_list(key) == Some(channels()),
            Op::SetScalar => again.get_scalar(key).as_deref() == Some("false"),
            Op::Remove => !again.contains(key),
        }
    }
}

#[test]
fn edits_keep_other_keys() {
    for text in CORPUS {
        let original = doc(text);
        let mut keys: Vec<String> = values(&original).into_iter().map(|(k, ..)| k).collect();
        keys.push("default_channels".into());
        keys.push("new_key".into());
        for key in &keys {
            for op in [Op::SetList, Op::SetScalar, Op::Remove] {
                check_edit(&original, text, key, op);
            }
        }
    }
}

/// One edit of one key: valid YAML, every other key as before, the key as set, and no comment
/// lost except inside the value that changed.
fn check_edit(original: &Condarc, text: &str, key: &str, op: Op) {
    let mut d = original.clone();
    op.apply(&mut d, key);
    let what = format!("{op:?} on {key} in {text:?}");
    if key == "anchored" {
        // Its anchor is used by `alias`: the edit is refused, nothing changes.
        assert!(d.broken.is_some() && !d.is_changed(), "{what}");
        return;
    }
    assert!(d.broken.is_none(), "{what}: {:?}", d.broken);
    let again = Condarc::parse(Path::new("x"), &d.render())
        .unwrap_or_else(|e| panic!("{what}: {e}\n{}", d.render()));
    let after = values(&again);
    for (k, list, scalar) in values(original) {
        if k != key {
            let now = after.iter().find(|(n, _, _)| *n == k);
            assert_eq!(now, Some(&(k.clone(), list, scalar)), "{what}");
        }
    }
    assert!(op.took(&again, key), "{what}");
    for comment in ["# c", "# the end", "# about z", "# after the end", "# only"] {
        if text.contains(comment)
            && !value_lines_hold(original, key, comment)
            && !text.starts_with('{')
        {
            assert!(d.render().contains(comment), "{what}: lost {comment}");
        }
    }
}

/// Whether the lines of `key` and its value in `d` hold `text`.
fn value_lines_hold(d: &Condarc, key: &str, text: &str) -> bool {
    d.doc.entry(key).is_some_and(|e| {
        let lines = line_spans(&d.text);
        let from = lines[e.first_line].start;
        let to = lines.get(e.end_line).map_or(d.text.len(), |l| l.start);
        d.text[from..to].contains(text)
    })
}

#[test]
fn already_right_is_unchanged() {
    for text in [
        CHANNELS_BLOCK,
        "# c\ndefault_channels: [https://x/main, https://x/r, 'https://x/msys2']  # flow\n",
        "default_channels:\n- https://x/main\n- https://x/r\n- https://x/msys2",
    ] {
        let mut d = doc(text);
        d.set_list("default_channels", &channels());
        assert!(!d.is_changed(), "{text:?}");
        assert_eq!(d.render(), text);
    }
    // Same items in another order is a change.
    let mut d = doc("default_channels: [https://x/r, https://x/main, https://x/msys2]\n");
    d.set_list("default_channels", &channels());
    assert!(d.is_changed());
}

#[test]
fn set_scalar_cases() {
    let table = include_str!("../../../tests/fixtures/condarc/set_scalar.json");
    for Case {
        key,
        value,
        before,
        after,
        ..
    } in cases(table)
    {
        let mut d = doc(&before);
        d.set_scalar(&key, &value);
        assert_eq!(d.render(), after, "{key}={value} in {before:?}");
        assert_eq!(d.get_scalar(&key), Some(value));
    }
    let mut d = doc("ssl_verify: false  # keep\n");
    d.set_scalar("ssl_verify", "false");
    assert!(!d.is_changed());
}

#[test]
fn remove_cases() {
    let cases: &[(&str, &str)] = &[
        (
            "a: 1\n# about dc\ndefault_channels:\n  - a\n  # inner\n  - b\n  # trailing inner\n\n# about b\nb: 2\n",
            "a: 1\n# about dc\n\n# about b\nb: 2\n",
        ),
        ("a: 1\ndefault_channels: [x]\n# end\n", "a: 1\n# end\n"),
        ("a: 1\ndefault_channels:\n  - x", "a: 1"),
        ("a: 1\r\ndefault_channels:\r\n  - x\r\n", "a: 1\r\n"),
        ("default_channels:\n  - a\n", "{}\n"),
        (
            "# mine\ndefault_channels: [a]  # x\n# end\n",
            "# mine\n{}\n# end\n",
        ),
        ("{a: 1, default_channels: [x]}\n", "a: 1\n"),
    ];
    for (before, after) in cases {
        let mut d = doc(before);
        assert!(d.remove("default_channels"), "{before:?}");
        assert_eq!(d.render(), *after, "{before:?}");
        assert!(!d.contains("default_channels"));
    }
    for text in ["", "# c\n", "{}\n", "a: 1\nb: [x]"] {
        let mut d = doc(text);
        assert!(!d.remove("default_channels"));
        assert!(!d.is_changed());
        assert_eq!(d.render(), text);
    }
}

#[test]
fn set_then_remove_then_set() {
    let mut d = doc("");
    d.set_scalar("add_anaconda_token", "true");
    d.set_list("default_channels", &channels());
    assert!(d.remove("add_anaconda_token"));
    assert_eq!(d.render(), CHANNELS_BLOCK);
    assert!(d.remove("default_channels"));
    assert_eq!(d.render(), "{}\n");
    d.set_scalar("ssl_verify", "false");
    assert_eq!(d.render(), "ssl_verify: false\n");
}

#[test]
fn get_values() {
    let d = doc(concat!(
        "block:\n  - a  # c\n  - 'b c'\n  - \"d\\te\"\n",
        "flow: [x, \"y\", 'z']\n",
        "\"quoted key\": 'it''s'\n",
        "plain: /path/ca.pem\n",
        "boolean: true\n",
        "empty:\n",
        "empty_list: []\n",
        "nested: [[a]]\n",
        "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\n",
        "map: {a: 1}\n",
    ));
    assert_eq!(
        d.get_list("block"),
        Some(vec!["a".into(), "b c".into(), "d\te".into()])
    );
    assert_eq!(
        d.get_list("flow"),
        Some(vec!["x".into(), "y".into(), "z".into()])
    );
    assert_eq!(d.get_list("empty_list"), Some(vec![]));
    assert_eq!(d.get_list("nested"), None);
    assert_eq!(d.get_list("channel_settings"), None);
    assert_eq!(d.get_list("plain"), None);
    assert_eq!(d.get_list("absent"), None);
    assert_eq!(d.get_scalar("quoted key").as_deref(), Some("it's"));
    assert_eq!(d.get_scalar("plain").as_deref(), Some("/path/ca.pem"));
    assert_eq!(d.get_scalar("boolean").as_deref(), Some("true"));
    assert_eq!(d.get_scalar("empty").as_deref(), Some(""));
    assert_eq!(d.get_scalar("flow"), None);
    assert_eq!(d.get_scalar("map"), None);
    assert_eq!(d.get_scalar("absent"), None);
    assert!(d.contains("channel_settings"));
    assert!(!d.contains("absent"));
}

#[test]
fn get_map_values() {
    fn pairs(items: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
    let d = doc(concat!(
        "proxy_servers:\n  # corporate\n  https: http://p:8080  # c\n  'http': \"http://u:p@q:3128\"\n",
        "flow: {b: 2, a: 1, c: 'x y'}\n",
        "empty_map: {}\n",
        "empty_value:\n  http:\n  https: h\n",
        "nested: {a: {b: c}}\n",
        "list_value:\n  a: [1]\n",
        "complex_key: {[a]: b}\n",
        "anchored: &x {a: b}\n",
        "aliased: {a: *x}\n",
        "list: [a, b]\n",
        "scalar: s\n",
    ));
    assert_eq!(
        d.get_map("proxy_servers"),
        pairs(&[("https", "http://p:8080"), ("http", "http://u:p@q:3128")])
    );
    assert_eq!(
        d.get_map("flow"),
        pairs(&[("b", "2"), ("a", "1"), ("c", "x y")])
    );
    assert_eq!(d.get_map("empty_map"), pairs(&[]));
    assert_eq!(
        d.get_map("empty_value"),
        pairs(&[("http", ""), ("https", "h")])
    );
    assert_eq!(d.get_map("anchored"), pairs(&[("a", "b")]));
    for key in [
        "nested",
        "list_value",
        "complex_key",
        "aliased",
        "list",
        "scalar",
        "absent",
    ] {
        assert_eq!(d.get_map(key), None, "{key}");
    }
    assert_eq!(d.get_list("flow"), None);
    assert_eq!(d.get_scalar("flow"), None);
}

#[test]
fn mapping_values_are_edited_as_before() {
    let mut d = doc("proxy_servers:  # ours\n  http: a\n  https: b\nother: 1\n");
    d.set_scalar("proxy_servers", "x");
    assert_eq!(d.render(), "proxy_servers: x  # ours\nother: 1\n");
    let mut d = doc("proxy_servers: {http: a}\nother: 1\n");
    d.set_list("proxy_servers", &["a".to_string()]);
    assert_eq!(d.render(), "proxy_servers:\n  - a\nother: 1\n");
    assert!(d.remove("proxy_servers"));
    assert_eq!(d.render(), "other: 1\n");
}

#[test]
fn empty_documents_are_empty_mappings() {
    for text in [
        "",
        "\n",
        "# only a comment\n",
        "---\n",
        "~\n",
        "{}\n",
        "--- {}\n...",
    ] {
        let d = doc(text);
        assert!(!d.contains("a"), "{text:?}");
        assert!(!d.is_changed());
    }
}

#[test]
fn invalid_yaml_names_line_and_column() {
    let cases: &[(&str, &str)] = &[
        ("a: [1, 2\n", "line 2, column 1: "),
        ("key: value\n  bad: indent: x\n", "line 2, column 6: "),
        ("- a\n", "line 1, column 1: the top level is a list"),
        (
            "just text\n",
            "line 1, column 1: the top level is a single value",
        ),
        ("a: 1\n---\nb: 2\n", "line 2, column 1: a second document"),
        (
            "a: 1\nb: 2\n'a': 3\n",
            "line 3, column 1: duplicate key \"a\"",
        ),
        ("a:\n\tb: 1\n", "line 2, column "),
    ];
    for (text, want) in cases {
        match Condarc::parse(Path::new("/h/.condarc"), text) {
            Err(Error::InvalidFile {
                path,
                what,
                detail,
                hint,
            }) => {
                assert_eq!(path, Path::new("/h/.condarc"));
                assert_eq!(what, "YAML file");
                assert!(detail.starts_with(want), "{text:?}: {detail}");
                assert!(hint.is_none());
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn plain_or_quoted() {
    for plain in [
        "true",
        "https://x/main",
        "/p/ca.pem",
        "-1",
        "a:b",
        "a#b",
        "ünï",
    ] {
        assert_eq!(render_scalar(plain), plain);
    }
    for (value, quoted) in [
        ("", "\"\""),
        ("a: b", "\"a: b\""),
        (" x", "\" x\""),
        ("x #y", "\"x #y\""),
        ("- x", "\"- x\""),
        ("*x", "\"*x\""),
        ("a\"b\\\n", "\"a\\\"b\\\\\\n\""),
        ("x:", "\"x:\""),
    ] {
        assert_eq!(render_scalar(value), quoted);
        // Read back, it is the same text.
        let d = doc(&format!("k: {quoted}\n"));
        assert_eq!(d.get_scalar("k").as_deref(), Some(value));
    }
}

#[test]
fn load_missing_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let d = Condarc::load(&dir.path().join(".condarc")).unwrap();
    assert_eq!(d.render(), "");
    assert!(!d.contains("default_channels"));
}

#[test]
fn nul_and_control_characters_are_invalid() {
    for (text, at) in [
        ("a: b\0c\n", "line 1, column 5"),
        ("a: 1\nb: \u{1b}[2J\n", "line 2"),
    ] {
        let err = decode(Path::new("rc"), text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("special characters are not allowed"), "{err}");
        assert!(err.contains(at), "{err}");
    }
    assert!(decode(Path::new("rc"), "a: é\t\u{feff}\n".as_bytes()).is_ok());
}

#[test]
fn load_rejects_non_utf8() {
    let (_dir, path) = condarc_with(b"a: 1\nb: \xff\n");
    match Condarc::load(&path) {
        Err(Error::InvalidFile { detail, .. }) => {
            assert!(detail.starts_with("line 2, column 4: "), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A temporary folder with a `.condarc` holding `content`.
fn condarc_with(content: impl AsRef<[u8]>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".condarc");
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

fn locks(dir: &tempfile::TempDir) -> Locks {
    Locks::new(dir.path().join("locks"))
}

#[test]
fn edit_writes_backup_and_keeps_mode() {
    let old = "# mine\r\nchannels: [defaults]\r\nssl_verify: false";
    let (dir, path) = condarc_with(old);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let answer = edit(&locks(&dir), &path, |c| {
        c.set_scalar("add_anaconda_token", "true");
        Ok(c.get_list("channels"))
    })
    .unwrap();
    assert_eq!(answer, Some(vec!["defaults".to_string()]));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# mine\r\nchannels: [defaults]\r\nssl_verify: false\r\nadd_anaconda_token: true"
    );
    let bak = dir.path().join(".condarc.bak");
    assert_eq!(std::fs::read_to_string(&bak).unwrap(), old);
    #[cfg(unix)]
    {
        assert_eq!(mode_of(&path), 0o640);
        assert_eq!(mode_of(&bak), 0o640);
    }
}

#[test]
fn edit_without_change_writes_nothing() {
    let (dir, path) = condarc_with("ssl_verify: false\n");
    edit(&locks(&dir), &path, |c| {
        c.set_scalar("ssl_verify", "false");
        Ok(())
    })
    .unwrap();
    assert!(!dir.path().join(".condarc.bak").exists());
    // A missing file that stays empty is not created.
    let missing = dir.path().join("other");
    edit(&locks(&dir), &missing, |c| Ok(c.remove("x"))).unwrap();
    assert!(!missing.exists());
}

#[test]
fn edit_creates_missing_file_without_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env").join(".condarc");
    edit(&locks(&dir), &path, |c| {
        c.set_list("default_channels", &channels());
        Ok(())
    })
    .unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CHANNELS_BLOCK);
    assert!(!dir.path().join("env").join(".condarc.bak").exists());
}

#[test]
fn edit_leaves_invalid_file_untouched() {
    let bad = b"key: value\n  bad: indent: x\n";
    let (dir, path) = condarc_with(bad);
    let mut called = false;
    let r = edit(&locks(&dir), &path, |c| {
        called = true;
        c.set_scalar("a", "b");
        Ok(())
    });
    assert!(matches!(r, Err(Error::InvalidFile { .. })), "{r:?}");
    assert!(!called);
    assert_eq!(std::fs::read(&path).unwrap(), bad);
    assert!(!dir.path().join(".condarc.bak").exists());
}

#[test]
fn edit_error_from_change_writes_nothing() {
    let (dir, path) = condarc_with("a: 1\n");
    let r: Result<()> = edit(&locks(&dir), &path, |c| {
        c.set_scalar("a", "2");
        Err(Error::msg("no"))
    });
    assert!(r.is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "a: 1\n");
}

#[test]
fn edit_refuses_a_change_that_breaks_an_alias() {
    let text = "default_channels: &ch [a]\nchannels: *ch\n";
    let (dir, path) = condarc_with(text);
    let r = edit(&locks(&dir), &path, |c| {
        c.set_list("default_channels", &channels());
        Ok(())
    });
    assert!(matches!(r, Err(Error::Message { .. })), "{r:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[cfg(unix)]
#[test]
fn a_backup_that_is_a_link_is_replaced_not_followed() {
    let (dir, path) = condarc_with("a: 1\n");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "root-only content").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join(".condarc.bak")).unwrap();
    edit(&locks(&dir), &path, |c| {
        c.set_scalar("a", "2");
        Ok(())
    })
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "root-only content"
    );
    let bak = dir.path().join(".condarc.bak");
    assert!(std::fs::symlink_metadata(&bak).unwrap().is_file());
    assert_eq!(std::fs::read_to_string(&bak).unwrap(), "a: 1\n");
    // No lock file is left beside the user's file.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [".condarc", ".condarc.bak", "locks", "victim"]);
}
