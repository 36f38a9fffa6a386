//! Header repair for recordings cut short by a crash.
//!
//! The writer checkpoints the header about once a second, but audio keeps
//! reaching the file between checkpoints, so after a kill the RIFF and data
//! sizes are stale. The data chunk is the last chunk in files hound writes, so
//! the real data size follows from the file length.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::RecordingError;

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// What `repair` did, so startup can log which recordings were salvaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairOutcome {
    /// The header already matched the file; nothing was written.
    Intact,
    /// Header sizes were rewritten (and a trailing partial frame cut off).
    Repaired {
        frames_before: u64,
        frames_after: u64,
    },
}

/// Where the sizes live and how big a frame is.
struct Layout {
    riff_size: u32,
    block_align: u16,
    /// Offset of the first data byte; the data size field sits just before it.
    data_offset: u64,
    data_size: u32,
}

enum Invalid {
    NotWav(&'static str),
    Io(std::io::Error),
}

impl From<std::io::Error> for Invalid {
    fn from(e: std::io::Error) -> Self {
        Invalid::Io(e)
    }
}

/// Repairs a WAV left with a stale header (crash while open): sets RIFF and
/// data chunk sizes from the file length (dropping a trailing partial sample
/// frame). Returns `Repaired` when it changed something, `Intact` when the
/// header was right, and an error for files that aren't WAV at all (those are
/// left untouched).
pub fn repair(path: &Path) -> Result<RepairOutcome, RecordingError> {
    let io_err = |e| RecordingError::io(path, e);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err)?;
    let file_len = file.metadata().map_err(io_err)?.len();
    let layout = read_layout(&mut file, file_len).map_err(|e| match e {
        Invalid::NotWav(reason) => RecordingError::NotWav {
            path: path.to_path_buf(),
            reason,
        },
        Invalid::Io(e) => io_err(e),
    })?;

    let align = u64::from(layout.block_align);
    let declared = u64::from(layout.data_size);
    let riff_ok = u64::from(layout.riff_size) + 8 == file_len;
    if riff_ok && layout.data_offset + declared <= file_len && declared % align == 0 {
        return Ok(RepairOutcome::Intact);
    }

    let available = file_len - layout.data_offset;
    let data_size = available - available % align;
    let riff_size = layout.data_offset - 8 + data_size;
    let (Ok(data_field), Ok(riff_field)) = (u32::try_from(data_size), u32::try_from(riff_size))
    else {
        return Err(RecordingError::TooLarge {
            path: path.to_path_buf(),
        });
    };

    file.set_len(layout.data_offset + data_size)
        .map_err(io_err)?;
    write_u32_at(&mut file, 4, riff_field).map_err(io_err)?;
    write_u32_at(&mut file, layout.data_offset - 4, data_field).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;

    Ok(RepairOutcome::Repaired {
        frames_before: declared / align,
        frames_after: data_size / align,
    })
}

/// Walks the RIFF chunks up to the data chunk, checking every size against
/// the file length so a damaged header is an error rather than a wild seek.
fn read_layout(file: &mut File, file_len: u64) -> Result<Layout, Invalid> {
    if file_len < 12 {
        return Err(Invalid::NotWav("shorter than a RIFF header"));
    }
    let mut riff = [0u8; 12];
    read_at(file, 0, &mut riff)?;
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Err(Invalid::NotWav("no RIFF/WAVE signature"));
    }
    let riff_size = le_u32(&riff[4..8]);

    let mut block_align = None;
    let mut offset = 12u64;
    loop {
        if offset + 8 > file_len {
            return Err(Invalid::NotWav("no data chunk"));
        }
        let mut header = [0u8; 8];
        read_at(file, offset, &mut header)?;
        let size = u64::from(le_u32(&header[4..8]));
        let body = offset + 8;
        match &header[0..4] {
            b"fmt " => {
                if body + size > file_len {
                    return Err(Invalid::NotWav("fmt chunk runs past end of file"));
                }
                block_align = Some(read_fmt(file, body, size)?);
            }
            b"data" => {
                let Some(block_align) = block_align else {
                    return Err(Invalid::NotWav("data chunk before fmt chunk"));
                };
                return Ok(Layout {
                    riff_size,
                    block_align,
                    data_offset: body,
                    data_size: le_u32(&header[4..8]),
                });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        offset = body + size + (size & 1);
    }
}

/// Checks the format is one a WAV reader can decode and returns the frame size.
fn read_fmt(file: &mut File, body: u64, size: u64) -> Result<u16, Invalid> {
    if size < 16 {
        return Err(Invalid::NotWav("fmt chunk too short"));
    }
    let mut fmt = [0u8; 16];
    read_at(file, body, &mut fmt)?;
    let tag = le_u16(&fmt[0..2]);
    let channels = le_u16(&fmt[2..4]);
    let block_align = le_u16(&fmt[12..14]);
    let format = if tag == WAVE_FORMAT_EXTENSIBLE {
        // cbSize, valid bits, channel mask, then the sub-format GUID whose
        // first two bytes are the real format tag.
        if size < 40 {
            return Err(Invalid::NotWav("extensible fmt chunk too short"));
        }
        let mut sub = [0u8; 2];
        read_at(file, body + 24, &mut sub)?;
        le_u16(&sub)
    } else {
        tag
    };
    if format != WAVE_FORMAT_PCM && format != WAVE_FORMAT_IEEE_FLOAT {
        return Err(Invalid::NotWav("unsupported sample format"));
    }
    if channels == 0 || block_align == 0 {
        return Err(Invalid::NotWav("fmt chunk has zero channels or frame size"));
    }
    Ok(block_align)
}

fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

fn write_u32_at(file: &mut File, offset: u64, value: u32) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(&value.to_le_bytes())
}

fn le_u16(bytes: &[u8]) -> u16 {
    let mut b = [0u8; 2];
    b.copy_from_slice(&bytes[..2]);
    u16::from_le_bytes(b)
}

fn le_u32(bytes: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(b)
}
