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

mod doc_examples {
    //! Every JSON example in PROTOCOL.md is labelled with what it is; each must read into its type in
    //! `gmux_core::protocol`, name only fields the type has, keep its values through a round trip, and the
    //! examples of a type together must name every field it has.

    use gmux_core::protocol::{
        method, Account, AccountsAddFailed, AccountsAdded, Endpoints, ErrorBody, Method,
        ReauthData, Reply, Request,
    };
    use serde::de::{DeserializeOwned, Visitor};
    use serde::Serialize;
    use serde_json::Value;
    use std::collections::{BTreeMap, BTreeSet};

    /// The field names of a struct, as serde's derive declares them.
    fn fields<T: DeserializeOwned>() -> &'static [&'static str] {
        struct Capture<'a>(&'a mut Option<&'static [&'static str]>);
        impl<'de> serde::Deserializer<'de> for Capture<'_> {
            type Error = serde::de::value::Error;
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _name: &'static str,
                fields: &'static [&'static str],
                _visitor: V,
            ) -> Result<V::Value, Self::Error> {
                *self.0 = Some(fields);
                Err(serde::de::Error::custom("captured"))
            }
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(serde::de::Error::custom("not a struct"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
                option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
            }
        }
        let mut captured = None;
        let _ = T::deserialize(Capture(&mut captured));
        captured.expect("a struct")
    }

    /// The labelled ```json blocks of PROTOCOL.md, by label. An unlabelled block is an error: it would go
    /// unchecked.
    fn examples() -> BTreeMap<String, Vec<Value>> {
        let doc = include_str!("../../PROTOCOL.md");
        let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut lines = doc.lines();
        while let Some(line) = lines.next() {
            let Some(label) = line.strip_prefix("```json") else {
                continue;
            };
            let label = label.trim();
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            assert!(!label.is_empty(), "an unlabelled JSON example: {body:?}");
            let body = body.join("\n");
            let value: Value = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("example {label:?} is not JSON ({e}): {body}"));
            out.entry(label.to_string()).or_default().push(value);
        }
        out
    }

    /// Checks the examples of one type; returns the type's name for the report.
    fn check<T: Serialize + DeserializeOwned>(what: &str, examples: &[Value]) {
        assert!(!examples.is_empty(), "PROTOCOL.md has no example of {what}");
        let fields: BTreeSet<&str> = fields::<T>().iter().copied().collect();
        let mut named = BTreeSet::new();
        for example in examples {
            let object = example
                .as_object()
                .unwrap_or_else(|| panic!("{what}: not an object: {example}"));
            let typed: T = serde_json::from_value(example.clone())
                .unwrap_or_else(|e| panic!("{what}: {example} does not read ({e})"));
            let again = serde_json::to_value(&typed).unwrap();
            for (key, value) in object {
                assert!(
                    fields.contains(key.as_str()),
                    "{what}: {key:?} is no field of the type (it has {fields:?})"
                );
                assert_eq!(
                    &again[key], value,
                    "{what}: {key:?} does not survive a round trip"
                );
                named.insert(key.clone());
            }
        }
        let missing: Vec<&&str> = fields.iter().filter(|f| !named.contains(**f)).collect();
        assert!(
            missing.is_empty(),
            "{what}: no example in PROTOCOL.md shows {missing:?}"
        );
    }

    fn take(all: &mut BTreeMap<String, Vec<Value>>, label: &str) -> Vec<Value> {
        all.remove(label).unwrap_or_default()
    }

    fn method<M: Method>(all: &mut BTreeMap<String, Vec<Value>>) -> (Vec<Value>, Vec<Value>) {
        let params = take(all, &format!("{} params", M::NAME));
        let results = take(all, &format!("{} result", M::NAME));
        check::<M::Params>(&format!("{} params", M::NAME), &params);
        check::<M::Result>(&format!("{} result", M::NAME), &results);
        (params, results)
    }

    #[test]
    fn every_example_reads_into_its_type_and_the_examples_name_every_field() {
        let mut all = examples();
        let (_, hello) = method::<method::Hello>(&mut all);
        let (_, listed) = method::<method::AccountsList>(&mut all);
        method::<method::AccountsAdd>(&mut all);
        method::<method::AccountsRemove>(&mut all);
        let (_, updated) = method::<method::AccountsUpdate>(&mut all);
        method::<method::TokenGet>(&mut all);
        let added = take(&mut all, "event accounts.added");
        check::<AccountsAdded>("event accounts.added", &added);
        check::<AccountsAddFailed>(
            "event accounts.add_failed",
            &take(&mut all, "event accounts.add_failed"),
        );
        check::<Request>("request", &take(&mut all, "request"));
        let replies = take(&mut all, "reply");
        check::<Reply>("reply", &replies);

        // The nested types: every account shown, the endpoints, the error bodies and their data.
        let accounts: Vec<Value> = listed
            .iter()
            .flat_map(|r| r["accounts"].as_array().cloned().unwrap_or_default())
            .chain(updated.iter().map(|r| r["account"].clone()))
            .chain(added.iter().map(|e| e["account"].clone()))
            .collect();
        check::<Account>("Account", &accounts);
        let endpoints: Vec<Value> = hello.iter().map(|h| h["endpoints"].clone()).collect();
        check::<Endpoints>("Endpoints", &endpoints);
        let errors: Vec<Value> = replies
            .iter()
            .filter_map(|r| r.get("error").cloned())
            .collect();
        check::<ErrorBody>("ErrorBody", &errors);
        let reauth: Vec<Value> = errors
            .iter()
            .filter(|e| e["code"] == "reauth_required")
            .filter_map(|e| e.get("data").cloned())
            .collect();
        check::<ReauthData>("ReauthData", &reauth);

        assert!(
            all.is_empty(),
            "examples with a label no test reads: {:?}",
            all.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_capability_hello_lists_is_a_method_the_host_has() {
        let env = crate::harness::HostEnv::new();
        let mut host = env.start();
        let hello = host.call_ok("hello", serde_json::json!({}));
        let listed = hello["capabilities"].as_array().unwrap().clone();
        assert_eq!(listed.len(), gmux_core::protocol::CAPABILITIES.len());
        for name in listed {
            let reply = host.call(name.as_str().unwrap(), serde_json::json!({}));
            assert_ne!(reply["error"]["code"], "method_unknown", "{name}: {reply}");
        }
    }
}
