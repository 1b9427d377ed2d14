//! What the pages ask (`runtime.onMessage`, an [`Intent`]), answered with an [`IntentReply`] (the [`Status`]
//! for `Intent::Status`).

use std::rc::Rc;

use super::host::HostPort;
use super::notify::{Notifier, NotifyAnswer};
use super::store::Store;
use super::sync::Syncer;
use crate::browser;
use crate::host_client::RequestError;
use gmux_core::messages::{Intent, IntentError, IntentReply};
use gmux_core::notify::ShownNotification;
use gmux_core::protocol::{method, AccountsAddParams, AccountsRemoveParams, AccountsUpdateParams};
use gmux_core::status::Status;

/// What an intent may touch.
pub struct Intents {
    pub port: Rc<HostPort>,
    pub store: Rc<Store>,
    pub syncer: Rc<Syncer>,
    pub notifier: Rc<Notifier>,
}

/// The answer to one message from a page.
pub enum Answer {
    Status(Status),
    Reply(IntentReply),
    /// Test builds: the notifications shown.
    Shown(Vec<ShownNotification>),
}

impl Intents {
    pub async fn answer(&self, intent: Intent) -> Answer {
        if intent == Intent::Status {
            self.port.settled().await;
            return Answer::Status(self.store.status_reply());
        }
        match self.notifier.answer(&intent).await {
            Some(NotifyAnswer::Reply(reply)) => return Answer::Reply(reply),
            Some(NotifyAnswer::Shown(shown)) => return Answer::Shown(shown),
            None => {}
        }
        Answer::Reply(self.handle(intent).await)
    }

    async fn handle(&self, intent: Intent) -> IntentReply {
        if !self.port.settled().await {
            return IntentReply::host_unavailable(None);
        }
        match intent {
            Intent::Status => IntentReply::ok(),
            Intent::SyncNow => {
                self.syncer.sync_all().await;
                IntentReply::ok()
            }
            Intent::Action {
                account,
                thread,
                action,
            } => self.syncer.act(&account, &thread, action).await,
            Intent::AddAccount => self.add_account(None).await,
            Intent::Reconnect { account } => {
                let email = self.store.status(|s| {
                    s.accounts
                        .iter()
                        .find(|a| a.id == account || a.email == account)
                        .map(|a| a.email.clone())
                });
                self.add_account(Some(email.unwrap_or(account))).await
            }
            Intent::RemoveAccount { account } => {
                let params = AccountsRemoveParams {
                    account: account.clone(),
                };
                match self.port.call::<method::AccountsRemove>(&params).await {
                    Ok(_) => {
                        self.store.inbox(|inbox| inbox.remove_account(&account));
                        self.accounts_refreshed().await
                    }
                    Err(e) => host_failure(e),
                }
            }
            Intent::SetColor { account, color } => {
                let params = AccountsUpdateParams {
                    account,
                    color: Some(color),
                    order: None,
                };
                match self.port.call::<method::AccountsUpdate>(&params).await {
                    Ok(_) => self.accounts_refreshed().await,
                    Err(e) => host_failure(e),
                }
            }
            // Notifications and the poll: answered by the notifier above.
            Intent::SetPoll { .. }
            | Intent::SetAccountSettings { .. }
            | Intent::SetQuietHours { .. }
            | Intent::SetNotificationSound { .. }
            | Intent::SetOpenIn { .. }
            | Intent::PauseNotifications { .. }
            | Intent::MessagesSeen { .. }
            | Intent::TestNotificationClick { .. }
            | Intent::TestNotificationsShown => IntentReply::ok(),
        }
    }

    /// Re-reads the account list after a change to it, and says so.
    async fn accounts_refreshed(&self) -> IntentReply {
        match self.syncer.refresh_accounts().await {
            Ok(()) => IntentReply::ok(),
            Err(e) => host_failure(e),
        }
    }

    /// Starts the host's consent flow and opens Google's page in a tab; the host's `accounts.added` event
    /// finishes it.
    async fn add_account(&self, login_hint: Option<String>) -> IntentReply {
        if self.store.status(|s| s.add_error.take()).is_some() {
            self.store.persist_status().await;
        }
        let params = AccountsAddParams { login_hint };
        let started = match self.port.call::<method::AccountsAdd>(&params).await {
            Ok(started) => started,
            Err(e) => return host_failure(e),
        };
        match browser::open_tab(&started.consent_url).await {
            Ok(()) => IntentReply::ok(),
            Err(e) => IntentReply::failed(
                IntentError::TabFailed,
                format!("the Google sign-in page could not be opened: {e}"),
            ),
        }
    }
}

/// What a page is told when gmux-host refused or went away.
fn host_failure(e: RequestError) -> IntentReply {
    match e {
        RequestError::Host { body, .. } => IntentReply::host_refused(body.code, body.message),
        RequestError::Disconnected(reason) => IntentReply::host_unavailable(Some(&reason)),
        RequestError::Unreadable { .. } => {
            IntentReply::failed(IntentError::Internal, e.to_string())
        }
    }
}
