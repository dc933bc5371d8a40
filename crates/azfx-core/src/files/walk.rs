//! The one recursive listing of a remote folder, shared by recursive delete and folder
//! download: breadth first, every page of every directory (`LIST_PAGE_MAX` entries a
//! page), so callers know the file count and bytes before they start.

use super::names::join;
use super::{FilesClient, FilesError, LIST_PAGE_MAX};

/// Everything below a remote folder, as `/`-separated paths relative to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteTree {
    /// Directories, parents before children; the first is `""`, the folder itself.
    pub directories: Vec<String>,
    /// Files with their sizes in bytes.
    pub files: Vec<(String, u64)>,
    /// azfx's temporary files (`names::is_temporary`: others' unfinished transfers),
    /// with their sizes: never content, only removed with their folder.
    pub temporary: Vec<(String, u64)>,
}

impl RemoteTree {
    /// Bytes in all files.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|(_, size)| size).sum()
    }
}

impl FilesClient {
    /// Lists `share/path` and everything below it, azfx's temporary files apart.
    ///
    /// Errors: the first failed listing (404 when `path` does not exist).
    pub async fn walk(&self, share: &str, path: &str) -> Result<RemoteTree, FilesError> {
        let mut tree = RemoteTree { directories: vec![String::new()], ..RemoteTree::default() };
        let mut index = 0;
        while index < tree.directories.len() {
            let relative = tree.directories[index].clone();
            let mut marker: Option<String> = None;
            loop {
                let page = self.list_page(share, &join(path, &relative), marker.as_deref(), LIST_PAGE_MAX).await?;
                for entry in page.entries {
                    let child = join(&relative, &entry.name);
                    if entry.is_directory {
                        tree.directories.push(child);
                    } else if super::names::is_temporary(&entry.name) {
                        tree.temporary.push((child, entry.size.unwrap_or(0)));
                    } else {
                        tree.files.push((child, entry.size.unwrap_or(0)));
                    }
                }
                match page.next_marker {
                    Some(next) => marker = Some(next),
                    None => break,
                }
            }
            index += 1;
        }
        Ok(tree)
    }
}
