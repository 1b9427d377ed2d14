//! Files the demo mail refers to: images the emulator serves at `/_emulator/assets/NAME` (nothing but loopback is
//! reachable, so a newsletter's "remote" images point here) and the bytes of its attachments (a PNG, a PDF).
//! Built in code, deterministic, small; the PNG writer stores its pixels uncompressed (deflate "stored" blocks),
//! which every decoder reads.

/// The served assets: name, content type, bytes.
pub fn asset(name: &str) -> Option<(&'static str, Vec<u8>)> {
    match name {
        "banner.png" => Some(("image/png", banner_png())),
        "pixel.png" => Some(("image/png", png(1, 1, |_, _| [255, 255, 255]))),
        "logo.png" => Some(("image/png", logo_png())),
        _ => None,
    }
}

/// A 320 x 64 banner: a blue-to-teal gradient with a light band, the newsletter's header image.
pub fn banner_png() -> Vec<u8> {
    png(320, 64, |x, y| {
        let t = x * 255 / 319;
        if (26..38).contains(&y) {
            [240, 244, 248]
        } else {
            [(20 + t / 8) as u8, (80 + t / 3) as u8, (200 - t / 4) as u8]
        }
    })
}

/// A 48 x 48 logo: an orange disc on white, the inline (`cid:`) image of the invoice mail.
pub fn logo_png() -> Vec<u8> {
    png(48, 48, |x, y| {
        let (dx, dy) = (x as i64 - 24, y as i64 - 24);
        if dx * dx + dy * dy <= 20 * 20 {
            [240, 130, 30]
        } else {
            [255, 255, 255]
        }
    })
}

/// An RGB PNG of `w` x `h` pixels.
pub fn png(w: u32, h: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((w * 3 + 1) * h) as usize);
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter method, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of deflate "stored" blocks (no compression).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
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
    for x in data {
        a = (a + u32::from(*x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A one-page PDF showing `lines` of text, with a correct cross-reference table.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from("BT /F1 14 Tf 72 760 Td 18 TL\n");
    for l in lines {
        let escaped = l
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        text.push_str(&format!("({escaped}) Tj T*\n"));
    }
    text.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_their_specifications() {
        // The check values of CRC-32 (ISO-HDLC) and Adler-32 for "123456789" and "Wikipedia".
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn pngs_are_well_formed() {
        for (name, want_w, want_h) in [
            ("banner.png", 320, 64),
            ("logo.png", 48, 48),
            ("pixel.png", 1, 1),
        ] {
            let (ty, bytes) = asset(name).unwrap();
            assert_eq!(ty, "image/png");
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
            let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
            let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
            assert_eq!((w, h), (want_w, want_h), "{name}");
            // Every chunk's CRC covers its type and data.
            let mut i = 8;
            while i < bytes.len() {
                let len = u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
                let crc = u32::from_be_bytes(bytes[i + 8 + len..i + 12 + len].try_into().unwrap());
                assert_eq!(crc32(&bytes[i + 4..i + 8 + len]), crc, "{name} at {i}");
                i += 12 + len;
            }
            assert_eq!(i, bytes.len());
            assert!(bytes.ends_with(b"IEND\xae\x42\x60\x82"));
        }
        assert!(asset("nope.png").is_none());
    }

    #[test]
    fn pdf_xref_points_at_its_objects() {
        let pdf = pdf(&["Invoice (test)"]);
        let text = String::from_utf8(pdf).unwrap();
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[xref..].starts_with("xref\n"));
        for (n, line) in text[xref..].lines().skip(3).take(5).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(
                text[off..].starts_with(&format!("{} 0 obj", n + 1)),
                "{line}"
            );
        }
        assert!(text.contains("(Invoice \\(test\\)) Tj"));
    }
}
