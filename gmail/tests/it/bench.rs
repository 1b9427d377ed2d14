//! The bench scenarios run end to end (small, so the suite stays quick) and gmux beats the naive approach.

use gmux_gmail::bench::{run, BenchConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bench_scenarios_report_costs_and_gmux_beats_the_naive_approach() {
    // run() is not Send (the engine is single-threaded like a service worker), so it runs on a local set.
    let config = BenchConfig {
        accounts: 2,
        threads: 12,
        latency_ms: 5,
    };
    let report = tokio::task::LocalSet::new()
        .run_until(run(config))
        .await
        .unwrap();

    let (g, n) = (&report.gmux, &report.naive);
    // Per account: 3 requests for a first sync, 1 for an idle poll, at most 3 for one new message.
    assert_eq!(g.first_sync.http_requests, 6, "{report:?}");
    assert_eq!(g.idle_poll.http_requests, 2, "{report:?}");
    assert_eq!(g.idle_poll.quota_units, 4, "{report:?}");
    assert!(g.one_new_message.http_requests <= 6, "{report:?}");
    // Naive: one list, one get per thread and the counts, every time.
    assert_eq!(n.first_sync.http_requests, 2 * (1 + 12 + 1), "{report:?}");
    assert_eq!(n.idle_poll.http_requests, 2 * (1 + 12 + 1), "{report:?}");
    assert!(g.idle_poll.quota_units < n.idle_poll.quota_units);
    assert!(g.one_new_message.quota_units < n.one_new_message.quota_units);
    assert!(g.first_sync_wall_ms > 0 && n.first_sync_wall_ms > 0);
    assert!(report.table().contains("idle poll"));
}
