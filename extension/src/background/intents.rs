//! What the pages ask (`runtime.onMessage`, an [`Intent`]), answered with an [`IntentReply`] (the [`Status`]
//! for `Intent::Status`).

use std::rc::Rc;

use super::compose::Composer;
use super::host::HostPort;
use super::notify::{Notifier, NotifyAnswer};
use super::offline::Offline;
use super::reader::Reader;
use super::store::Store;
use super::sync::Syncer;
use super::triage::Triage;
use super::views::Views;
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
    pub views: Rc<Views>,
    pub reader: Rc<Reader>,
    pub notifier: Rc<Notifier>,
    pub triage: Rc<Triage>,
    pub composer: Rc<Composer>,
    pub offline: Rc<Offline>,
}

/// The answer to one message from a page.
pub enum Answer {
    Status(Status),
    Reply(IntentReply),
    Page(gmux_core::views::PageReply),
    Labels(gmux_core::views::LabelsReply),
    /// A body for the reader (a thread's JSON, an attachment's data).
    Body(gmux_core::reader::BodyReply),
    /// Test builds: the notifications shown.
    Shown(Vec<ShownNotification>),
    /// Test builds: the toolbar icon set last.
    Icon(Option<gmux_core::icon::IconShown>),
    Triage(gmux_core::triage::TriageReply),
    /// The composer's answers.
    Compose(Box<gmux_core::compose::ComposeReply>),
}

impl Intents {
    pub async fn answer(&self, intent: Intent) -> Answer {
        match intent {
            Intent::Status => {
                self.port.settled().await;
                Answer::Status(self.store.status_reply())
            }
            Intent::ListPage {
                account,
                view,
                page_token,
                fresh,
            } => Answer::Page(
                self.views
                    .page(&account, &view, page_token.as_deref(), fresh)
                    .await,
            ),
            Intent::Labels { fresh } => Answer::Labels(self.views.labels(fresh).await),
            // Needs neither gmux-host nor Gmail.
            Intent::DismissOfflineRefusals => {
                self.offline.dismiss_refusals().await;
                Answer::Reply(IntentReply::ok())
            }
            Intent::TestToolbarIcon if browser::is_test_build() => {
                self.store.loaded().await;
                Answer::Icon(self.store.icon_shown())
            }
            Intent::TestToolbarIcon => Answer::Reply(IntentReply::failed(
                IntentError::Internal,
                "this is for gmux's test builds only",
            )),
            Intent::ReadThread { account, thread } => {
                if !self.port.settled().await {
                    return Answer::Body(gmux_core::reader::BodyReply::failed(
                        crate::i18n::host_unavailable(None),
                    ));
                }
                let reply = self.reader.thread(&account, &thread).await;
                // Addresses in a conversation read become suggestions for the composer.
                if let Some(json) = reply.body.as_deref() {
                    self.composer.learn_thread(json);
                }
                Answer::Body(reply)
            }
            Intent::ReadAttachment {
                account,
                message,
                attachment,
            } => {
                if !self.port.settled().await {
                    return Answer::Body(gmux_core::reader::BodyReply::failed(
                        crate::i18n::host_unavailable(None),
                    ));
                }
                Answer::Body(
                    self.reader
                        .attachment(&account, &message, &attachment)
                        .await,
                )
            }
            Intent::Triage { action, rows } => Answer::Triage(self.triage.act(action, rows).await),
            Intent::Undo => Answer::Triage(self.triage.undo().await),
            Intent::Snooze {
                rows,
                choice,
                utc_offset_minutes,
            } => Answer::Triage(self.triage.snooze(rows, choice, utc_offset_minutes).await),
            Intent::Unsnooze { account, thread } => {
                Answer::Triage(self.triage.unsnooze(&account, &thread).await)
            }
            Intent::MarkAllRead {
                view,
                account,
                confirmed,
            } => Answer::Triage(
                self.triage
                    .mark_all_read(&view, account.as_deref(), confirmed)
                    .await,
            ),
            other if is_compose(&other) => Answer::Compose(Box::new(self.compose(other).await)),
            intent => {
                match self.notifier.answer(&intent).await {
                    Some(NotifyAnswer::Reply(reply)) => return Answer::Reply(reply),
                    Some(NotifyAnswer::Shown(shown)) => return Answer::Shown(shown),
                    None => {}
                }
                Answer::Reply(self.handle(intent).await)
            }
        }
    }

