//! The gmux WebExtension, compiled to wasm.
