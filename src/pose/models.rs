//! The model files: the detector and the lite/full landmark models are
//! compiled into the binary, so it runs wherever it is copied; a models folder
//! (`--models DIR`, or `models/` beside the executable) overrides them and is
//! where the optional heavy model lives. Provenance: `models/README.md`.

use std::path::{Path, PathBuf};

use super::PoseError;

/// Landmark model size: bigger is more accurate and slower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Lite,
    #[default]
    Full,
    Heavy,
}

/// A model name that is not one of [`ModelKind::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown model {0:?}; expected lite, full or heavy")]
pub struct UnknownModel(String);

impl std::str::FromStr for ModelKind {
    type Err = UnknownModel;

    /// The names of the settings file and the command line.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| UnknownModel(s.to_string()))
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl ModelKind {
    /// Every model, smallest first (the order the command line lists them).
    pub const ALL: [ModelKind; 3] = [ModelKind::Lite, ModelKind::Full, ModelKind::Heavy];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Lite => "lite",
            ModelKind::Full => "full",
            ModelKind::Heavy => "heavy",
        }
    }

    fn file_name(self) -> String {
        format!("pose_landmark_{}.onnx", self.name())
    }

    /// The compiled-in copy, if this model is embedded.
    fn embedded(self) -> Option<ModelBytes> {
        let (name, data): (_, &'static [u8]) = match self {
            ModelKind::Lite => {
                ("pose_landmark_lite.onnx", include_bytes!("../../models/pose_landmark_lite.onnx"))
            }
            ModelKind::Full => {
                ("pose_landmark_full.onnx", include_bytes!("../../models/pose_landmark_full.onnx"))
            }
            ModelKind::Heavy => return None,
        };
        Some(ModelBytes::Embedded { name, data })
    }
}

pub const DETECTOR_FILE: &str = "pose_detection.onnx";
static DETECTOR: &[u8] = include_bytes!("../../models/pose_detection.onnx");

/// The bytes of one model and where they came from (for error messages).
#[derive(Clone, Debug)]
pub enum ModelBytes {
    Embedded { name: &'static str, data: &'static [u8] },
    File { path: PathBuf, data: Vec<u8> },
}

impl ModelBytes {
    pub fn data(&self) -> &[u8] {
        match self {
            ModelBytes::Embedded { data, .. } => data,
            ModelBytes::File { data, .. } => data,
        }
    }

    /// A path-like label: the file, or `embedded:NAME`.
    pub fn origin(&self) -> PathBuf {
        match self {
            ModelBytes::Embedded { name, .. } => PathBuf::from(format!("embedded:{name}")),
            ModelBytes::File { path, .. } => path.clone(),
        }
    }

    fn read(path: PathBuf) -> Result<Self, PoseError> {
        match std::fs::read(&path) {
            Ok(data) if data.is_empty() => Err(PoseError::Model { path, message: "file is empty".into() }),
            Ok(data) => Ok(ModelBytes::File { path, data }),
            Err(e) => Err(PoseError::Model { path, message: e.to_string() }),
        }
    }
}

/// The pair of models one pipeline needs.
pub struct ModelFiles {
    pub detector: ModelBytes,
    pub landmarks: ModelBytes,
}

/// Folders searched for model files when `--models` is not given.
pub fn default_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        dirs.push(dir.join("models"));
    }
    // A source checkout (`cargo run`): the repository's models/ folder.
    dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"));
    dirs
}

/// Resolves the models: from `dir` when given (both files must be there),
/// otherwise the embedded ones, with heavy looked up in [`default_dirs`].
pub fn resolve(kind: ModelKind, dir: Option<&Path>) -> Result<ModelFiles, PoseError> {
    if let Some(dir) = dir {
        return Ok(ModelFiles {
            detector: ModelBytes::read(dir.join(DETECTOR_FILE))?,
            landmarks: ModelBytes::read(dir.join(kind.file_name()))?,
        });
    }
    let detector = ModelBytes::Embedded { name: DETECTOR_FILE, data: DETECTOR };
    let landmarks = match kind.embedded() {
        Some(embedded) => embedded,
        None => {
            let searched = default_dirs();
            let found = searched.iter().map(|d| d.join(kind.file_name())).find(|p| p.is_file());
            match found {
                Some(path) => ModelBytes::read(path)?,
                None => {
                    return Err(PoseError::ModelMissing {
                        file: kind.file_name(),
                        searched: searched
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
        }
    };
    Ok(ModelFiles { detector, landmarks })
}