    async fn compose(&self, intent: Intent) -> gmux_core::compose::ComposeReply {
        use gmux_core::compose::ComposeReply;
        if !self.port.settled().await {
            return ComposeReply::from_intent(crate::i18n::host_unavailable(None));
        }
        let c = &self.composer;
        match intent {
            Intent::ComposeIdentities => c.all_identities().await,
            Intent::ComposeStart {
                kind,
                account,
                thread,
                source,
            } => c.start(kind, account, thread, source).await,
            Intent::ComposeResume { id } => c.resume(&id),
            Intent::ComposeUpdate { id, fields } => c.update(&id, fields),
            Intent::ComposeAttach {
                id,
                file_name,
                mime_type,
                data,
            } => c.attach(&id, file_name, mime_type, &data),
            Intent::ComposeDetach { id, index } => c.detach(&id, index),
            Intent::ComposeClose { id } => c.close(&id).await,
            Intent::ComposeDiscard { id } => c.discard(&id).await,
            Intent::ComposeSend { id } => c.send(&id).await,
            Intent::ComposeUndo { id } => c.undo(&id),
            Intent::ComposeWait { id } => c.wait(&id).await,
            Intent::ComposeSuggest { typed } => c.suggest(&typed),
            Intent::ComposeFind { account, thread } => c.find(&account, &thread),
            _ => ComposeReply::failed(IntentError::Internal, "not a compose request"),
        }
    }

    async fn handle(&self, intent: Intent) -> IntentReply {
        if !self.port.settled().await {
            return crate::i18n::host_unavailable(None);
        }
        match intent {
            Intent::Status => IntentReply::ok(),
            Intent::SyncNow => {
                self.views.forget_all();
                self.syncer.sync_all().await;
                IntentReply::ok()
            }
            Intent::Action {
                account,
                thread,
                action,
            } => {
                // Views fetched before the change would show the thread as it was.
                self.views.forget_account(&account);
                self.syncer.act(&account, &thread, action).await
            }
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
                        self.reader.forget_account(&account).await;
                        self.composer.forget_account(&account);
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
            // Answered with their own reply types in `answer`.
            Intent::ListPage { .. }
            | Intent::Labels { .. }
            | Intent::Triage { .. }
            | Intent::Undo
            | Intent::MarkAllRead { .. }
            | Intent::Snooze { .. }
            | Intent::Unsnooze { .. } => {
                IntentReply::failed(IntentError::Internal, "this request has its own answer")
            }
            Intent::RememberSearch { query } => self.views.remember_search(&query).await,
            Intent::ClearRecentSearches => self.views.clear_searches().await,
            // Answered in `answer` with a body.
            Intent::ReadThread { .. } | Intent::ReadAttachment { .. } => IntentReply::failed(
                IntentError::Internal,
                "a body was asked for without its answer",
            ),
            Intent::MarkUnreadFrom {
                account,
                thread,
                messages,
            } => {
                self.reader
                    .mark_unread_from(&account, &thread, &messages)
                    .await
            }
            Intent::SetReader { change } => self.reader.set(change).await,
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
            // Answered in `answer`.
            Intent::TestToolbarIcon => {
                IntentReply::failed(IntentError::Internal, "this request has its own answer")
            }
            Intent::SetUndoSeconds { seconds } => self.composer.set_undo_seconds(seconds).await,
            // Answered in `answer` with a ComposeReply.
            other if is_compose(&other) => IntentReply::failed(
                IntentError::Internal,
                "a compose request was asked for without its answer",
            ),
            _ => IntentReply::failed(IntentError::Internal, "an unknown request"),
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
                crate::i18n::t_with("signInPageNotOpened", &[&e.to_string()]),
            ),
        }
    }
}

/// The intents answered with a `ComposeReply`.
fn is_compose(intent: &Intent) -> bool {
    matches!(
        intent,
        Intent::ComposeIdentities
            | Intent::ComposeStart { .. }
            | Intent::ComposeResume { .. }
            | Intent::ComposeUpdate { .. }
            | Intent::ComposeAttach { .. }
            | Intent::ComposeDetach { .. }
            | Intent::ComposeClose { .. }
            | Intent::ComposeDiscard { .. }
            | Intent::ComposeSend { .. }
            | Intent::ComposeUndo { .. }
            | Intent::ComposeWait { .. }
            | Intent::ComposeSuggest { .. }
            | Intent::ComposeFind { .. }
    )
}

/// What a page is told when gmux-host refused or went away.
fn host_failure(e: RequestError) -> IntentReply {
    match e {
        RequestError::Host { body, .. } => IntentReply::host_refused(body.code, body.message),
        RequestError::Disconnected(reason) => crate::i18n::host_unavailable(Some(&reason)),
        RequestError::Unreadable { error, .. } => IntentReply::failed(
            IntentError::Internal,
            crate::i18n::t_with("hostUnreadableHello", &[&error]),
        ),
    }
}
