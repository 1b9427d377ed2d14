//! gmux-emulator: a local Gmail API and Google OAuth.
