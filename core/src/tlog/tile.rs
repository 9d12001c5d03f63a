//! C2SP `tlog-tiles` (<https://c2sp.org/tlog-tiles>): tile paths, entry bundles, and a
//! [`HashReader`] over fetched tiles, so that a client computes any proof from tiles alone.
//!
//! A tile at level `L` and index `N` holds up to 256 hashes of the Merkle level `8·L`:
//! subtrees `N·256 ..` of that level. A full tile has 256; a partial one (`.p/W`) the first `W`.
//! An entry bundle (`tile/entries/N`) holds entries `N·256 ..`, each as a big-endian `u16`
//! length followed by its bytes.

use super::merkle::{root_from_leaf_hashes, Hash, HashReader, SubtreeId};
use std::collections::HashMap;

/// Hashes (or entries) per full tile.
pub const TILE_WIDTH: u64 = 256;
/// Merkle levels per tile level.
pub const TILE_HEIGHT: u8 = 8;

/// One tile: `level` is the tile level (`None` for an entry bundle), `width` 1..=256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    pub level: Option<u8>,
    pub index: u64,
    pub width: u64,
}

/// Why a tile path, tile or bundle is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("{0:?} is not a tile path (tile/L/N[.p/W] or tile/entries/N[.p/W])")]
    Path(String),
    #[error("a tile of width {width} must be {expected} bytes, this one is {got}")]
    Size {
        width: u64,
        expected: usize,
        got: usize,
    },
    #[error("entry bundle: entry {0} runs past the end of the bundle")]
    Truncated(usize),
    #[error("entry bundle: it holds {got} entries, not {expected}")]
    Count { expected: u64, got: usize },
    #[error("an entry is {0} bytes; an entry bundle holds at most 65535 per entry")]
    EntryTooLarge(usize),
    #[error("missing tile {0}")]
    Missing(String),
}

impl Tile {
    /// The path of this tile below the log's prefix, e.g. `tile/0/x001/234` or
    /// `tile/entries/000.p/17`.
    pub fn path(&self) -> String {
        let level = self.level.map_or("entries".to_owned(), |l| l.to_string());
        let mut out = format!("tile/{level}/{}", encode_index(self.index));
        if self.width < TILE_WIDTH {
            out.push_str(&format!(".p/{}", self.width));
        }
        out
    }

    /// Parses a path relative to the log prefix (`tile/...`).
    pub fn parse(path: &str) -> Result<Self, TileError> {
        let bad = || TileError::Path(path.chars().take(200).collect());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
        let level = match level {
            "entries" => None,
            l if l.len() == 1 && l.as_bytes()[0].is_ascii_digit() => Some(l.as_bytes()[0] - b'0'),
            _ => return Err(bad()),
        };
        let (index_path, width) = match rest.split_once(".p/") {
            Some((n, w)) => {
                let ok = !w.is_empty() && w.len() <= 3 && w.bytes().all(|b| b.is_ascii_digit());
                let ok = ok && !w.starts_with('0');
                let width: u64 = w.parse().map_err(|_| bad())?;
                if !ok || width == 0 || width >= TILE_WIDTH {
                    return Err(bad());
                }
                (n, width)
            }
            None => (rest, TILE_WIDTH),
        };
        let index = decode_index(index_path).ok_or_else(bad)?;
        Ok(Tile {
            level,
            index,
            width,
        })
    }

    /// The Merkle subtrees a hash tile holds, in order.
    pub fn subtrees(&self) -> Vec<SubtreeId> {
        let level = self.level.unwrap_or(0) * TILE_HEIGHT;
        (0..self.width)
            .map(|i| SubtreeId {
                level,
                index: self.index * TILE_WIDTH + i,
            })
            .collect()
    }

    /// Whether a tree of `size` leaves holds this tile whole (as wide as stated).
    pub fn within(&self, size: u64) -> bool {
        let level = u32::from(self.level.unwrap_or(0)) * u32::from(TILE_HEIGHT);
        let count = if level >= 64 { 0 } else { size >> level };
        self.index
            .checked_mul(TILE_WIDTH)
            .and_then(|s| s.checked_add(self.width))
            .is_some_and(|end| end <= count)
    }
}

