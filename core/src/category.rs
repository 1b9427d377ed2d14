//! Gmail's inbox categories (Primary, Social, Promotions, Updates, Forums): what an account's rows are counted
//! and listed by. Below the inbox and the views, which both name them (`listing` re-exports them).

use serde::{Deserialize, Serialize};

/// Gmail's inbox categories, in the order Gmail shows their tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Primary,
    Social,
    Promotions,
    Updates,
    Forums,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Primary,
        Category::Social,
        Category::Promotions,
        Category::Updates,
        Category::Forums,
    ];

    /// The system label Gmail puts on the category's mail.
    pub fn label_id(self) -> &'static str {
        match self {
            Category::Primary => "CATEGORY_PERSONAL",
            Category::Social => "CATEGORY_SOCIAL",
            Category::Promotions => "CATEGORY_PROMOTIONS",
            Category::Updates => "CATEGORY_UPDATES",
            Category::Forums => "CATEGORY_FORUMS",
        }
    }

    /// The tab's name as Gmail shows it.
    pub fn name(self) -> &'static str {
        match self {
            Category::Primary => "Primary",
            Category::Social => "Social",
            Category::Promotions => "Promotions",
            Category::Updates => "Updates",
            Category::Forums => "Forums",
        }
    }

    /// The word Gmail's `category:` operator takes.
    pub fn search_word(self) -> &'static str {
        match self {
            Category::Primary => "primary",
            Category::Social => "social",
            Category::Promotions => "promotions",
            Category::Updates => "updates",
            Category::Forums => "forums",
        }
    }

    pub fn from_label_id(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.label_id() == id)
    }
}
