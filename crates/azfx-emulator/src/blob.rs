//! File bytes on disk, one sparse file per Azure file, named by file id. Reads of ranges
//! never written return zeros, as on the service. All IO runs on tokio's blocking pool;
//! large reads stream in chunks so a 10 GiB file never sits in memory.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use hyper::body::Frame;

/// Bytes per chunk when streaming a large read.
const STREAM_CHUNK_BYTES: u64 = 1 << 20;

/// Where the bytes of every file live.
#[derive(Debug)]
pub(crate) struct Blobs {
    dir: PathBuf,
}

/// Fills `buf` from `offset`; bytes past the end of the file read as zeros.
fn read_exact_or_zero(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        match read_at(file, &mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf[filled..].fill(0);
    Ok(())
}

/// Writes all of `data` at `offset`, whatever the file position.
fn write_all_at(file: &File, mut data: &[u8], mut offset: u64) -> io::Result<()> {
    while !data.is_empty() {
        match write_at(file, data, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                data = &data[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(unix)]
fn write_at(file: &File, data: &[u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, data, offset)
}

/// Windows' positional reads move the file pointer; every caller here passes its offset.
#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(windows)]
fn write_at(file: &File, data: &[u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(file, data, offset)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(io::Error::other)?
}

impl Blobs {
    /// Keeps file bytes under `dir` (created if needed).
    pub(crate) fn new(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self { dir: dir.to_owned() })
    }

    /// Path of the bytes of file `id`.
    pub(crate) fn path_of(&self, id: u64) -> PathBuf {
        self.dir.join(format!("{id:016x}"))
    }

    /// Reads `len` bytes from `offset` into memory (for ranges of a few MiB).
    pub(crate) async fn read(&self, id: u64, offset: u64, len: u64) -> io::Result<Bytes> {
        let path = self.path_of(id);
        blocking(move || {
            let mut buf = vec![0_u8; usize::try_from(len).map_err(io::Error::other)?];
            match File::open(&path) {
                Ok(file) => read_exact_or_zero(&file, &mut buf, offset)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            Ok(Bytes::from(buf))
        })
        .await
    }

    /// Writes `data` at `offset` of a file whose logical size is `size`.
    pub(crate) async fn write(&self, id: u64, offset: u64, data: Bytes, size: u64) -> io::Result<()> {
        let path = self.path_of(id);
        blocking(move || {
            let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
            if file.metadata()?.len() != size {
                file.set_len(size)?;
            }
            write_all_at(&file, &data, offset)
        })
        .await
    }

    /// Gives file `to` the bytes of file `from` (Copy File); holes stay holes where the
    /// filesystem copies sparsely.
    pub(crate) async fn copy(&self, from: u64, to: u64, size: u64) -> io::Result<()> {
        let (source, target) = (self.path_of(from), self.path_of(to));
        blocking(move || {
            match std::fs::copy(&source, &target) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            let file = OpenOptions::new().create(true).truncate(false).write(true).open(&target)?;
            file.set_len(size)
        })
        .await
    }

    /// Zeros `len` bytes from `offset` (Put Range with `x-ms-write: clear`).
    pub(crate) async fn clear(&self, id: u64, offset: u64, len: u64) -> io::Result<()> {
        let path = self.path_of(id);
        blocking(move || {
            let file = match OpenOptions::new().write(true).open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            };
            let zeros = vec![0_u8; 1 << 20];
            let mut done = 0;
            while done < len {
                let n = (len - done).min(zeros.len() as u64);
                write_all_at(&file, &zeros[..usize::try_from(n).map_err(io::Error::other)?], offset + done)?;
                done += n;
            }
            Ok(())
        })
        .await
    }

    /// Sets the on-disk length after a resize (shrinking drops the bytes above it).
    pub(crate) async fn resize(&self, id: u64, size: u64) -> io::Result<()> {
        let path = self.path_of(id);
        blocking(move || match OpenOptions::new().write(true).open(&path) {
            Ok(file) => file.set_len(size),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        })
        .await
    }

    /// Drops the bytes of deleted files.
    pub(crate) async fn remove(&self, ids: Vec<u64>) {
        if ids.is_empty() {
            return;
        }
        let paths: Vec<PathBuf> = ids.into_iter().map(|id| self.path_of(id)).collect();
        let result = blocking(move || {
            for path in paths {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
        .await;
        if let Err(e) = result {
            tracing::warn!("emulator could not remove file bytes: {e}");
        }
    }

    /// Streams `len` bytes from `offset` in chunks. With `reset_after`, the stream fails
    /// after that many bytes, which makes the server drop the connection mid-body.
    pub(crate) fn stream(
        self: Arc<Self>,
        id: u64,
        offset: u64,
        len: u64,
        reset_after: Option<u64>,
    ) -> impl Stream<Item = io::Result<Frame<Bytes>>> + Send + 'static {
        futures_util::stream::unfold(0_u64, move |sent| {
            let blobs = Arc::clone(&self);
            async move {
                if sent >= len {
                    return None;
                }
                if reset_after.is_some_and(|limit| sent >= limit) {
                    let reset = io::Error::new(io::ErrorKind::ConnectionReset, "injected connection reset");
                    return Some((Err(reset), len));
                }
                let mut chunk = (len - sent).min(STREAM_CHUNK_BYTES);
                if let Some(limit) = reset_after {
                    chunk = chunk.min(limit - sent).max(1);
                }
                match blobs.read(id, offset + sent, chunk).await {
                    Ok(bytes) => Some((Ok(Frame::data(bytes)), sent + chunk)),
                    Err(e) => Some((Err(e), len)),
                }
            }
        })
    }
}
