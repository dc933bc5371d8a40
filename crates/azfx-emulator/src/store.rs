//! The emulator's namespace: shares, directories and files as an in-memory tree keyed by
//! file id. File bytes live on disk (see `blob`); this module only holds metadata, names
//! (case-preserving, case-insensitive like the service) and the share's usage for quota.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use time::OffsetDateTime;

use crate::wire as azure_time;

/// The root directory's id, as the service reports it (`DirectoryId` 0, parent id 0).
pub(crate) const ROOT_ID: u64 = 0;

/// Why a namespace change was refused; mapped to the service's error by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// A directory on the way does not exist (or is a file).
    ParentNotFound,
    /// The last component does not exist.
    NotFound,
    /// Something with that name exists already.
    AlreadyExists,
    /// The name exists but is a file where a directory was meant, or the reverse.
    TypeMismatch,
    /// A directory to delete still has entries.
    DirectoryNotEmpty,
    /// The share's quota would be exceeded.
    QuotaExceeded,
    /// Renaming a directory into itself.
    InvalidRename,
}

/// Whether an operation addresses a file or a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A file.
    File,
    /// A directory.
    Directory,
}

/// HTTP content headers stored with a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ContentHeaders {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-MD5` of the whole file (base64), set by the client.
    pub content_md5: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
}

/// SMB timestamps the service keeps for each entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SmbTimes {
    /// Creation time.
    pub creation: OffsetDateTime,
    /// Last write time.
    pub last_write: OffsetDateTime,
    /// Change time.
    pub change: OffsetDateTime,
    /// Last access time.
    pub last_access: OffsetDateTime,
}

impl SmbTimes {
    fn all(at: OffsetDateTime) -> Self {
        Self { creation: at, last_write: at, change: at, last_access: at }
    }
}

/// A file's size and content headers.
#[derive(Clone, Debug)]
pub(crate) struct FileData {
    /// Logical size in bytes, set at creation or by a resize.
    pub size: u64,
    /// Content headers.
    pub content: ContentHeaders,
    /// The last Copy File that wrote this file, if any (`x-ms-copy-*` headers).
    pub copy: Option<Box<CopyInfo>>,
}

/// A Copy File's state as Get File Properties reports it.
#[derive(Clone, Debug)]
pub(crate) struct CopyInfo {
    /// `x-ms-copy-id`.
    pub id: String,
    /// `x-ms-copy-source`, as the client sent it.
    pub source: String,
    /// `pending`, `success`, `aborted` or `failed`.
    pub status: &'static str,
    /// What a pending copy ends as (`success` or `failed`).
    pub outcome: &'static str,
    /// Get File Properties calls still answered `pending`.
    pub pending_polls: u32,
    /// Bytes the copy covers.
    pub total: u64,
    /// When it ended.
    pub completed: Option<OffsetDateTime>,
}

/// Directory or file.
#[derive(Clone, Debug)]
pub(crate) enum NodeKind {
    /// A directory with its children keyed by folded name.
    Directory {
        /// Folded name → child id, in listing order.
        children: BTreeMap<String, u64>,
    },
    /// A file.
    File(FileData),
}

/// One entry of the tree.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// The entry's key in the tree and its bytes' in the blob store.
    pub id: u64,
    /// File id (`x-ms-file-id`, `<FileId>`): the entry's own, kept when Create File
    /// replaces a file (the service keeps it; only the content starts over).
    pub file_id: u64,
    /// Parent directory id.
    pub parent: u64,
    /// Name as created (case preserved).
    pub name: String,
    /// Directory or file.
    pub kind: NodeKind,
    /// SMB timestamps.
    pub times: SmbTimes,
    /// SMB attributes as the service spells them (`Archive`, `Directory`, `ReadOnly | Hidden`).
    pub attributes: String,
    /// `ETag` as .NET ticks.
    pub etag_ticks: u64,
    /// Last modification (`Last-Modified`).
    pub last_modified: OffsetDateTime,
    /// `x-ms-meta-*` pairs.
    pub metadata: Vec<(String, String)>,
}

impl Node {
    /// Whether this is a directory.
    pub(crate) fn is_directory(&self) -> bool {
        matches!(self.kind, NodeKind::Directory { .. })
    }

    /// The file's data, if it is a file.
    pub(crate) fn file(&self) -> Option<&FileData> {
        match &self.kind {
            NodeKind::File(data) => Some(data),
            NodeKind::Directory { .. } => None,
        }
    }

    /// `ETag` as sent on the wire.
    pub(crate) fn etag(&self) -> String {
        azure_time::etag_from_ticks(self.etag_ticks)
    }

