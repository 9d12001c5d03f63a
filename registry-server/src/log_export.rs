//! `mxcert-registry admin log export DIR`: the transparency log as static files, laid out as
//! the C2SP `tlog-tiles` paths (`DIR/tile/...`, `DIR/key`, `DIR/checkpoint`), for a CDN or a
//! mirror. Tiles and entry bundles are written first and the checkpoint last, each atomically
//! (temporary file, fsync, rename), so a reader of DIR never sees a checkpoint whose tiles are
//! missing.

use std::path::{Path, PathBuf};

use mxcert_core::tlog::tile::{Tile, TILE_HEIGHT, TILE_WIDTH};

use crate::store::Store;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("failed to write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the log does not hold tile {0}, which its checkpoint needs")]
    MissingTile(String),
}

/// Every tile (hash tiles of each level, and entry bundles) of a tree of `size` leaves.
pub fn tiles_of(size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let mut push_level = |level: Option<u8>, count: u64| {
        for index in 0..count.div_ceil(TILE_WIDTH) {
            let width = (count - index * TILE_WIDTH).min(TILE_WIDTH);
            tiles.push(Tile {
                level,
                index,
                width,
            });
        }
    };
    push_level(None, size);
    let mut level = 0u8;
    loop {
        let shift = u32::from(level) * u32::from(TILE_HEIGHT);
        let count = if shift >= 64 { 0 } else { size >> shift };
        if count == 0 {
            break;
        }
        push_level(Some(level), count);
        level += 1;
    }
    tiles
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let err = |source| ExportError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)
}

/// Writes the log at its latest checkpoint into `dir`; returns the tree size exported.
pub async fn export(store: &Store, dir: &Path) -> Result<u64, ExportError> {
    let checkpoint = store.latest_checkpoint().await?;
    for tile in tiles_of(checkpoint.size) {
        let bytes = store
            .log_tile(tile)
            .await?
            .ok_or_else(|| ExportError::MissingTile(tile.path()))?;
        write(&dir.join(tile.path()), &bytes)?;
    }
    let key = store.log_key().await?;
    write(&dir.join("key"), format!("{}\n", key.vkey).as_bytes())?;
    write(&dir.join("checkpoint"), checkpoint.note.as_bytes())?;
    Ok(checkpoint.size)
}
