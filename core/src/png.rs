//! A small PNG writer for images gmux draws itself (a notification's account icon), and `data:` URLs of them.
//!
//! The pixels go into stored (uncompressed) deflate blocks: an 80 px icon is 25 KB, drawn once per account
//! colour and kept in memory, and the writer needs no dependency. The browser's decoder is the only reader.

/// RGBA bytes (row by row, straight alpha, `width × height × 4` of them) as a PNG file. `None` when the byte
/// count does not match the size.
pub fn encode_rgba(width: u32, height: u32, rgba: &[u8]) -> Option<Vec<u8>> {
    let row = (width as usize).checked_mul(4)?;
    if width == 0 || height == 0 || rgba.len() != row.checked_mul(height as usize)? {
        return None;
    }
    // Each row starts with its filter type, 0 (none).
    let raw: Vec<u8> = rgba
        .chunks(row)
        .flat_map(|r| std::iter::once(0u8).chain(r.iter().copied()))
        .collect();
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    // 8 bits per sample, colour type 6 (RGBA), deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    Some(out)
}

/// `data:image/png;base64,…` of a PNG file.
pub fn data_url(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64(png))
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &d in data {
        a = (a + u32::from(d)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// Standard base64 with padding (RFC 4648 §4), as `data:` URLs take it.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads back what [`encode_rgba`] writes (stored blocks in one IDAT), checking every checksum: an
    /// independent reader of the format's rules.
    fn decode(png: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
        if png.get(..8)? != b"\x89PNG\r\n\x1a\n" {
            return None;
        }
        let (mut pos, mut size, mut z) = (8, (0, 0), Vec::new());
        while pos < png.len() {
            let len = u32::from_be_bytes(png.get(pos..pos + 4)?.try_into().ok()?) as usize;
            let body = png.get(pos + 4..pos + 8 + len)?;
            let crc = u32::from_be_bytes(png.get(pos + 8 + len..pos + 12 + len)?.try_into().ok()?);
            if crc32(body) != crc {
                return None;
            }
            match &body[..4] {
                b"IHDR" => {
                    let h = &body[4..];
                    if h[8..] != [8, 6, 0, 0, 0] {
                        return None;
                    }
                    size = (
                        u32::from_be_bytes(h[..4].try_into().ok()?),
                        u32::from_be_bytes(h[4..8].try_into().ok()?),
                    );
                }
                b"IDAT" => z.extend_from_slice(&body[4..]),
                _ => {}
            }
            pos += 12 + len;
        }
        let mut raw = Vec::new();
        let mut at = 2;
        loop {
            let last = *z.get(at)? == 1;
            let len = u16::from_le_bytes(z.get(at + 1..at + 3)?.try_into().ok()?);
            let nlen = u16::from_le_bytes(z.get(at + 3..at + 5)?.try_into().ok()?);
            if nlen != !len {
                return None;
            }
            raw.extend_from_slice(z.get(at + 5..at + 5 + len as usize)?);
            at += 5 + len as usize;
            if last {
                break;
            }
        }
        if u32::from_be_bytes(z.get(at..at + 4)?.try_into().ok()?) != adler32(&raw) {
            return None;
        }
        let row = size.0 as usize * 4 + 1;
        let pixels = raw
            .chunks(row)
            .flat_map(|r| {
                if r[0] == 0 {
                    r[1..].to_vec()
                } else {
                    Vec::new()
                }
            })
            .collect();
        Some((size.0, size.1, pixels))
    }

    #[test]
    fn images_round_trip_and_bad_sizes_are_refused() {
        for (w, h) in [(1u32, 1u32), (3, 2), (80, 80), (200, 100)] {
            let pixels: Vec<u8> = (0..w * h * 4).map(|i| (i * 7 % 251) as u8).collect();
            let png = encode_rgba(w, h, &pixels).unwrap();
            assert_eq!(decode(&png), Some((w, h, pixels)), "{w}x{h}");
        }
        assert_eq!(encode_rgba(2, 2, &[0; 15]), None);
        assert_eq!(encode_rgba(0, 0, &[]), None);
        assert_eq!(encode_rgba(u32::MAX, u32::MAX, &[0; 4]), None);
    }

    #[test]
    fn base64_as_rfc_4648_says() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"\xff\xfe\x00", "//4A"),
        ];
        for (bytes, text) in cases {
            assert_eq!(base64(bytes), text);
        }
        assert!(data_url(b"foo").ends_with(",Zm9v"));
    }
}
