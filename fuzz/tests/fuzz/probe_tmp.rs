use gmux_gmail::api::*;
#[test]
fn probe_big() {
    for mb in [1usize, 2, 4] {
        let s = "\\\"".repeat(mb * 1024 * 1024 / 2);
        let input = format!("{{\"id\":\"INBOX\",\"threadsUnread\":\"{s}\"}}");
        let t = std::time::Instant::now();
        let _ = serde_json::from_str::<serde_json::Value>(&input);
        let a = t.elapsed();
        let t = std::time::Instant::now();
        let _ = gmux_gmail::client::decode_json::<Label>(input.as_bytes());
        let b = t.elapsed();
        let t = std::time::Instant::now();
        let _ = gmux_gmail::ApiError::from_parts(400, &[], input.as_bytes());
        let c = t.elapsed();
        let t = std::time::Instant::now();
        let _ = (super::gmail_json::TARGET.check)(input.as_bytes());
        println!("{mb} MB: value {a:?} label {b:?} apierror {c:?} whole check {:?}", t.elapsed());
    }
}
