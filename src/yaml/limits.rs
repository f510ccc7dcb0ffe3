//! The limits on what a file read may cost: its kind and size before it is opened, and the YAML
//! budget's breaches in words.

use std::fs::Metadata;
use std::io::Read;
use std::path::Path;

use serde_saphyr::budget::BudgetBreach;

/// See [`super::read_limited`].
pub(super) fn read_limited(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_bytes_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        // Valid UTF-8 up to here, so the text before the bad byte counts in characters.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        format!("not UTF-8 text: an invalid byte at line {line}, column {column}")
    })
}

/// See [`super::read_bytes_limited`].
pub(super) fn read_bytes_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    // The kind is checked before opening: opening a named pipe waits for a writer.
    let metadata = std::fs::metadata(path).map_err(|err| io_words(&err))?;
    if !metadata.is_file() {
        return Err(format!("{}, not a regular file", kind(&metadata)));
    }
    if metadata.len() > limit {
        return Err(too_large(limit));
    }
    let file = std::fs::File::open(path).map_err(|err| io_words(&err))?;
    let mut bytes = Vec::new();
    // The file may grow after its size was read: never read more than the limit allows.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| io_words(&err))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

fn too_large(limit: u64) -> String {
    format!(
        "the file is larger than {} (the limit for this kind of file)",
        size_words(limit)
    )
}

fn size_words(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

fn io_words(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "cannot read file: permission denied".to_string(),
        _ => format!("cannot read file: {err}"),
    }
}

/// What a path that is not a regular file is, in words.
fn kind(metadata: &Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// A breach of serde-saphyr's default budget, in words.
pub(super) fn budget_message(breach: &BudgetBreach) -> String {
    let limits = serde_saphyr::Budget::default();
    let more_than = |count: usize, what: &str| {
        format!("the file has more than {count} {what} (the limit), so it was not loaded")
    };
    match breach {
        BudgetBreach::Events { .. } => more_than(limits.max_events, "YAML events"),
        BudgetBreach::Nodes { .. } => more_than(limits.max_nodes, "YAML nodes"),
        BudgetBreach::Aliases { .. } => more_than(limits.max_aliases, "aliases (`*name`)"),
        BudgetBreach::Anchors { .. } => more_than(limits.max_anchors, "anchors (`&name`)"),
        BudgetBreach::Documents { .. } => more_than(limits.max_documents, "YAML documents"),
        BudgetBreach::MergeKeys { .. } => more_than(limits.max_merge_keys, "merge keys (`<<`)"),
        BudgetBreach::Depth { .. } => format!(
            "the file nests more than {} levels deep (the limit), so it was not loaded",
            limits.max_depth
        ),
        BudgetBreach::ScalarBytes { .. } => format!(
            "the file's values hold more than {} of text (the limit), so it was not loaded",
            size_words(limits.max_total_scalar_bytes as u64)
        ),
        BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. } => {
            "the file's aliases (`*name`) would expand far beyond its size (an alias bomb?), so it was not loaded"
                .to_string()
        }
        _ => "the file is too large or too complex to load (a YAML limit was reached)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_devices_are_refused_without_opening_them() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_limited(dir.path(), 100).unwrap_err();
        assert_eq!(err, "a folder, not a regular file");
        #[cfg(unix)]
        {
            let err = read_limited(Path::new("/dev/null"), 100).unwrap_err();
            assert_eq!(err, "a device, not a regular file");
        }
        let err = read_limited(&dir.path().join("missing.yaml"), 100).unwrap_err();
        assert_eq!(err, "no such file");
    }

    #[test]
    fn files_over_the_limit_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        std::fs::write(&path, vec![b'a'; 2048]).unwrap();
        assert_eq!(read_limited(&path, 2048).unwrap().len(), 2048);
        let err = read_limited(&path, 2047).unwrap_err();
        assert!(err.contains("larger than 2047 bytes"), "{err}");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert_eq!(
            read_limited(&path, 10).unwrap_err(),
            "not UTF-8 text: an invalid byte at line 1, column 1"
        );
        std::fs::write(&path, b"a: 1\nb: \"\xc3\xa9\xff\"\n").unwrap();
        assert!(
            read_limited(&path, 100)
                .unwrap_err()
                .ends_with("line 2, column 6")
        );
    }

    #[test]
    fn budget_breaches_read_as_words() {
        let message = budget_message(&BudgetBreach::Nodes { nodes: 250_001 });
        assert_eq!(
            message,
            "the file has more than 250000 YAML nodes (the limit), so it was not loaded"
        );
    }
}
