//! Proxies from the environment, and conda's index cache cleaned through a fake `conda`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::*;

/// A forward proxy on loopback that answers every request itself with 200 and records the
/// request lines it saw.
fn start_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if line == "\r\n" => break,
                    Ok(_) => {}
                }
            }
            log.lock().unwrap().push(first.trim().to_string());
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (port, seen)
}

#[test]
fn repository_check_goes_through_http_proxy() {
    let (port, seen) = start_proxy();
    let mut home = Home::new();
    // Nothing listens on the repository's port: only the proxy can answer.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    home.set(
        "CONDA_TOKEN_REPO_URL",
        format!("http://localhost:{dead}/repo/"),
    )
    .set("HTTP_PROXY", format!("http://127.0.0.1:{port}"));
    let out = home.install_given("tok-proxy", "acme").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.as_slice(),
        [format!(
            "HEAD http://localhost:{dead}/t/tok-proxy/repo/main/noarch/repodata.json HTTP/1.1"
        )]
    );
}

#[cfg(unix)]
#[test]
fn conda_index_cache_is_cleaned_when_conda_is_found() {
    use std::os::unix::fs::PermissionsExt;
    let api = Api::start();
    let mut home = Home::new();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = home.path().join("conda-calls");
    let conda = bin.join("conda");
    std::fs::write(
        &conda,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", record.display()),
    )
    .unwrap();
    std::fs::set_permissions(&conda, std::fs::Permissions::from_mode(0o755)).unwrap();
    home.with_api(&api)
        .set("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    api.repo_accepts("tok-1");
    home.install_given("tok-1", "acme").assert().success();
    assert_eq!(
        std::fs::read_to_string(&record).unwrap(),
        "clean --index-cache --yes --quiet\n"
    );

    // A failing conda is a warning, not an error.
    std::fs::write(&conda, "#!/bin/sh\nexit 3\n").unwrap();
    let out = home.install_given("tok-1", "acme").output().unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("Warning:"), "{}", stderr(&out));
}
