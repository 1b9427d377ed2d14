//! The secret-leak audit. It is run last, on its own, by `cargo xtask test` (`cargo test -p gmux-e2e --test audit`).
