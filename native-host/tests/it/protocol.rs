//! Framing, dispatch and garbage input against the real binary.

use crate::harness::{frame, HostEnv, DEADLINE};
use serde_json::{json, Value};

fn error_code(reply: &Value) -> &str {
    reply["error"]["code"].as_str().unwrap_or("")
}

#[test]
fn hello_works_without_any_config() {
    let env = HostEnv::new();
    let mut host = env.start();
    let hello = host.call_ok("hello", json!({"protocol": 1}));
    assert_eq!(hello["protocol"], 1);
    assert_eq!(hello["host_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(hello["configured"], false);
    assert_eq!(hello["endpoints"]["gmail"], "https://gmail.googleapis.com");
    assert!(hello["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "token.get"));
    // No params at all is fine too.
    assert_eq!(host.call_ok("hello", Value::Null)["protocol"], 1);
    let (_, status) = host.finish();
    assert!(status.success());
}

#[test]
fn a_newer_protocol_is_refused_with_a_stable_code() {
    let env = HostEnv::new();
    let mut host = env.start();
    let err = host.call_err("hello", json!({"protocol": 99}));
    assert_eq!(err["code"], "unsupported_protocol_version");
    let err = host.call_err("no.such.method", json!({}));
    assert_eq!(err["code"], "method_unknown");
}

#[test]
fn garbage_frames_get_error_replies_and_the_host_keeps_serving() {
    let cases: &[(&str, &[u8])] = &[
        ("invalid json", b"{this is not json"),
        ("invalid utf-8", b"{\"id\":1,\"method\":\"\xff\xfe\"}"),
        ("not an object", b"[1,2,3]"),
        ("empty payload", b""),
    ];
    for (name, payload) in cases {
        let env = HostEnv::new();
        let mut host = env.start();
        host.write_raw(&frame(payload));
        let reply = host
            .next_frame(DEADLINE)
            .unwrap_or_else(|| panic!("{name}: no reply"));
        assert_eq!(reply["id"], Value::Null, "{name}");
        assert_eq!(error_code(&reply), "request_malformed", "{name}");
        // Still serving after the garbage.
        assert_eq!(host.call_ok("hello", json!({}))["protocol"], 1, "{name}");
        let (_, status) = host.finish();
        assert!(status.success(), "{name}");
        assert!(!host.stderr().contains("panicked"), "{name}");
    }
}

#[test]
fn a_request_without_method_is_answered_with_its_id() {
    let env = HostEnv::new();
    let mut host = env.start();
    host.write_raw(&frame(br#"{"id":"abc","params":{}}"#));
    let reply = host.next_frame(DEADLINE).unwrap();
    assert_eq!(reply["id"], "abc");
    assert_eq!(error_code(&reply), "request_malformed");
}

#[test]
fn a_truncated_frame_ends_the_host_cleanly_after_earlier_replies() {
    for cut in [1usize, 3, 10] {
        let env = HostEnv::new();
        let mut host = env.start();
        let hello = json!({"id": 1, "method": "hello"}).to_string();
        let mut bytes = frame(hello.as_bytes());
        let partial = frame(hello.as_bytes());
        bytes.extend_from_slice(&partial[..cut]);
        host.write_raw(&bytes);
        let (frames, status) = host.finish();
        assert!(status.success(), "cut {cut}");
        assert_eq!(frames.len(), 1, "cut {cut}: {frames:?}");
        assert_eq!(frames[0]["id"], 1);
        assert!(!host.stderr().contains("panicked"));
    }
}

#[test]
fn a_length_of_0xffffffff_is_refused_and_the_host_exits_cleanly() {
    let env = HostEnv::new();
    let mut host = env.start();
    host.write_raw(&[0xff, 0xff, 0xff, 0xff, b'{', b'}']);
    let (frames, status) = host.finish();
    assert!(status.success());
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(error_code(&frames[0]), "message_too_large");
    assert!(!host.stderr().contains("panicked"));
}

#[test]
fn an_oversized_frame_a_browser_could_send_is_skipped_and_serving_continues() {
    let env = HostEnv::new();
    let mut host = env.start();
    let big = vec![b' '; gmux_core::protocol::MAX_BROWSER_TO_HOST + 1];
    host.write_raw(&frame(&big));
    let reply = host.next_frame(DEADLINE).unwrap();
    assert_eq!(error_code(&reply), "message_too_large");
    assert_eq!(host.call_ok("hello", json!({}))["protocol"], 1);
}

#[test]
fn every_reply_is_flushed_before_exit_on_eof() {
    // Many requests written at once, stdin closed straight away: every one must be answered.
    for _round in 0..5 {
        let env = HostEnv::new();
        let mut host = env.start();
        let mut bytes = Vec::new();
        for id in 0..200 {
            let method = if id % 2 == 0 {
                "hello"
            } else {
                "accounts.list"
            };
            bytes.extend(frame(
                json!({"id": id, "method": method}).to_string().as_bytes(),
            ));
        }
        host.write_raw(&bytes);
        let (frames, status) = host.finish();
        assert!(status.success());
        let mut ids: Vec<i64> = frames.iter().map(|f| f["id"].as_i64().unwrap()).collect();
        ids.sort();
        assert_eq!(ids, (0..200).collect::<Vec<_>>());
        assert!(
            frames.iter().all(|f| f.get("result").is_some()),
            "{frames:?}"
        );
    }
}

#[test]
fn the_host_writes_nothing_but_frames_and_logs_to_its_state_dir() {
    let env = HostEnv::new();
    let mut host = env.start();
    host.call_ok("hello", json!({}));
    host.write_raw(&frame(b"garbage"));
    let (frames, status) = host.finish();
    assert!(status.success());
    assert_eq!(frames.len(), 1);
    assert!(env.state_dir().join("gmux-host.log").exists());
}

#[test]
fn chrome_and_firefox_style_arguments_start_native_messaging() {
    let env = HostEnv::new();
    for args in [
        vec![format!(
            "chrome-extension://{}/",
            gmux_core::ids::CHROME_EXTENSION_ID
        )],
        vec![
            "/tmp/x/dev.gmux.host.json".to_string(),
            "gmux@gmux.dev".to_string(),
        ],
    ] {
        let mut host = crate::harness::Host::spawn(env.command().args(&args));
        assert_eq!(host.call_ok("hello", json!({}))["protocol"], 1);
        let (_, status) = host.finish();
        assert!(status.success());
    }
}

use proptest::prelude::Strategy as _;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// Arbitrary bytes on the real binary's stdin: it never panics or hangs, writes only well-formed frames
    /// (each an error reply or a reply), and exits 0 when stdin closes.
    #[test]
    fn arbitrary_stdin_gets_error_replies_or_a_clean_exit(
        chunks in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64).prop_map(|p: Vec<u8>| frame(&p)),
                proptest::prelude::Just(frame(br#"{"id":1,"method":"hello"}"#)),
            ],
            0..6,
        )
    ) {
        let env = HostEnv::new();
        let mut host = env.start();
        host.write_raw(&chunks.concat());
        let (frames, status) = host.finish();
        proptest::prop_assert!(status.success());
        for f in frames {
            proptest::prop_assert!(f.get("result").is_some() || f.get("error").is_some(), "{}", f);
        }
        proptest::prop_assert!(!host.stderr().contains("panicked"));
    }
}

#[test]
fn a_damaged_config_file_does_not_break_the_handshake() {
    let env = HostEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(env.config_dir().join("config.json"), b"{ half a file").unwrap();
    let mut host = env.start();
    assert_eq!(host.call_ok("hello", json!({}))["configured"], false);
    let err = host.call_err("accounts.add", json!({}));
    assert_eq!(err["code"], "oauth_client_not_configured");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("gmux-host configure"),
        "{err}"
    );
}

#[test]
fn protocol_md_documents_every_error_code_and_no_other() {
    let doc = include_str!("../../PROTOCOL.md");
    let table = &doc[doc.find("## Error codes").unwrap()..];
    let table = &table[..table[3..]
        .find("\n## ")
        .map(|i| i + 3)
        .unwrap_or(table.len())];
    let documented: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let codes: Vec<&str> = gmux_core::protocol::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        documented, codes,
        "PROTOCOL.md's table must list every code, in order"
    );
}
