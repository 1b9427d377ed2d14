//! Typed Gmail v1 client and the sync engine (see ARCHITECTURE.md).
