//! The toolbar icon that shows which account has mail, drawn in plain Rust as RGBA pixels, and its tooltip.
//!
//! The background hands [`render`]'s bytes to `action.setIcon({imageData})` (as `ImageData`, straight alpha),
//! one image per size the browser asks for: 16 and 32 px for the toolbar at 1× and 2× (Chrome still accepts 19
//! and 38), any size from [`MIN_SIZE`] up.
//!
//! # What it shows
//!
//! - **No account with unread mail or in trouble**: gmux's mark as in `extension/static/icons/` (an indigo tile
//!   with a white envelope; two stacked envelopes from 32 px up).
//! - **Accounts with unread mail**: the tile's top becomes a row of segments, one per such account in the user's
//!   order, in the account's colour, cut apart and from the tile's body by transparent gaps (so they read
//!   against the indigo and against any toolbar, light or dark, without a halo that would cost a 16 px icon
//!   two of its pixels). The envelope moves into the body below.
//! - **More than [`MAX_SEGMENTS`] such accounts**: the first three, then a dark segment with a white "+".
//! - **An account that needs reconnecting**: its segment hatched with white diagonal stripes, whether or not it
//!   has unread mail (its count may be stale; the badge shows "!" too).
//!
//! Edges are anti-aliased by sampling each pixel 8×8 (4×4 from 64 px up); the segments, gaps and the tile's
//! straight edges are snapped to whole pixels so they stay crisp at 16 and 32 px.

use crate::inbox::{InboxStore, SyncHealth};
use crate::protocol::AccountStatus;
use crate::settings::Settings;
use crate::status::{HostState, Status};
use crate::view::{self, is_hex_color, Badge};
use serde::{Deserialize, Serialize};

/// Account segments shown before the rest collapse into a "+".
pub const MAX_SEGMENTS: usize = 4;
/// The smallest size drawn; smaller requests are drawn at this size's layout scaled down.
pub const MIN_SIZE: u32 = 8;
/// The largest size drawn (a store listing's 128 px, doubled).
pub const MAX_SIZE: u32 = 256;
/// The sizes the toolbar asks for: 16 px at 1× and 32 px at 2× device pixels (Chrome also 19 and 38).
pub const TOOLBAR_SIZES: [u32; 2] = [16, 32];

/// One account as the icon and its tooltip show it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IconAccount {
    pub email: String,
    /// `#rrggbb`; anything else is drawn grey.
    pub color: String,
    /// Unread conversations in the inbox.
    pub unread: u64,
    /// Google refused the account's sign-in: it must be reconnected.
    pub needs_reconnect: bool,
}

impl IconAccount {
    fn shown(&self) -> bool {
        self.unread > 0 || self.needs_reconnect
    }
}

/// The tile's gradient, as in `extension/tools/make_icons.py`: indigo-500 at the top left to indigo-700.
const TILE_TOP: [f32; 3] = [99.0, 102.0, 241.0];
const TILE_BOTTOM: [f32; 3] = [67.0, 56.0, 202.0];
const WHITE: [f32; 3] = [255.0, 255.0, 255.0];
/// The "+" segment's fill, Google's grey 800.
const PLUS_FILL: [f32; 3] = [60.0, 64.0, 67.0];
/// A colour that is not `#rrggbb`, Google's grey 700.
const FALLBACK: [f32; 3] = [95.0, 99.0, 104.0];

/// `#rrggbb` as RGB.
pub fn parse_hex_color(s: &str) -> Option<[u8; 3]> {
    if !is_hex_color(s) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&s[i..i + 2], 16).ok();
    Some([byte(1)?, byte(3)?, byte(5)?])
}

/// What fills one segment.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Segment {
    Account { color: [f32; 3], hatched: bool },
    More,
}

/// The segments for these accounts, in order.
fn segments(accounts: &[IconAccount]) -> Vec<Segment> {
    let shown: Vec<&IconAccount> = accounts.iter().filter(|a| a.shown()).collect();
    let account = |a: &IconAccount| Segment::Account {
        color: parse_hex_color(&a.color).map_or(FALLBACK, |c| c.map(f32::from)),
        hatched: a.needs_reconnect,
    };
    if shown.len() <= MAX_SEGMENTS {
        shown.into_iter().map(account).collect()
    } else {
        shown[..MAX_SEGMENTS - 1]
            .iter()
            .map(|a| account(a))
            .chain(std::iter::once(Segment::More))
            .collect()
    }
}

