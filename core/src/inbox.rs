//! The inbox model: threads and accounts, merged across accounts newest first, unread sums.
