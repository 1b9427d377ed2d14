//! The pictures mail may carry inline: raster types only, as `data:` URIs.

use base64::Engine;

/// Raster image types a `data:` URI may carry. SVG is not among them: it is a document, not a picture.
pub const SAFE_IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/gif",
    "image/jpeg",
    "image/jpg",
    "image/pjpeg",
    "image/webp",
    "image/bmp",
    "image/avif",
    "image/x-icon",
    "image/vnd.microsoft.icon",
];

/// A `data:` URI for image bytes of a safe raster type.
pub fn data_uri(mime_type: &str, bytes: &[u8]) -> Option<String> {
    let mime = mime_type.trim().to_ascii_lowercase();
    if !SAFE_IMAGE_TYPES.contains(&mime.as_str()) {
        return None;
    }
    Some(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}
