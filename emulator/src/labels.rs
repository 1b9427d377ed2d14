//! User labels: labels.create, labels.patch, labels.update, labels.delete.
//!
//! As Google: a name that another label already has (case-insensitively, system names included) is 409
//! `Label name exists or conflicts`; an empty name is 400; system labels cannot be changed or deleted (400);
//! an unknown id is 404. Nested labels are names with `/` (`Projects/Alpha`). Colors are `#rrggbb` pairs
//! (Google also limits them to its palette, which the emulator does not check). Deleting a label takes it off
//! every message, which history records as `labelsRemoved`.

use serde_json::Value;

use crate::model::{Mailbox, UserLabel, SYSTEM_LABELS};
use crate::respond::GoogleError;

fn invalid(message: impl Into<String>) -> GoogleError {
    GoogleError::new(400, message, "invalidArgument")
}

fn conflict() -> GoogleError {
    GoogleError::new(409, "Label name exists or conflicts", "duplicate")
}

/// The fields of a Label request body; absent ones are `None`.
struct LabelFields {
    name: Option<String>,
    color: Option<Option<(String, String)>>,
    message_list_visibility: Option<String>,
    label_list_visibility: Option<String>,
}

fn string_field(v: &Value, key: &str) -> Result<Option<String>, GoogleError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(GoogleError::new(
            400,
            format!("Invalid value at '{key}', expected a string"),
            "invalid",
        )),
    }
}

fn is_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
}

fn fields(body: &Value) -> Result<LabelFields, GoogleError> {
    let color = match body.get("color") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(c) => {
            let text = string_field(c, "textColor")?.unwrap_or_default();
            let background = string_field(c, "backgroundColor")?.unwrap_or_default();
            if !is_color(&text) || !is_color(&background) {
                return Err(invalid(format!(
                    "Label color {text}/{background} is not on the allowed color palette"
                )));
            }
            Some(Some((
                text.to_ascii_lowercase(),
                background.to_ascii_lowercase(),
            )))
        }
    };
    let visibility = |key: &str, allowed: &[&str]| -> Result<Option<String>, GoogleError> {
        match string_field(body, key)? {
            Some(v) if !allowed.contains(&v.as_str()) => Err(GoogleError::new(
                400,
                format!("Invalid value at '{key}', \"{v}\""),
                "invalid",
            )),
            other => Ok(other),
        }
    };
    Ok(LabelFields {
        name: string_field(body, "name")?.map(|n| n.trim().to_string()),
        color,
        message_list_visibility: visibility("messageListVisibility", &["show", "hide"])?,
        label_list_visibility: visibility(
            "labelListVisibility",
            &["labelShow", "labelShowIfUnread", "labelHide"],
        )?,
    })
}

/// A name no other label has (system names included), or the error Google gives.
fn check_name(mb: &Mailbox, name: &str, except: Option<&str>) -> Result<(), GoogleError> {
    if name.is_empty() || name.len() > 225 || name.split('/').any(|p| p.trim().is_empty()) {
        return Err(invalid("Invalid label name"));
    }
    let taken = SYSTEM_LABELS.iter().any(|s| s.eq_ignore_ascii_case(name))
        || mb
            .user_labels
            .iter()
            .any(|l| Some(l.id.as_str()) != except && l.name.eq_ignore_ascii_case(name));
    if taken {
        return Err(conflict());
    }
    Ok(())
}

fn user_label<'a>(mb: &'a mut Mailbox, id: &str) -> Result<&'a mut UserLabel, GoogleError> {
    if SYSTEM_LABELS.contains(&id) {
        return Err(invalid(format!("Invalid label: {id} is a system label")));
    }
    mb.user_labels
        .iter_mut()
        .find(|l| l.id == id)
        .ok_or_else(GoogleError::not_found)
}

fn apply(label: &mut UserLabel, f: LabelFields) {
    if let Some(n) = f.name {
        label.name = n;
    }
    if let Some(c) = f.color {
        label.color = c;
    }
    if let Some(v) = f.message_list_visibility {
        label.message_list_visibility = v;
    }
    if let Some(v) = f.label_list_visibility {
        label.label_list_visibility = v;
    }
}

fn answer(mb: &Mailbox, id: &str) -> Result<Value, GoogleError> {
    mb.label_json(id, false).ok_or_else(GoogleError::not_found)
}

pub fn create(mb: &mut Mailbox, body: &Value) -> Result<Value, GoogleError> {
    let f = fields(body)?;
    let name = f.name.clone().unwrap_or_default();
    check_name(mb, &name, None)?;
    let n = mb
        .user_labels
        .iter()
        .filter_map(|l| l.id.strip_prefix("Label_")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let mut label = UserLabel::new(format!("Label_{n}"), name, None);
    apply(&mut label, f);
    let id = label.id.clone();
    mb.user_labels.push(label);
    answer(mb, &id)
}

/// labels.patch changes what the body gives; labels.update (`replace`) needs a name and resets the rest.
pub fn change(
    mb: &mut Mailbox,
    id: &str,
    body: &Value,
    replace: bool,
) -> Result<Value, GoogleError> {
    let f = fields(body)?;
    user_label(mb, id)?;
    if let Some(n) = &f.name {
        check_name(mb, n, Some(id))?;
    } else if replace {
        return Err(invalid("Invalid label name"));
    }
    let label = user_label(mb, id)?;
    if replace {
        let fresh = UserLabel::new(label.id.clone(), label.name.clone(), None);
        *label = fresh;
    }
    apply(label, f);
    answer(mb, id)
}

pub fn delete(mb: &mut Mailbox, id: &str, now: i64) -> Result<(), GoogleError> {
    user_label(mb, id)?;
    let tagged: Vec<String> = mb
        .messages
        .values()
        .filter(|m| m.labels.contains(id))
        .map(|m| m.id.clone())
        .collect();
    for m in tagged {
        mb.change_labels(&m, &[], &[id.to_string()], now);
    }
    mb.user_labels.retain(|l| l.id != id);
    Ok(())
}
