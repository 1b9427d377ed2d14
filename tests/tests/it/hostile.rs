//! The hostile mail corpus rendered inert in the popup and the new tab, in both browsers.
