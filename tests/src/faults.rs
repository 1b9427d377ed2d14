//! Harness for the fault-injection browser tests (tests/tests/it/faults.rs).