    /// Permission key; the emulator keeps one per entry, derived from its id.
    pub(crate) fn permission_key(&self) -> String {
        format!("{}*{}", self.id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 1, 9_622_787_259_914_961_209_u64)
    }

    /// Records a modification: new `ETag` and `Last-Modified`.
    pub(crate) fn touch(&mut self, clock: &EtagClock) {
        let (at, ticks) = clock.now();
        self.last_modified = at;
        self.etag_ticks = ticks;
    }
}

/// A monotonic clock for `ETags`: two changes never share a tick.
#[derive(Debug, Default)]
pub(crate) struct EtagClock {
    last_ticks: AtomicU64,
}

impl EtagClock {
    /// Now, and a tick count strictly greater than any handed out before.
    pub(crate) fn now(&self) -> (OffsetDateTime, u64) {
        let at = OffsetDateTime::now_utc();
        let wanted = azure_time::dotnet_ticks(at);
        let mut current = self.last_ticks.load(Ordering::Relaxed);
        loop {
            let next = wanted.max(current + 1);
            match self.last_ticks.compare_exchange(current, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return (at, next),
                Err(seen) => current = seen,
            }
        }
    }
}

/// Source of file ids unique across the emulator (blob files are named by them).
#[derive(Debug, Default)]
pub(crate) struct IdSource {
    counter: AtomicU64,
}

impl IdSource {
    /// A new id shaped like the service's (large, non-sequential), never 0.
    pub(crate) fn next(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        // SplitMix64 is a bijection, so distinct counters give distinct ids.
        let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) | (1 << 63)
    }
}

/// Properties of a share itself.
#[derive(Debug)]
pub(crate) struct Share {
    /// Share name.
    pub name: String,
    /// Quota in GiB.
    pub quota_gib: u64,
    /// `ETag` ticks of the share.
    pub etag_ticks: u64,
    /// Last modified.
    pub last_modified: OffsetDateTime,
    /// Sum of file sizes in bytes.
    pub usage_bytes: u64,
    /// Whether every request to this share is throttled (fault injection).
    pub throttled: bool,
    /// Stored access policies (Set Share ACL).
    pub access_policies: Vec<super::acl::AccessPolicy>,
    nodes: HashMap<u64, Node>,
}

/// Case-insensitive key for a name.
fn fold(name: &str) -> String {
    crate::wire::fold_case(name)
}

impl Share {
    /// An empty share.
    pub(crate) fn new(name: &str, quota_gib: u64, clock: &EtagClock) -> Self {
        let (at, ticks) = clock.now();
        let root = Node {
            id: ROOT_ID,
            file_id: ROOT_ID,
            parent: ROOT_ID,
            name: String::new(),
            kind: NodeKind::Directory { children: BTreeMap::new() },
            times: SmbTimes::all(at),
            attributes: "Directory".to_owned(),
            etag_ticks: ticks,
            last_modified: at,
            metadata: Vec::new(),
        };
        Self {
            name: name.to_owned(),
            quota_gib,
            etag_ticks: ticks,
            last_modified: at,
            usage_bytes: 0,
            throttled: false,
            access_policies: Vec::new(),
            nodes: HashMap::from([(ROOT_ID, root)]),
        }
    }

    /// The node with this id.
    pub(crate) fn node(&self, id: u64) -> Option<&Node> {
        self.nodes.get(&id)
    }

    /// The node with this id, mutable.
    pub(crate) fn node_mut(&mut self, id: u64) -> Option<&mut Node> {
        self.nodes.get_mut(&id)
    }

    /// Ids of every file in the share (to drop their bytes when the share goes).
    pub(crate) fn file_ids(&self) -> Vec<u64> {
        self.nodes.values().filter(|n| !n.is_directory()).map(|n| n.id).collect()
    }

    /// Number of entries below the root (for tests and statistics).
    pub(crate) fn entry_count(&self) -> usize {
        self.nodes.len() - 1
    }

    fn child(&self, dir: u64, name: &str) -> Option<u64> {
        match &self.nodes.get(&dir)?.kind {
            NodeKind::Directory { children } => children.get(&fold(name)).copied(),
            NodeKind::File(_) => None,
        }
    }

    /// The id of the entry at `path` (empty path = root).
    pub(crate) fn resolve(&self, path: &[String]) -> Result<u64, StoreError> {
        let Some((leaf, parents)) = path.split_last() else {
            return Ok(ROOT_ID);
        };
        let parent = self.resolve_dir(parents)?;
        self.child(parent, leaf).ok_or(StoreError::NotFound)
    }

