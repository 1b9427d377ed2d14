//! What the pages ask (`runtime.onMessage`, a [`gmux_core::messages::Intent`]), answered with an
//! [`IntentReply`] (a [`gmux_core::messages::BackgroundStatus`] for `status`).

use gmux_core::inbox::SyncHealth;
use gmux_core::messages::{Intent, IntentReply, ThreadAction};
use gmux_gmail::sync::health_sentence;
use gmux_gmail::{optimistic_row, GmailError};
use serde_json::json;
use wasm_bindgen::JsValue;

use super::{host, loaded, store, with};
use crate::browser::{self, BrowserError};
use crate::host_client::RequestError;

pub async fn answer(message: JsValue) -> Result<JsValue, BrowserError> {
    let intent = browser::from_js::<Intent>(message)?;
    if intent == Intent::Status {
        host::settled().await;
        return browser::to_js(&store::status_reply());
    }
    let reply = handle(intent).await;
    browser::to_js(&reply)
}

fn host_failure(e: RequestError) -> IntentReply {
    match e {
        RequestError::Host { body, .. } => IntentReply::failed(body.code.as_str(), body.message),
        RequestError::Disconnected(reason) => IntentReply::failed(
            "host_unavailable",
            format!("gmux-host is not connected ({reason}): open the gmux popup to see what to do"),
        ),
    }
}

fn host_down() -> IntentReply {
    IntentReply::failed(
        "host_unavailable",
        "gmux-host is not connected: open the gmux popup to see what to do",
    )
}

async fn handle(intent: Intent) -> IntentReply {
    if !host::settled().await {
        return host_down();
    }
    match intent {
        Intent::Status => IntentReply::ok(),
        Intent::SyncNow => {
            store::sync_all().await;
            IntentReply::ok()
        }
        Intent::Action {
            account,
            thread,
            action,
        } => act(&account, &thread, action).await,
        Intent::AddAccount => add_account(None).await,
        Intent::Reconnect { account } => {
            let email = with(|bg| {
                bg.accounts
                    .iter()
                    .find(|a| a.id == account || a.email == account)
                    .map(|a| a.email.clone())
            });
            add_account(Some(email.unwrap_or(account))).await
        }
        Intent::RemoveAccount { account } => {
            match host::request("accounts.remove", json!({ "account": account })).await {
                Ok(_) => {
                    with(|bg| bg.store.remove_account(&account));
                    refreshed().await
                }
                Err(e) => host_failure(e),
            }
        }
        Intent::SetColor { account, color } => {
            match host::request(
                "accounts.update",
                json!({ "account": account, "color": color }),
            )
            .await
            {
                Ok(_) => refreshed().await,
                Err(e) => host_failure(e),
            }
        }
        Intent::SetPollMinutes { minutes } => match store::set_poll_minutes(minutes).await {
            Ok(()) => IntentReply::ok(),
            Err(e) => IntentReply::failed(
                "storage_failed",
                format!("the setting could not be saved: {e}"),
            ),
        },
    }
}

/// Re-reads the account list after a change to it, and says so.
async fn refreshed() -> IntentReply {
    match store::refresh_accounts().await {
        Ok(()) => IntentReply::ok(),
        Err(e) => host_failure(e),
    }
}

/// Starts the host's consent flow and opens Google's page in a tab; the host's `accounts.added` event finishes it.
async fn add_account(login_hint: Option<String>) -> IntentReply {
    if with(|bg| bg.add_error.take()).is_some() {
        store::persist_status().await;
    }
    let params = match login_hint {
        Some(hint) => json!({ "login_hint": hint }),
        None => json!({}),
    };
    let started = match host::request("accounts.add", params).await {
        Ok(result) => result,
        Err(e) => return host_failure(e),
    };
    let Some(url) = started["consent_url"].as_str() else {
        return IntentReply::failed("internal", "gmux-host started no consent flow: retry");
    };
    match browser::open_tab(url).await {
        Ok(()) => IntentReply::ok(),
        Err(e) => IntentReply::failed(
            "tab_failed",
            format!("the Google sign-in page could not be opened: {e}"),
        ),
    }
}