/// The layout in pixels at one size.
struct Layout {
    size: f32,
    /// The tile's corner radius.
    radius: f32,
    /// Segment spans along x, `[x0, x1)`.
    columns: Vec<(f32, f32, Segment)>,
    /// The band's bottom; the body starts a gap below it.
    band_bottom: f32,
    body_top: f32,
    /// The gap between segments and under the band.
    gap: f32,
}

impl Layout {
    fn new(size: u32, segs: &[Segment]) -> Layout {
        let s = size as f32;
        let unit = (s / 16.0).round().max(1.0);
        let gap = unit;
        let band_bottom = (s * 0.375).round();
        let n = segs.len() as f32;
        let columns = segs
            .iter()
            .enumerate()
            .map(|(i, seg)| {
                let i = i as f32;
                let x0 = (i * (s + gap) / n).round();
                let x1 = ((i + 1.0) * (s + gap) / n).round() - gap;
                (x0, x1, *seg)
            })
            .collect();
        Layout {
            size: s,
            radius: s * 0.22,
            columns,
            band_bottom,
            body_top: band_bottom + gap,
            gap,
        }
    }
}

fn in_round_rect(x: f32, y: f32, x0: f32, y0: f32, x1: f32, y1: f32, r: f32) -> bool {
    if x < x0 || x > x1 || y < y0 || y > y1 {
        return false;
    }
    let cx = x.clamp(x0 + r, x1 - r);
    let cy = y.clamp(y0 + r, y1 - r);
    (x - cx).powi(2) + (y - cy).powi(2) <= r * r
}

