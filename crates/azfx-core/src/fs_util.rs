//! Positional file IO that works on Unix and Windows, for range transfers and the
//! emulator's file bytes. Blocking: call from a blocking task, never the UI thread.

use std::fs::File;
use std::io;

#[cfg(unix)]
fn read_at_once(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at_once(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(unix)]
fn write_at_once(file: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, buf, offset)
}

#[cfg(windows)]
fn write_at_once(file: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(file, buf, offset)
}

/// Fills `buf` from `offset`; returns how many bytes were read before the end of the file.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match read_at_once(file, &mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Writes all of `buf` at `offset`.
pub fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match write_at_once(file, buf, offset) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "short write")),
            Ok(n) => {
                buf = &buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Keeps a file being written by other threads flowing to the disk: each time the
/// writers report (through `written`, in bytes) another `every` bytes, `fdatasync`s the
/// file and drops its now-clean pages from the page cache (Linux
/// `posix_fadvise(POSIX_FADV_DONTNEED)`), so the disk writes while the transfer goes on,
/// the closing `fsync` waits only for the last bytes, and a 200 GiB download does not
/// push everything else out of memory. Returns when every sender is dropped, with the
/// first flush error: Linux reports a write-back error once, to the first `fsync` that
/// sees it, so the caller must fail the file on it (its closing `fsync` may then
/// succeed although bytes never reached the disk). After an error it stops flushing and
/// only drains `written`. Blocking: run it on a blocking thread of its own.
pub fn flush_while_written(file: &File, written: &std::sync::mpsc::Receiver<u64>, every: u64) -> io::Result<()> {
    let mut pending = 0;
    let mut failed = None;
    while let Ok(bytes) = written.recv() {
        pending += bytes;
        if failed.is_none() && pending >= every {
            pending = 0;
            match file.sync_data() {
                Ok(()) => {
                    #[cfg(target_os = "linux")]
                    let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
                }
                Err(e) => failed = Some(e),
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flushes of a large download (`fdatasync` on Linux, `FlushFileBuffers` on
    /// Windows, where these tests also run under Wine) go through and the bytes are there.
    #[test]
    fn a_file_written_at_offsets_is_flushed_while_it_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = File::options().read(true).write(true).create_new(true).open(dir.path().join("f")).expect("made");
        let (sender, written) = std::sync::mpsc::sync_channel(4);
        let shared = &file;
        std::thread::scope(|scope| {
            let flusher = scope.spawn(move || flush_while_written(shared, &written, 1024));
            for (index, byte) in [b'a', b'b', b'c'].into_iter().enumerate() {
                write_all_at(&file, &[byte; 1024], 1024 * index as u64).expect("written");
                sender.send(1024).expect("sent");
            }
            drop(sender);
            flusher.join().expect("joined").expect("flushed");
        });
        file.sync_all().expect("synced");
        let mut back = vec![0; 3072];
        assert_eq!(read_at(&file, &mut back, 0).expect("read"), 3072);
        assert!(back[..1024].iter().all(|&b| b == b'a') && back[2048..].iter().all(|&b| b == b'c'));
        assert_eq!(read_at(&file, &mut back, 3072).expect("read at the end"), 0);
    }
}