    /// The id of the directory at `path`; any missing or non-directory step is
    /// `ParentNotFound`.
    fn resolve_dir(&self, path: &[String]) -> Result<u64, StoreError> {
        let mut dir = ROOT_ID;
        for name in path {
            dir = self.child(dir, name).ok_or(StoreError::ParentNotFound)?;
            if !self.nodes.get(&dir).is_some_and(Node::is_directory) {
                return Err(StoreError::ParentNotFound);
            }
        }
        Ok(dir)
    }

    fn insert(&mut self, parent: u64, node: Node) {
        let key = fold(&node.name);
        let id = node.id;
        self.nodes.insert(id, node);
        if let Some(Node { kind: NodeKind::Directory { children }, .. }) = self.nodes.get_mut(&parent) {
            children.insert(key, id);
        }
    }

    fn new_node(id: u64, parent: u64, name: &str, kind: NodeKind, clock: &EtagClock) -> Node {
        let (at, ticks) = clock.now();
        let attributes = if matches!(kind, NodeKind::Directory { .. }) { "Directory" } else { "Archive" };
        Node {
            id,
            file_id: id,
            parent,
            name: name.to_owned(),
            kind,
            times: SmbTimes::all(at),
            attributes: attributes.to_owned(),
            etag_ticks: ticks,
            last_modified: at,
            metadata: Vec::new(),
        }
    }

    /// Creates a directory at `path`.
    pub(crate) fn create_directory(
        &mut self,
        path: &[String],
        ids: &IdSource,
        clock: &EtagClock,
    ) -> Result<u64, StoreError> {
        let (leaf, parents) = path.split_last().ok_or(StoreError::AlreadyExists)?;
        let parent = self.resolve_dir(parents)?;
        if self.child(parent, leaf).is_some() {
            return Err(StoreError::AlreadyExists);
        }
        let id = ids.next();
        let node = Self::new_node(id, parent, leaf, NodeKind::Directory { children: BTreeMap::new() }, clock);
        self.insert(parent, node);
        Ok(id)
    }

    /// Creates (or replaces) a file of `size` bytes. Returns the new id and the id of a
    /// replaced file whose bytes the caller must drop.
    pub(crate) fn create_file(
        &mut self,
        path: &[String],
        size: u64,
        content: ContentHeaders,
        ids: &IdSource,
        clock: &EtagClock,
    ) -> Result<(u64, Option<u64>), StoreError> {
        let (leaf, parents) = path.split_last().ok_or(StoreError::TypeMismatch)?;
        let parent = self.resolve_dir(parents)?;
        let (replaced, name, file_id) = match self.child(parent, leaf) {
            // The service compares names without case and keeps the name and the file id
            // the file has: Create File of `LOWER.TXT` over `lower.txt` leaves it
            // `lower.txt`, with its id.
            Some(existing) => match self.nodes.get(&existing) {
                Some(Node { kind: NodeKind::File(old), name, file_id, .. }) => {
                    (Some((existing, old.size)), name.clone(), Some(*file_id))
                }
                _ => return Err(StoreError::TypeMismatch),
            },
            None => (None, leaf.clone(), None),
        };
        let freed = replaced.map_or(0, |(_, old_size)| old_size);
        self.check_quota(self.usage_bytes - freed + size)?;
        if let Some((old_id, _)) = replaced {
            self.remove(old_id);
        }
        let id = ids.next();
        let mut node = Self::new_node(id, parent, &name, NodeKind::File(FileData { size, content, copy: None }), clock);
        node.file_id = file_id.unwrap_or(id);
        self.insert(parent, node);
        // `remove` already gave back the replaced file's bytes.
        self.usage_bytes += size;
        Ok((id, replaced.map(|(old_id, _)| old_id)))
    }

    fn check_quota(&self, usage_bytes: u64) -> Result<(), StoreError> {
        if usage_bytes > self.quota_gib.saturating_mul(1 << 30) { Err(StoreError::QuotaExceeded) } else { Ok(()) }
    }

    /// Changes a file's size, keeping quota accounting right.
    pub(crate) fn resize(&mut self, id: u64, new_size: u64) -> Result<(), StoreError> {
        let old = self.node(id).and_then(Node::file).ok_or(StoreError::NotFound)?.size;
        let usage = self.usage_bytes - old + new_size;
        self.check_quota(usage)?;
        if let Some(Node { kind: NodeKind::File(data), .. }) = self.nodes.get_mut(&id) {
            data.size = new_size;
        }
        self.usage_bytes = usage;
        Ok(())
    }

