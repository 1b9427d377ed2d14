//! Threads read by id: `threads.get` (metadata) for many ids in batches, as the sync and the views both need.
//! Below both, so neither imports the other for it.

use crate::api::Thread;
use crate::batch::BatchCall;
use crate::client::GmailClient;
use crate::error::{ApiError, GmailError};
use gmux_core::inbox::ThreadRow;

#[derive(Default)]
pub(crate) struct Fetched {
    pub(crate) rows: Vec<ThreadRow>,
    /// The threads the rows were made from, for the added messages' headers.
    pub(crate) threads: Vec<Thread>,
}

/// threads.get metadata for each id, in batches. A thread Gmail no longer has (404) is simply absent.
pub(crate) async fn fetch_threads(
    client: &GmailClient,
    ids: &[String],
) -> Result<Fetched, GmailError> {
    let calls: Vec<BatchCall> = ids
        .iter()
        .map(|id| BatchCall::get(GmailClient::thread_metadata_path(id)))
        .collect();
    let parts = client.batch(&calls).await?;
    let mut rows = Vec::with_capacity(parts.len());
    let mut threads = Vec::with_capacity(parts.len());
    // Answers come back in the order asked; an answer about another thread than the one asked for is not
    // trusted (it would add a row nobody asked for, or a duplicate).
    for (id, part) in ids.iter().zip(parts) {
        match part.status {
            200..=299 => {
                let thread: crate::api::Thread = crate::client::decode_json(&part.body)?;
                if thread.id == *id {
                    rows.push(thread.to_row(client.account()));
                    threads.push(thread);
                }
            }
            404 => {}
            status => {
                return Err(GmailError::Api(ApiError::from_parts(
                    status,
                    &part.headers,
                    &part.body,
                )))
            }
        }
    }
    Ok(Fetched { rows, threads })
}
