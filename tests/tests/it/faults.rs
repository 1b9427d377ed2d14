//! Fault injection across the stack, in real browsers.
