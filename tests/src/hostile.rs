//! The hostile mail corpus: a seed of mail built to break a renderer, and what the pages must show for it.