    /// Unlinks an entry (and, for a directory, everything below it). Returns the ids of
    /// removed files.
    fn remove(&mut self, id: u64) -> Vec<u64> {
        let Some(node) = self.nodes.remove(&id) else {
            return Vec::new();
        };
        if let Some(Node { kind: NodeKind::Directory { children }, .. }) = self.nodes.get_mut(&node.parent) {
            children.remove(&fold(&node.name));
        }
        let mut files = Vec::new();
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            match node.kind {
                NodeKind::File(data) => {
                    self.usage_bytes = self.usage_bytes.saturating_sub(data.size);
                    files.push(node.id);
                }
                NodeKind::Directory { children } => {
                    stack.extend(children.values().filter_map(|child| self.nodes.remove(child)));
                }
            }
        }
        files
    }

    /// Deletes the file at `path`; returns its id so its bytes can be dropped.
    pub(crate) fn delete_file(&mut self, path: &[String]) -> Result<u64, StoreError> {
        let id = self.resolve(path)?;
        if self.node(id).is_some_and(Node::is_directory) {
            return Err(StoreError::NotFound);
        }
        self.remove(id);
        Ok(id)
    }

    /// Deletes the empty directory at `path`.
    pub(crate) fn delete_directory(&mut self, path: &[String]) -> Result<(), StoreError> {
        if path.is_empty() {
            return Err(StoreError::InvalidRename);
        }
        let id = self.resolve(path)?;
        match self.node(id).map(|n| &n.kind) {
            Some(NodeKind::Directory { children }) if children.is_empty() => {
                self.remove(id);
                Ok(())
            }
            Some(NodeKind::Directory { .. }) => Err(StoreError::DirectoryNotEmpty),
            _ => Err(StoreError::NotFound),
        }
    }

    /// Renames (moves) an entry within the share. A directory may not move into itself;
    /// an existing destination is replaced only when `replace` is set and both are files.
    /// Returns the moved id and the id of a replaced file, if any.
    pub(crate) fn rename(
        &mut self,
        source: &[String],
        dest: &[String],
        replace: bool,
        kind: EntryKind,
        clock: &EtagClock,
    ) -> Result<(u64, Option<u64>), StoreError> {
        let id = self.resolve(source)?;
        let is_dir = self.node(id).is_some_and(Node::is_directory);
        if is_dir != (kind == EntryKind::Directory) {
            return Err(StoreError::TypeMismatch);
        }
        let (leaf, parents) = dest.split_last().ok_or(StoreError::InvalidRename)?;
        let new_parent = self.resolve_dir(parents)?;
        if is_dir && (new_parent == id || self.is_ancestor(id, new_parent)) {
            return Err(StoreError::InvalidRename);
        }
        let mut replaced = None;
        if let Some(existing) = self.child(new_parent, leaf)
            && existing != id
        {
            let existing_is_dir = self.node(existing).is_some_and(Node::is_directory);
            if !replace || existing_is_dir || is_dir {
                return Err(StoreError::AlreadyExists);
            }
            self.remove(existing);
            replaced = Some(existing);
        }
        let Some(old_parent) = self.node(id).map(|n| n.parent) else {
            return Err(StoreError::NotFound);
        };
        let old_key = self.node(id).map(|n| fold(&n.name)).unwrap_or_default();
        if let Some(Node { kind: NodeKind::Directory { children }, .. }) = self.nodes.get_mut(&old_parent) {
            children.remove(&old_key);
        }
        if let Some(node) = self.nodes.get_mut(&id) {
            leaf.clone_into(&mut node.name);
            node.parent = new_parent;
            let (at, _) = clock.now();
            node.times.change = at;
            node.touch(clock);
        }
        if let Some(Node { kind: NodeKind::Directory { children }, .. }) = self.nodes.get_mut(&new_parent) {
            children.insert(fold(leaf), id);
        }
        Ok((id, replaced))
    }

    fn is_ancestor(&self, ancestor: u64, mut id: u64) -> bool {
        while id != ROOT_ID {
            if id == ancestor {
                return true;
            }
            match self.node(id) {
                Some(node) => id = node.parent,
                None => return false,
            }
        }
        false
    }

    /// One page of a directory listing: entries whose name starts with `prefix`
    /// (case-insensitively), from `marker` (a name) on, at most `max` of them, and the
    /// name to continue from.
    pub(crate) fn list(
        &self,
        dir: u64,
        prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> (Vec<&Node>, Option<String>) {
        let Some(Node { kind: NodeKind::Directory { children }, .. }) = self.nodes.get(&dir) else {
            return (Vec::new(), None);
        };
        let prefix = fold(prefix);
        let start = marker.map_or_else(|| prefix.clone(), fold);
        let mut page = Vec::new();
        for (key, id) in children.range(start..) {
            if !key.starts_with(&prefix) {
                break;
            }
            let Some(node) = self.nodes.get(id) else { continue };
            if page.len() == max {
                return (page, Some(node.name.clone()));
            }
            page.push(node);
        }
        (page, None)
    }
}
