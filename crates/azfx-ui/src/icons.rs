//! Icons: Google's Material Symbols (`egui_material_icons`, Apache-2.0) as a font. File
//! types get an icon and a colour, toolbar buttons an icon beside their words. Icons are
//! painted, not spoken: a screen reader (and a test) reads the entry's name or the
//! button's words alone.

use egui::{Color32, Response, Role, Ui, WidgetInfo};
use egui_material_icons::MaterialIcon;
use egui_material_icons::icons as i;

pub(crate) use egui_material_icons::icons::{
    ICON_ARROW_BACK as BACK, ICON_ARROW_FORWARD as FORWARD, ICON_ARROW_UPWARD as UP, ICON_COMPUTER as LOCAL,
    ICON_CREATE_NEW_FOLDER as NEW_FOLDER, ICON_DOWNLOAD as DOWNLOAD, ICON_FOLDER as FOLDER,
    ICON_FOLDER_SHARED as SHARE, ICON_LOGOUT as DISCONNECT, ICON_REFRESH as REFRESH, ICON_SETTINGS as SETTINGS,
    ICON_UPLOAD as UPLOAD, ICON_UPLOAD_FILE as UPLOAD_FILE, ICON_VERIFIED_USER as CHECK_ACCESS,
};

/// Registers the icon font with the context (once, at start).
pub(crate) fn install(ctx: &egui::Context) {
    egui_material_icons::initialize(ctx);
}

/// The icon and colour of a list entry, by kind and extension (as Explorer tells file
/// types apart at a glance).
pub(crate) fn for_entry(name: &str, is_directory: bool, visuals: &egui::Visuals) -> (MaterialIcon, Color32) {
    let dark = visuals.dark_mode;
    let tone = |light: (u8, u8, u8), dark_tone: (u8, u8, u8)| {
        let (r, g, b) = if dark { dark_tone } else { light };
        Color32::from_rgb(r, g, b)
    };
    if is_directory {
        return (i::ICON_FOLDER, tone((214, 158, 46), (234, 184, 76)));
    }
    let extension = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    let grey = tone((110, 118, 129), (160, 168, 178));
    match extension.as_str() {
        "png" | "jpg" | "jpeg" | "gif" | "bmp" | "svg" | "webp" | "tif" | "tiff" => {
            (i::ICON_IMAGE, tone((38, 139, 90), (92, 196, 140)))
        }
        "pdf" => (i::ICON_PICTURE_AS_PDF, tone((196, 55, 45), (240, 110, 100))),
        "zip" | "7z" | "gz" | "tgz" | "tar" | "rar" | "bz2" | "xz" | "zst" => {
            (i::ICON_FOLDER_ZIP, tone((150, 110, 40), (210, 170, 90)))
        }
        "csv" | "xlsx" | "xls" | "ods" | "tsv" | "parquet" => (i::ICON_TABLE, tone((30, 130, 70), (90, 190, 120))),
        "json" | "xml" | "yaml" | "yml" | "toml" | "rs" | "py" | "ps1" | "sh" | "js" | "ts" | "cs" | "go" => {
            (i::ICON_CODE, tone((60, 100, 190), (120, 160, 240)))
        }
        "md" | "txt" | "log" | "doc" | "docx" | "rtf" | "odt" => {
            (i::ICON_DESCRIPTION, tone((50, 110, 200), (110, 160, 235)))
        }
        "mp4" | "mkv" | "mov" | "avi" | "webm" => (i::ICON_MOVIE, tone((140, 70, 180), (190, 130, 230))),
        "mp3" | "wav" | "flac" | "ogg" | "m4a" => (i::ICON_AUDIO_FILE, tone((140, 70, 180), (190, 130, 230))),
        "vhd" | "vhdx" | "iso" | "img" | "vmdk" | "bak" => (i::ICON_HARD_DRIVE, grey),
        "db" | "sqlite" | "mdf" | "ldf" => (i::ICON_DATABASE, grey),
        _ => (i::ICON_DRAFT, grey),
    }
}

/// Paints `icon` in `color` at the text's height, taking no part in accessibility.
pub(crate) fn paint(ui: &mut Ui, icon: MaterialIcon, color: Color32) {
    let size = ui.text_style_height(&egui::TextStyle::Body) + 2.0;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let font = egui::FontId::new(size - 1.0, icon.font_family());
    ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, icon.codepoint, font, color);
}

/// A button with `icon` beside `label`, enabled or not; read by its words alone.
pub(crate) fn button(ui: &mut Ui, enabled: bool, icon: MaterialIcon, label: &str) -> Response {
    let text = egui::RichText::new(icon.codepoint).family(icon.font_family());
    let response = ui.add_enabled(enabled, egui::Button::new((text, label)));
    response.widget_info(|| WidgetInfo::labeled(Role::Button, enabled, label));
    response
}

/// The Type column: `Folder`, `PDF file`, or `File` for a name without an extension.
pub(crate) fn kind_text(entry: &azfx_core::files::DirEntry) -> String {
    if entry.is_directory {
        "Folder".to_owned()
    } else {
        match entry.name.rsplit_once('.') {
            Some((_, ext)) if !ext.is_empty() && ext.len() <= 8 => format!("{} file", ext.to_uppercase()),
            _ => "File".to_owned(),
        }
    }
}