fn near_segment(x: f32, y: f32, a: (f32, f32), b: (f32, f32), half_width: f32) -> bool {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((x - a.0) * dx + (y - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (px, py) = (a.0 + t * dx, a.1 + t * dy);
    (x - px).powi(2) + (y - py).powi(2) <= half_width * half_width
}

/// An envelope: body at (ox, oy) of w × h, with its flap drawn as a V of tile colour.
struct Envelope {
    ox: f32,
    oy: f32,
    w: f32,
    h: f32,
    stroke: f32,
    radius: f32,
}

impl Envelope {
    fn body(&self, x: f32, y: f32, grow: f32) -> bool {
        in_round_rect(
            x,
            y,
            self.ox - grow,
            self.oy - grow,
            self.ox + self.w + grow,
            self.oy + self.h + grow,
            self.radius + grow,
        )
    }

    fn flap(&self, x: f32, y: f32) -> bool {
        let inset = self.w * 0.035;
        let mid = (self.ox + self.w / 2.0, self.oy + self.h * 0.55);
        near_segment(x, y, (self.ox + inset, self.oy + inset), mid, self.stroke)
            || near_segment(
                x,
                y,
                mid,
                (self.ox + self.w - inset, self.oy + inset),
                self.stroke,
            )
    }

    fn paper(&self, x: f32, y: f32) -> bool {
        self.body(x, y, 0.0) && !self.flap(x, y)
    }
}

/// The colour of one sample at pixel coordinates, or `None` outside the icon.
fn sample(l: &Layout, x: f32, y: f32) -> Option<[f32; 3]> {
    let s = l.size;
    if !in_round_rect(x, y, 0.0, 0.0, s, s, l.radius) {
        return None;
    }
    let t = (x + y) / (2.0 * s);
    let tile = lerp(TILE_TOP, TILE_BOTTOM, t);
    if l.columns.is_empty() {
        return Some(plain_mark(s, x, y, tile));
    }
    if y < l.band_bottom {
        let (x0, x1, seg) = l.columns.iter().find(|(x0, x1, _)| x >= *x0 && x < *x1)?;
        return Some(match seg {
            Segment::Account { color, hatched } => {
                if *hatched && hatch(x, y, l) {
                    lerp(*color, WHITE, 0.85)
                } else {
                    *color
                }
            }
            Segment::More => {
                if plus(x, y, *x0, *x1, l) {
                    WHITE
                } else {
                    PLUS_FILL
                }
            }
        });
    }
    if y < l.body_top {
        return None;
    }
    // The envelope, centred in the body, as large as it allows.
    let body_h = s - l.body_top;
    let w = s * 0.62;
    let h = (body_h * 0.62).min(w * 0.7);
    let env = Envelope {
        ox: (s - w) / 2.0,
        oy: l.body_top + (body_h - h) / 2.0 - s * 0.01,
        w,
        h,
        stroke: (s * 0.04).max(0.7),
        radius: s * 0.04,
    };
    Some(if env.paper(x, y) { WHITE } else { tile })
}

/// gmux's mark without segments: as `extension/tools/make_icons.py` draws it.
fn plain_mark(s: f32, x: f32, y: f32, tile: [f32; 3]) -> [f32; 3] {
    if s >= 32.0 {
        let envelope = |ox: f32, oy: f32| Envelope {
            ox: ox * s,
            oy: oy * s,
            w: 0.56 * s,
            h: 0.40 * s,
            stroke: 0.045 * s,
            radius: 0.05 * s,
        };
        let front = envelope(0.16, 0.36);
        let back = envelope(0.28, 0.22);
        // The front envelope is cut out of the back one with a gap of tile colour, so the two read apart.
        if !front.body(x, y, 0.05 * s) && back.paper(x, y) {
            return lerp(tile, WHITE, 0.55);
        }
        if front.paper(x, y) {
            return WHITE;
        }
        return tile;
    }
    // Small: one envelope, as large as the tile allows.
    let (w, h) = (0.72 * s, 0.52 * s);
    let env = Envelope {
        ox: (s - w) / 2.0,
        oy: (s - h) / 2.0,
        w,
        h,
        stroke: 0.07 * s,
        radius: 0.05 * s,
    };
    if env.paper(x, y) {
        WHITE
    } else {
        tile
    }
}

/// White diagonal stripes, two fifths of every four gaps.
fn hatch(x: f32, y: f32, l: &Layout) -> bool {
    if l.gap <= 1.0 {
        // Small sizes: one-pixel diagonals on whole pixels, every third, which anti-aliasing would blur into a
        // checkerboard.
        return (x.floor() + y.floor()) % 3.0 == 0.0;
    }
    let period = 4.0 * l.gap;
    ((x + y) / period).fract() < 0.4
}

/// A "+" centred in its segment, one gap thick, its bars on whole pixels (at 16 px a 3 × 3 cross).
fn plus(x: f32, y: f32, x0: f32, x1: f32, l: &Layout) -> bool {
    let half = l.gap / 2.0;
    let snap = |c: f32| (c - half).round() + half;
    let (cx, cy) = (snap((x0 + x1) / 2.0), snap(l.band_bottom / 2.0));
    let arm = (((x1 - x0).min(l.band_bottom) * 0.36 - half).round() + half).max(half + l.gap);
    let vertical = (x - cx).abs() <= half && (y - cy).abs() <= arm;
    let horizontal = (y - cy).abs() <= half && (x - cx).abs() <= arm;
    vertical || horizontal
}

fn lerp(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

/// The icon at `size` × `size` px (clamped to [`MIN_SIZE`]..=[`MAX_SIZE`]) as RGBA bytes, row by row, straight
/// (not premultiplied) alpha: what `new ImageData(bytes, size, size)` takes.
pub fn render(size: u32, accounts: &[IconAccount]) -> Vec<u8> {
    let size = size.clamp(MIN_SIZE, MAX_SIZE);
    let layout = Layout::new(size, &segments(accounts));
    supersample(size, |x, y| sample(&layout, x, y))
}

/// The size of a notification's icon: Chrome shows it at 80 px (`message_center` scales down), and so does the
/// Linux notification daemon of most desktops.
pub const NOTIFICATION_SIZE: u32 = 80;

/// gmux's mark on a tile in the account's colour (`#rrggbb`, else grey), as RGBA bytes like [`render`]: the
/// icon of a notification, so the account shows at a glance before its address is read.
pub fn render_account(size: u32, color: &str) -> Vec<u8> {
    let size = size.clamp(MIN_SIZE, MAX_SIZE);
    let base = parse_hex_color(color).map_or(FALLBACK, |c| c.map(f32::from));
    // The same light-to-dark diagonal as the mark's indigo, in the account's colour.
    let (top, bottom) = (lerp(base, WHITE, 0.12), lerp(base, [0.0; 3], 0.22));
    supersample(size, |x, y| {
        let s = size as f32;
        if !in_round_rect(x, y, 0.0, 0.0, s, s, s * 0.22) {
            return None;
        }
        Some(plain_mark(s, x, y, lerp(top, bottom, (x + y) / (2.0 * s))))
    })
}

/// Each pixel from 4×4 (from 64 px) or 8×8 samples of `sample`, which gives a colour or `None` outside the shape.
fn supersample(size: u32, sample: impl Fn(f32, f32) -> Option<[f32; 3]>) -> Vec<u8> {
    let n = if size >= 64 { 4 } else { 8 };
    let mut out = Vec::with_capacity((size * size * 4) as usize);
    for py in 0..size {
        for px in 0..size {
            let mut acc = [0.0f32; 3];
            let mut covered = 0u32;
            for sy in 0..n {
                for sx in 0..n {
                    let x = px as f32 + (sx as f32 + 0.5) / n as f32;
                    let y = py as f32 + (sy as f32 + 0.5) / n as f32;
                    if let Some(c) = sample(x, y) {
                        for i in 0..3 {
                            acc[i] += c[i];
                        }
                        covered += 1;
                    }
                }
            }
            if covered == 0 {
                out.extend_from_slice(&[0, 0, 0, 0]);
                continue;
            }
            let rgb = acc.map(|v| (v / covered as f32).round().clamp(0.0, 255.0) as u8);
            let alpha = (covered as f32 * 255.0 / (n * n) as f32).round() as u8;
            out.extend_from_slice(&[rgb[0], rgb[1], rgb[2], alpha]);
        }
    }
    out
}

/// The icon set on the toolbar button: its accounts and the RGBA images per size (a test build reads it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IconShown {
    pub accounts: Vec<IconAccount>,
    /// (size in px, RGBA bytes as [`render`] gives them).
    pub images: Vec<(u32, Vec<u8>)>,
}

/// Everything the toolbar button shows: the badge (the total, or "!"), the icon's accounts, and the tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct Toolbar {
    pub badge: Badge,
    /// The accounts as [`render`] draws them; empty draws gmux's plain mark.
    pub accounts: Vec<IconAccount>,
}

/// The toolbar for what the background knows. The accounts come in the user's order (the host's list), each
/// with its colour, its shown unread count (Primary only counts its Primary tab) and whether it must be
/// reconnected. While gmux-host itself is in trouble the icon is the plain mark and the badge's "!" and tooltip
/// say why; otherwise the tooltip lists every account.
pub fn toolbar(store: &InboxStore, status: &Status, settings: &Settings) -> Toolbar {
    let mut badge = view::store_badge(store, status.host, settings);
    let host_problem = matches!(
        status.host,
        HostState::Missing | HostState::Failed | HostState::Untrusted
    );
    if host_problem {
        return Toolbar {
            badge,
            accounts: Vec::new(),
        };
    }
    // The host's list is the user's order; an account the store has and the list not yet (a status not read
    // yet) comes after it, in the store's order.
    let mut ids: Vec<&str> = status.accounts.iter().map(|a| a.id.as_str()).collect();
    for a in &store.accounts {
        if !ids.contains(&a.account.id.as_str()) {
            ids.push(&a.account.id);
        }
    }
    let accounts: Vec<IconAccount> = ids
        .iter()
        .enumerate()
        .map(|(order, id)| {
            let stored = store.account(id);
            let listed = status.accounts.iter().find(|a| a.id == *id);
            IconAccount {
                email: stored
                    .map(|s| s.account.email.clone())
                    .or_else(|| listed.map(|l| l.email.clone()))
                    .unwrap_or_default(),
                color: view::account_color(&status.accounts, id, order),
                unread: stored.map_or(0, |s| {
                    s.account.shown_unread(settings.account(id).primary_only)
                }),
                needs_reconnect: stored
                    .is_some_and(|s| s.account.health == SyncHealth::ReauthRequired)
                    || listed.is_some_and(|l| l.status == AccountStatus::ReauthRequired),
            }
        })
        .collect();
    if !accounts.is_empty() {
        badge.title = tooltip(&accounts);
    }
    Toolbar { badge, accounts }
}

/// The toolbar button's tooltip: every account and its unread count, and which need reconnecting.
pub fn tooltip(accounts: &[IconAccount]) -> String {
    if accounts.is_empty() {
        return "gmux: no accounts yet".to_string();
    }
    let mut lines = vec!["gmux".to_string()];
    for a in accounts {
        let count = match a.unread {
            0 => "no unread mail".to_string(),
            1 => "1 unread".to_string(),
            n => format!("{n} unread"),
        };
        let email = crate::text::display_text(&a.email);
        lines.push(if a.needs_reconnect {
            format!("{email}: needs reconnecting ({count} at the last sync)")
        } else {
            format!("{email}: {count}")
        });
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(color: &str, unread: u64, needs_reconnect: bool) -> IconAccount {
        IconAccount {
            email: format!("{}@example.org", &color[1..]),
            color: color.into(),
            unread,
            needs_reconnect,
        }
    }

    fn pixel(img: &[u8], size: u32, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * size + x) * 4) as usize;
        [img[i], img[i + 1], img[i + 2], img[i + 3]]
    }

    /// The centre pixel of each segment slot (in the band), as RGB.
    fn segment_centres(img: &[u8], size: u32, slots: usize) -> Vec<[u8; 3]> {
        let s = size as f32;
        let unit = (s / 16.0).round().max(1.0);
        let band = (s * 0.375).round();
        (0..slots)
            .map(|i| {
                let i = i as f32;
                let x0 = (i * (s + unit) / slots as f32).round();
                let x1 = ((i + 1.0) * (s + unit) / slots as f32).round() - unit;
                // A quarter into the slot: clear of a "+" in its middle, and of the tile's rounded corners.
                let x = ((x0 + x1) / 2.0) as u32;
                let y = (band * 0.7) as u32;
                let p = pixel(img, size, x, y);
                [p[0], p[1], p[2]]
            })
            .collect()
    }

    fn rgb(hex: &str) -> [u8; 3] {
        parse_hex_color(hex).unwrap()
    }

    fn check(accounts: &[IconAccount], expected_segments: &[[u8; 3]]) {
        for size in [16, 19, 32, 38, 48, 64, 128] {
            let img = render(size, accounts);
            assert_eq!(img.len(), (size * size * 4) as usize);
            if expected_segments.is_empty() {
                // The plain mark: the top centre is tile, not a segment.
                let p = pixel(&img, size, size / 2, size / 8);
                assert!(p[2] > 180 && p[0] < 120, "size {size}: {p:?}");
                continue;
            }
            let got = segment_centres(&img, size, expected_segments.len());
            assert_eq!(got, expected_segments, "size {size}");
            // The gap under the band is transparent in the middle.
            let band = (size as f32 * 0.375).round() as u32;
            assert_eq!(pixel(&img, size, size / 2, band)[3], 0, "size {size}");
        }
    }

    #[test]
    fn segments_show_the_accounts_with_unread_mail() {
        let blue = "#1a73e8";
        let red = "#d93025";
        let green = "#188038";
        let orange = "#e37400";
        let purple = "#9334e6";
        check(&[], &[]);
        check(&[account(blue, 0, false), account(red, 0, false)], &[]);
        check(
            &[account(blue, 3, false), account(red, 0, false)],
            &[rgb(blue)],
        );
        check(
            &[
                account(blue, 3, false),
                account(red, 0, false),
                account(green, 1, false),
            ],
            &[rgb(blue), rgb(green)],
        );
        check(
            &[
                account(blue, 1, false),
                account(red, 1, false),
                account(green, 1, false),
                account(orange, 1, false),
            ],
            &[rgb(blue), rgb(red), rgb(green), rgb(orange)],
        );
        // Five: three, then the "+" segment (its fill beside the plus).
        let five = [
            account(blue, 1, false),
            account(red, 1, false),
            account(green, 1, false),
            account(orange, 1, false),
            account(purple, 1, false),
        ];
        let img = render(32, &five);
        let centres = segment_centres(&img, 32, 4);
        assert_eq!(&centres[..3], &[rgb(blue), rgb(red), rgb(green)]);
        // The "+" segment: white at its centre, grey at its corner.
        let x0 = ((3.0 * 34.0 / 4.0) as f32).round() as u32;
        let x1 = 32 - 1;
        let cx = (x0 + x1) / 2;
        assert_eq!(pixel(&img, 32, cx, 6), [255, 255, 255, 255]);
        assert_eq!(
            &pixel(&img, 32, x0 + 1, 10)[..3],
            &PLUS_FILL.map(|v| v as u8)
        );
        // A colour that is not #rrggbb is drawn grey, never garbage.
        check(
            &[account("#zzzzzz", 2, false)],
            &[FALLBACK.map(|v| v as u8)],
        );
    }

    #[test]
    fn reconnect_needed_accounts_are_hatched_even_without_unread() {
        let img = render(32, &[account("#1a73e8", 0, true)]);
        // One segment across the band, striped: both the colour and a near-white stripe appear in it.
        let band = 12;
        let mut colour = 0;
        let mut stripe = 0;
        for y in 2..band - 1 {
            for x in 8..24 {
                let p = pixel(&img, 32, x, y);
                if p[..3] == rgb("#1a73e8") {
                    colour += 1;
                }
                if p[0] > 200 && p[1] > 200 {
                    stripe += 1;
                }
            }
        }
        assert!(
            colour > 40 && stripe > 20,
            "colour {colour}, stripe {stripe}"
        );
        // Without the reconnect mark the same account with unread mail is solid.
        let solid = render(32, &[account("#1a73e8", 2, false)]);
        let stripes = (2..band - 1)
            .flat_map(|y| (8..24).map(move |x| (x, y)))
            .filter(|&(x, y)| pixel(&solid, 32, x, y)[0] > 200)
            .count();
        assert_eq!(stripes, 0);
    }

    #[test]
    fn the_plain_mark_matches_the_static_icons_shape() {
        // Corners are transparent, the centre of the tile's edge is opaque, the envelope is white.
        for size in [16, 32, 48, 128] {
            let img = render(size, &[]);
            assert_eq!(pixel(&img, size, 0, 0)[3], 0, "{size}");
            assert_eq!(pixel(&img, size, size / 2, 0)[3], 255, "{size}");
            let whites = img.chunks(4).filter(|p| p == &[255, 255, 255, 255]).count();
            assert!(whites as u32 > size * size / 10, "{size}: {whites}");
        }
        // Edges are anti-aliased: the rounded corner has partial alpha.
        let img = render(32, &[]);
        let partial = img.chunks(4).filter(|p| p[3] > 0 && p[3] < 255).count();
        assert!(partial > 8, "{partial}");
    }

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(render(0, &[]).len(), (MIN_SIZE * MIN_SIZE * 4) as usize);
        assert_eq!(
            render(10_000, &[]).len(),
            (MAX_SIZE * MAX_SIZE * 4) as usize
        );
    }

    #[test]
    fn tooltips_list_every_account() {
        assert_eq!(tooltip(&[]), "gmux: no accounts yet");
        let accounts = [
            IconAccount {
                email: "ada@x.org".into(),
                color: "#1a73e8".into(),
                unread: 3,
                needs_reconnect: false,
            },
            IconAccount {
                email: "bo@y.org".into(),
                color: "#d93025".into(),
                unread: 0,
                needs_reconnect: false,
            },
            IconAccount {
                email: "cy\u{202E}@z.org".into(),
                color: "#188038".into(),
                unread: 1,
                needs_reconnect: true,
            },
        ];
        assert_eq!(
            tooltip(&accounts),
            "gmux\nada@x.org: 3 unread\nbo@y.org: no unread mail\ncy@z.org: needs reconnecting (1 unread at the last sync)"
        );
    }

    #[test]
    fn a_notification_icon_is_the_mark_in_the_accounts_colour() {
        let size = NOTIFICATION_SIZE;
        for (color, tile) in [("#188038", rgb("#188038")), ("not a colour", [95, 99, 104])] {
            let img = render_account(size, color);
            assert_eq!(img.len(), (size * size * 4) as usize);
            // The corner is outside the rounded tile; the middle of the left edge is the tile, its own colour
            // give or take the gradient; the envelope in the middle is white.
            assert_eq!(pixel(&img, size, 0, 0)[3], 0, "{color}");
            let edge = pixel(&img, size, 2, size / 2);
            assert_eq!(edge[3], 255);
            for i in 0..3 {
                assert!(
                    (i32::from(edge[i]) - i32::from(tile[i])).abs() < 40,
                    "{color}: {edge:?} is not near {tile:?}"
                );
            }
            let paper = pixel(&img, size, size * 45 / 100, size * 70 / 100);
            assert_eq!(paper, [255, 255, 255, 255], "{color}");
        }
        // A preview for a person to look at, in the account palette.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/icon-preview");
        std::fs::create_dir_all(&dir).unwrap();
        let palette = crate::view::ACCOUNT_PALETTE;
        let width = size * palette.len() as u32;
        let mut sheet = vec![0u8; (width * size * 4) as usize];
        for (i, color) in palette.iter().enumerate() {
            let img = render_account(size, color);
            for y in 0..size {
                let from = (y * size * 4) as usize;
                let to = ((y * width + i as u32 * size) * 4) as usize;
                sheet[to..to + (size * 4) as usize]
                    .copy_from_slice(&img[from..from + (size * 4) as usize]);
            }
        }
        let png = crate::png::encode_rgba(width, size, &sheet).unwrap();
        std::fs::write(dir.join("notification-icons.png"), png).unwrap();
    }

    #[test]
    fn hex_colours() {
        assert_eq!(parse_hex_color("#1a73E8"), Some([0x1a, 0x73, 0xe8]));
        for bad in ["1a73e8", "#1a73e", "#1a73e8f", "#gggggg", "", "#ééé"] {
            assert_eq!(parse_hex_color(bad), None, "{bad:?}");
        }
    }

    /// Writes previews of the icon (16, 32 and 64 px, on a light and a dark toolbar, 8× enlarged without
    /// smoothing) to `target/icon-preview/` for a person to look at, and checks the PNG writer reads back.
    #[test]
    fn previews_are_written_for_looking_at() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/icon-preview");
        std::fs::create_dir_all(&dir).unwrap();
        let palette = ["#1a73e8", "#d93025", "#188038", "#e37400", "#9334e6"];
        let states: Vec<(&str, Vec<IconAccount>)> = vec![
            ("none", vec![]),
            ("one", vec![account(palette[0], 4, false)]),
            (
                "two",
                vec![
                    account(palette[0], 4, false),
                    account(palette[1], 0, false),
                    account(palette[2], 1, false),
                ],
            ),
            (
                "four",
                palette[..4].iter().map(|c| account(c, 1, false)).collect(),
            ),
            (
                "five",
                palette.iter().map(|c| account(c, 1, false)).collect(),
            ),
            (
                "reconnect",
                vec![account(palette[0], 2, false), account(palette[1], 0, true)],
            ),
        ];
        for (bg_name, bg) in [("light", [241u8, 243, 244]), ("dark", [32u8, 33, 36])] {
            for size in [16u32, 32, 64] {
                let scale = (256 / size).max(1);
                let cell = size * scale + 16;
                let width = cell * states.len() as u32;
                let mut sheet = vec![0u8; (width * cell * 3) as usize];
                for px in sheet.chunks_mut(3) {
                    px.copy_from_slice(&bg);
                }
                for (i, (_, accounts)) in states.iter().enumerate() {
                    let img = render(size, accounts);
                    for y in 0..size * scale {
                        for x in 0..size * scale {
                            let p = pixel(&img, size, x / scale, y / scale);
                            let a = f32::from(p[3]) / 255.0;
                            let o = (((y + 8) * width + i as u32 * cell + x + 8) * 3) as usize;
                            for c in 0..3 {
                                sheet[o + c] = (f32::from(p[c]) * a + f32::from(bg[c]) * (1.0 - a))
                                    .round() as u8;
                            }
                        }
                    }
                }
                let png = png::encode_rgb(width, cell, &sheet);
                assert_eq!(png::decode_stored_rgb(&png), Some(sheet.clone()));
                std::fs::write(dir.join(format!("icon-{size}-{bg_name}.png")), png).unwrap();
            }
        }
        let names: Vec<&str> = states.iter().map(|(n, _)| *n).collect();
        std::fs::write(
            dir.join("README.txt"),
            format!("left to right: {}\n", names.join(", ")),
        )
        .unwrap();
    }

    /// A PNG writer with stored (uncompressed) deflate blocks: enough for previews, no dependency.
    mod png {
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

        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            out.extend_from_slice(&body);
            out.extend_from_slice(&crc32(&body).to_be_bytes());
        }

        fn raw_rows(width: u32, rgb: &[u8]) -> Vec<u8> {
            rgb.chunks((width * 3) as usize)
                .flat_map(|row| std::iter::once(0u8).chain(row.iter().copied()))
                .collect()
        }

        pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
            let raw = raw_rows(width, rgb);
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
            let mut header = Vec::new();
            header.extend_from_slice(&width.to_be_bytes());
            header.extend_from_slice(&height.to_be_bytes());
            header.extend_from_slice(&[8, 2, 0, 0, 0]);
            let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
            chunk(&mut out, b"IHDR", &header);
            chunk(&mut out, b"IDAT", &z);
            chunk(&mut out, b"IEND", &[]);
            out
        }

        /// Reads back what [`encode_rgb`] wrote (one IDAT of stored blocks), checking both checksums.
        pub fn decode_stored_rgb(png: &[u8]) -> Option<Vec<u8>> {
            let mut pos = 8;
            let mut width = 0usize;
            let mut z = Vec::new();
            while pos + 12 <= png.len() {
                let len = u32::from_be_bytes(png[pos..pos + 4].try_into().ok()?) as usize;
                let body = png.get(pos + 4..pos + 8 + len)?;
                let crc =
                    u32::from_be_bytes(png.get(pos + 8 + len..pos + 12 + len)?.try_into().ok()?);
                if crc32(body) != crc {
                    return None;
                }
                match &body[..4] {
                    b"IHDR" => width = u32::from_be_bytes(body[4..8].try_into().ok()?) as usize,
                    b"IDAT" => z.extend_from_slice(&body[4..]),
                    _ => {}
                }
                pos += 12 + len;
            }
            let mut raw = Vec::new();
            let mut i = 2;
            loop {
                let last = *z.get(i)? == 1;
                let len = u16::from_le_bytes(z.get(i + 1..i + 3)?.try_into().ok()?) as usize;
                raw.extend_from_slice(z.get(i + 5..i + 5 + len)?);
                i += 5 + len;
                if last {
                    break;
                }
            }
            if u32::from_be_bytes(z.get(i..i + 4)?.try_into().ok()?) != adler32(&raw) {
                return None;
            }
            Some(
                raw.chunks(width * 3 + 1)
                    .flat_map(|row| row[1..].iter().copied())
                    .collect(),
            )
        }
    }

    /// (host state, the host's list as (id, colour, reauth), the store as (id, unread, reauth), Primary only
    /// for "b", expected accounts as (id's colour, unread, needs_reconnect), words the tooltip has)
    #[test]
    fn the_toolbar_shows_the_accounts_in_the_users_order_with_their_colours_and_counts() {
        use crate::inbox::AccountInbox;
        use crate::protocol::Account as HostAccount;
        type Case<'a> = (
            HostState,
            &'a [(&'a str, &'a str, bool)],
            &'a [(&'a str, u64, bool)],
            bool,
            &'a [(&'a str, u64, bool)],
            &'a [&'a str],
        );
        let cases: &[Case] = &[
            // The host's order, the colours the user picked.
            (
                HostState::Connected,
                &[("b", "#00ff00", false), ("a", "#ff0000", false)],
                &[("a", 3, false), ("b", 0, false)],
                false,
                &[("#00ff00", 0, false), ("#ff0000", 3, false)],
                &["b@x.org: no unread mail", "a@x.org: 3 unread"],
            ),
            // Reconnect needed, from the store's health or the host's list.
            (
                HostState::Connected,
                &[("a", "#ff0000", true), ("b", "#00ff00", false)],
                &[("a", 2, false), ("b", 1, true)],
                false,
                &[("#ff0000", 2, true), ("#00ff00", 1, true)],
                &["a@x.org: needs reconnecting (2 unread at the last sync)"],
            ),
            // Primary only counts b's Primary tab (1 here).
            (
                HostState::Connected,
                &[("a", "#ff0000", false), ("b", "#00ff00", false)],
                &[("a", 0, false), ("b", 9, false)],
                true,
                &[("#ff0000", 0, false), ("#00ff00", 1, false)],
                &["b@x.org: 1 unread"],
            ),
            // A status not read yet: the store's accounts in its order, the palette's colours.
            (
                HostState::Connecting,
                &[],
                &[("a", 1, false)],
                false,
                &[(crate::view::default_account_color(0), 1, false)],
                &["a@x.org: 1 unread"],
            ),
            // gmux-host in trouble: the plain mark, the badge's sentence.
            (
                HostState::Missing,
                &[("a", "#ff0000", false)],
                &[("a", 5, false)],
                false,
                &[],
                &["not installed"],
            ),
            (
                HostState::Connected,
                &[],
                &[],
                false,
                &[],
                &["no accounts yet"],
            ),
        ];
        for (host, listed, stored, primary_only, expected, words) in cases {
            let status = Status {
                host: *host,
                accounts: listed
                    .iter()
                    .enumerate()
                    .map(|(i, (id, color, reauth))| HostAccount {
                        id: id.to_string(),
                        email: format!("{id}@x.org"),
                        color: color.to_string(),
                        order: i as u32,
                        status: if *reauth {
                            AccountStatus::ReauthRequired
                        } else {
                            AccountStatus::Ok
                        },
                        scopes: vec![],
                        status_detail: None,
                    })
                    .collect(),
                ..Status::default()
            };
            let mut store = InboxStore::default();
            for (id, unread, reauth) in stored.iter() {
                let mut inbox = AccountInbox::new(id, &format!("{id}@x.org"));
                inbox.account.counts.threads_unread = *unread;
                inbox.account.primary_unread = Some(1);
                if *reauth {
                    inbox.account.health = SyncHealth::ReauthRequired;
                }
                store.put_account(inbox);
            }
            let mut settings = Settings::default();
            if *primary_only {
                settings.accounts.insert(
                    "b".into(),
                    crate::settings::AccountSettings {
                        primary_only: true,
                        ..Default::default()
                    },
                );
            }
            let toolbar = toolbar(&store, &status, &settings);
            let got: Vec<(&str, u64, bool)> = toolbar
                .accounts
                .iter()
                .map(|a| (a.color.as_str(), a.unread, a.needs_reconnect))
                .collect();
            assert_eq!(&got, expected, "{host:?} {listed:?} {stored:?}");
            for w in words.iter() {
                assert!(
                    toolbar.badge.title.contains(w),
                    "{w:?} in {:?}",
                    toolbar.badge.title
                );
            }
        }
    }
}