/// Applies an action at once to the store and the counts, sends it to Gmail, and rolls it back if Gmail refuses.
async fn act(account: &str, thread: &str, action: ThreadAction) -> IntentReply {
    loaded().await;
    let lock = store::account_lock(account);
    let _held = lock.lock().await;
    let Some(engine) = with(|bg| bg.engine.clone()) else {
        return host_down();
    };
    let shown = with(|bg| {
        let inbox = bg.store.account_mut(account)?;
        let row = inbox
            .threads
            .iter()
            .find(|r| r.thread_id == thread)?
            .clone();
        let optimistic = optimistic_row(&row, action);
        let previous = inbox.replace_thread(optimistic.clone())?;
        Some((optimistic, previous))
    });
    if shown.is_some() {
        store::persist().await;
    }
    let Some(mut inbox) = with(|bg| bg.store.account(account).cloned()) else {
        return IntentReply::failed(
            "account_unknown",
            "gmux knows no such account: reload the page",
        );
    };
    let outcome = engine.apply(&mut inbox, thread, action).await;
    with(|bg| {
        let Some(slot) = bg.store.account_mut(account) else {
            return;
        };
        match &outcome {
            Ok(_) => *slot = inbox,
            Err(e) => {
                if let Some((current, previous)) = shown {
                    slot.restore_thread(&current, previous);
                }
                if matches!(e, GmailError::ReauthRequired(_)) {
                    slot.account.health = SyncHealth::ReauthRequired;
                    slot.account.health_detail = Some(health_sentence(e));
                }
            }
        }
    });
    store::persist().await;
    match outcome {
        Ok(_) => IntentReply::ok(),
        Err(e) => IntentReply::failed(e.code(), action_failure(action, &e)),
    }
}

fn action_failure(action: ThreadAction, e: &GmailError) -> String {
    let what = match action {
        ThreadAction::MarkRead => "marked read",
        ThreadAction::MarkUnread => "marked unread",
        ThreadAction::Archive => "archived",
        ThreadAction::Trash => "moved to the bin",
        ThreadAction::Star => "starred",
        ThreadAction::Unstar => "unstarred",
    };
    format!(
        "The conversation could not be {what}. {}",
        health_sentence(e)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmux_core::protocol::{ErrorBody, ErrorCode};
    use gmux_gmail::TransportError;

    #[test]
    fn host_errors_keep_the_hosts_code_and_words() {
        let reply = host_failure(RequestError::Host {
            method: "accounts.add".into(),
            body: ErrorBody::new(
                ErrorCode::OauthClientNotConfigured,
                "run gmux-host configure",
            ),
        });
        assert_eq!(
            reply,
            IntentReply::failed("oauth_client_not_configured", "run gmux-host configure")
        );
        let reply = host_failure(RequestError::Disconnected("Native host has exited.".into()));
        assert_eq!(reply.code.as_deref(), Some("host_unavailable"));
        assert!(reply
            .error
            .unwrap_or_default()
            .contains("open the gmux popup"));
    }

    #[test]
    fn a_failed_action_says_what_did_not_happen_and_why() {
        let offline = GmailError::Offline(TransportError("connection refused".into()));
        let cases = [
            (ThreadAction::MarkRead, "could not be marked read"),
            (ThreadAction::Archive, "could not be archived"),
            (ThreadAction::Trash, "could not be moved to the bin"),
            (ThreadAction::Unstar, "could not be unstarred"),
        ];
        for (action, words) in cases {
            let sentence = action_failure(action, &offline);
            assert!(sentence.contains(words), "{sentence}");
            assert!(sentence.contains("Gmail cannot be reached"), "{sentence}");
        }
    }
}