/// `N` as tlog-tiles writes it: groups of three digits, all but the last prefixed with `x`.
pub fn encode_index(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

fn decode_index(path: &str) -> Option<u64> {
    let parts: Vec<&str> = path.split('/').collect();
    let (last, init) = parts.split_last()?;
    if init.len() > 6 {
        return None;
    }
    let mut n: u64 = 0;
    for (i, part) in init.iter().enumerate() {
        let digits = part.strip_prefix('x')?;
        if i == 0 && digits == "000" {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(three_digits(digits)?)?;
    }
    n.checked_mul(1000)?.checked_add(three_digits(last)?)
}

fn three_digits(s: &str) -> Option<u64> {
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// The tiles and widths a client needs for a tree of `size` leaves (the tile holding `id`).
pub fn tile_of(id: SubtreeId, size: u64) -> Tile {
    let tile_level = id.level / TILE_HEIGHT;
    let extra = id.level % TILE_HEIGHT;
    let base = id.index << extra;
    let index = base / TILE_WIDTH;
    let level_size = size >> (u32::from(tile_level) * u32::from(TILE_HEIGHT));
    let width = (level_size - index * TILE_WIDTH).min(TILE_WIDTH);
    Tile {
        level: Some(tile_level),
        index,
        width,
    }
}

/// Concatenated hashes of a hash tile.
pub fn encode_hashes(hashes: &[Hash]) -> Vec<u8> {
    hashes.concat()
}

/// Splits a hash tile of `width` hashes.
pub fn decode_hashes(bytes: &[u8], width: u64) -> Result<Vec<Hash>, TileError> {
    let expected = usize::try_from(width)
        .unwrap_or(usize::MAX)
        .saturating_mul(32);
    if bytes.len() != expected {
        return Err(TileError::Size {
            width,
            expected,
            got: bytes.len(),
        });
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| <Hash>::try_from(c).unwrap_or([0; 32]))
        .collect())
}

/// An entry bundle: each entry as a big-endian `u16` length and its bytes.
pub fn encode_entries<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLarge(e.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Splits an entry bundle that must hold `width` entries.
pub fn decode_entries(mut bytes: &[u8], width: u64) -> Result<Vec<Vec<u8>>, TileError> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let n = out.len();
        if bytes.len() < 2 {
            return Err(TileError::Truncated(n));
        }
        let len = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
        let rest = &bytes[2..];
        if rest.len() < len {
            return Err(TileError::Truncated(n));
        }
        out.push(rest[..len].to_vec());
        bytes = &rest[len..];
        if out.len() as u64 > width {
            break;
        }
    }
    if out.len() as u64 != width {
        return Err(TileError::Count {
            expected: width,
            got: out.len(),
        });
    }
    Ok(out)
}

/// A [`HashReader`] over hash tiles a client fetched: subtrees below a tile's level are
/// computed from the hashes of its tile level (as Go's `tlog.TileHashReader` does).
#[derive(Debug, Default, Clone)]
pub struct TileReader {
    tiles: HashMap<(u8, u64), Vec<Hash>>,
}

impl TileReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a fetched (and decoded) tile.
    pub fn insert(&mut self, tile: Tile, hashes: Vec<Hash>) {
        let key = (tile.level.unwrap_or(0), tile.index);
        let wider = self.tiles.get(&key).is_none_or(|h| h.len() < hashes.len());
        if wider {
            self.tiles.insert(key, hashes);
        }
    }

    /// The tiles needed to read `ids` in a tree of `size` leaves, that are not held yet.
    pub fn missing(&self, ids: &[SubtreeId], size: u64) -> Vec<Tile> {
        let mut out: Vec<Tile> = Vec::new();
        for id in ids {
            let tile = tile_of(*id, size);
            let have = self
                .tiles
                .get(&(tile.level.unwrap_or(0), tile.index))
                .is_some_and(|h| h.len() as u64 >= tile.width);
            if !have && !out.contains(&tile) {
                out.push(tile);
            }
        }
        out
    }
}

impl HashReader for TileReader {
    type Error = TileError;
    fn read_hashes(&self, ids: &[SubtreeId]) -> Result<Vec<Hash>, TileError> {
        ids.iter()
            .map(|id| {
                let tile_level = id.level / TILE_HEIGHT;
                let extra = id.level % TILE_HEIGHT;
                let start = id.index << extra;
                let (index, offset) = (start / TILE_WIDTH, (start % TILE_WIDTH) as usize);
                let missing = || TileError::Missing(format!("{tile_level}/{index}"));
                let hashes = self.tiles.get(&(tile_level, index)).ok_or_else(missing)?;
                let span = hashes
                    .get(offset..offset + (1usize << extra))
                    .ok_or_else(missing)?;
                Ok(root_from_leaf_hashes(span))
            })
            .collect()
    }
}
