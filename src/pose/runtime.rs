//! Model I/O: where inference runs. Two backends sit behind one small trait:
//! the native ONNX Runtime (loaded at run time from a `libonnxruntime` found on
//! the machine, never downloaded) and rten, a pure-Rust runtime compiled in,
//! which always works. Pre- and post-processing know nothing of either.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::PoseError;
use super::models::ModelBytes;

/// Which runtime the user asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeChoice {
    /// ONNX Runtime when its library is found, otherwise the embedded runtime.
    #[default]
    Auto,
    /// The native ONNX Runtime (fails when its library is not found).
    Onnxruntime,
    /// The embedded pure-Rust runtime (rten).
    Rten,
}

impl RuntimeChoice {
    /// Every choice, in the order the command line lists them.
    pub const ALL: [RuntimeChoice; 3] =
        [RuntimeChoice::Auto, RuntimeChoice::Onnxruntime, RuntimeChoice::Rten];

    /// The name in the settings file and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeChoice::Auto => "auto",
            RuntimeChoice::Onnxruntime => "onnxruntime",
            RuntimeChoice::Rten => "rten",
        }
    }

    /// One line on what the choice does, for `--help`.
    pub fn about(self) -> &'static str {
        match self {
            RuntimeChoice::Auto => "ONNX Runtime when its library is found, otherwise the embedded runtime",
            RuntimeChoice::Onnxruntime => "The native ONNX Runtime (fails when its library is not found)",
            RuntimeChoice::Rten => "The embedded pure-Rust runtime (rten)",
        }
    }
}

/// A runtime name that is not one of [`RuntimeChoice::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown runtime {0:?}; expected auto, onnxruntime or rten")]
pub struct UnknownRuntime(String);

impl std::str::FromStr for RuntimeChoice {
    type Err = UnknownRuntime;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|r| r.name() == s).ok_or_else(|| UnknownRuntime(s.to_string()))
    }
}

impl std::fmt::Display for RuntimeChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The runtime actually in use, for the user to see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Runtime {
    OnnxRuntime { library: PathBuf },
    Rten,
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Runtime::OnnxRuntime { library } => write!(f, "onnxruntime ({})", library.display()),
            Runtime::Rten => write!(f, "rten (embedded, pure Rust)"),
        }
    }
}

/// What a model must look like: input shape and the outputs read, in order,
/// with their element counts. Checked when the model is loaded.
#[derive(Clone, Copy, Debug)]
pub struct ModelSpec {
    pub input_name: &'static str,
    pub input_shape: [usize; 4],
    pub outputs: &'static [(&'static str, usize)],
    /// Let ONNX Runtime's idle threads spin for the next run: lower latency
    /// for the model that runs every frame, but stolen CPU for the other
    /// model on a small machine, so only one model should spin.
    pub spin: bool,
}

/// One loaded model. `run` writes each output into the matching buffer.
pub trait InferenceModel: Send {
    fn run(&mut self, input: &[f32], outputs: &mut [Vec<f32>]) -> Result<(), String>;
}

/// Chooses the runtime: `Auto` tries ONNX Runtime and falls back to rten.
pub fn select(choice: RuntimeChoice, ort_library: Option<&Path>) -> Result<Runtime, PoseError> {
    match choice {
        RuntimeChoice::Rten => Ok(Runtime::Rten),
        RuntimeChoice::Onnxruntime => {
            let library = find_onnxruntime(ort_library)
                .ok_or_else(|| PoseError::RuntimeNotFound { searched: search_description() })?;
            init_onnxruntime(&library)?;
            Ok(Runtime::OnnxRuntime { library })
        }
        RuntimeChoice::Auto => match find_onnxruntime(ort_library) {
            Some(library) if init_onnxruntime(&library).is_ok() => Ok(Runtime::OnnxRuntime { library }),
            _ => Ok(Runtime::Rten),
        },
    }
}

/// Loads a model on `runtime` and checks it against `spec` with one zero run.
pub fn load(
    runtime: &Runtime,
    bytes: &ModelBytes,
    spec: &ModelSpec,
    threads: usize,
) -> Result<Box<dyn InferenceModel>, PoseError> {
    let err = |message: String| PoseError::Model { path: bytes.origin(), message };
    let mut model: Box<dyn InferenceModel> = match runtime {
        Runtime::Rten => Box::new(RtenModel::load(bytes, spec, threads).map_err(err)?),
        Runtime::OnnxRuntime { .. } => Box::new(OrtModel::load(bytes, spec, threads).map_err(err)?),
    };
    let zeros = vec![0.0; spec.input_shape.iter().product()];
    let mut outputs: Vec<Vec<f32>> = spec.outputs.iter().map(|_| Vec::new()).collect();
    model.run(&zeros, &mut outputs).map_err(err)?;
    for ((name, expected), got) in spec.outputs.iter().zip(&outputs) {
        if got.len() != *expected {
            return Err(err(format!(
                "output {name} has {} values, expected {expected}: not the model this pipeline expects",
                got.len()
            )));
        }
    }
    Ok(model)
}

/// Copies `src` into `dst`, allocating only the first time.
fn fill(dst: &mut Vec<f32>, src: &[f32]) {
    dst.clear();
    dst.extend_from_slice(src);
}

struct RtenModel {
    model: rten::Model,
    input: rten::NodeId,
    outputs: Vec<rten::NodeId>,
    shape: [usize; 4],
    opts: rten::RunOptions,
}

impl RtenModel {
    fn load(bytes: &ModelBytes, spec: &ModelSpec, threads: usize) -> Result<Self, String> {
        let model = match bytes {
            ModelBytes::Embedded { data, .. } => rten::Model::load_static_slice(data),
            ModelBytes::File { data, .. } => rten::Model::load(data.clone()),
        }
        .map_err(|e| format!("not a loadable ONNX model: {e}"))?;
        let node = |name: &str| model.find_node(name).ok_or_else(|| format!("has no tensor named {name}"));
        let input = node(spec.input_name)?;
        let outputs = spec.outputs.iter().map(|(n, _)| node(n)).collect::<Result<_, _>>()?;
        let pool = rten::ThreadPool::with_num_threads(threads.max(1));
        let opts = rten::RunOptions::default().with_thread_pool(Some(Arc::new(pool)));
        Ok(Self { model, input, outputs, shape: spec.input_shape, opts })
    }
}

impl InferenceModel for RtenModel {
    fn run(&mut self, input: &[f32], outputs: &mut [Vec<f32>]) -> Result<(), String> {
        let view = rten_tensor::TensorView::from_data(&self.shape[..], input);
        let values = self
            .model
            .run(vec![(self.input, view.into())], &self.outputs, Some(self.opts.clone()))
            .map_err(|e| e.to_string())?;
        for (dst, value) in outputs.iter_mut().zip(values) {
            let tensor: rten_tensor::Tensor<f32> = value.try_into().map_err(|e| format!("{e:?}"))?;
            // rten allocated the output for this run: moved, not copied
            // (the 624 KB heatmap included).
            *dst = tensor.into_data();
        }
        Ok(())
    }
}

struct OrtModel {
    session: ort::session::Session,
    spec: ModelSpec,
}

impl OrtModel {
    fn load(bytes: &ModelBytes, spec: &ModelSpec, threads: usize) -> Result<Self, String> {
        let env = ORT_ENV.get().and_then(|e| e.as_ref().ok()).ok_or("ONNX Runtime is not initialised")?;
        let e = |e: ort::Error<_>| e.to_string();
        let mut builder = ort::session::Session::builder(env)
            .map_err(|e| e.to_string())?
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Level3)
            .map_err(e)?
            .with_intra_threads(threads.max(1))
            .map_err(e)?
            .with_inter_threads(1)
            .map_err(e)?
            .with_intra_op_spinning(spec.spin)
            .map_err(e)?;
        let session = builder
            .commit_from_memory(bytes.data())
            .map_err(|e| format!("not a loadable ONNX model: {e}"))?;
        Ok(Self { session, spec: *spec })
    }
}

impl InferenceModel for OrtModel {
    fn run(&mut self, input: &[f32], outputs: &mut [Vec<f32>]) -> Result<(), String> {
        let tensor = ort::value::TensorRef::from_array_view((self.spec.input_shape, input))
            .map_err(|e| e.to_string())?;
        let result =
            self.session.run(ort::inputs![self.spec.input_name => tensor]).map_err(|e| e.to_string())?;
        for (dst, (name, _)) in outputs.iter_mut().zip(self.spec.outputs) {
            let value = result.get(*name).ok_or_else(|| format!("has no output named {name}"))?;
            let (_, data) = value.try_extract_tensor::<f32>().map_err(|e| e.to_string())?;
            fill(dst, data);
        }
        Ok(())
    }
}

/// ONNX Runtime allows one environment per process; the first library wins.
static ORT_ENV: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

fn init_onnxruntime(library: &Path) -> Result<(), PoseError> {
    let env = ORT_ENV.get_or_init(|| {
        ort::init_from(library)
            .map_err(|e| e.to_string())?
            .with_name("headsup")
            .build()
            .map_err(|e| e.to_string())
    });
    env.as_ref().map(|_| ()).map_err(|message| PoseError::RuntimeLoad {
        library: library.to_path_buf(),
        message: message.clone(),
    })
}

/// The platform's file name for the ONNX Runtime shared library.
#[cfg(target_os = "windows")]
const ORT_LIB: &str = "onnxruntime.dll";
#[cfg(target_os = "macos")]
const ORT_LIB: &str = "libonnxruntime.dylib";
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
const ORT_LIB: &str = "libonnxruntime.so";

fn search_description() -> String {
    format!(
        "--ort-lib, $ORT_DYLIB_PATH, the executable's folder, $LD_LIBRARY_PATH, the system library folders, \
         and an installed `onnxruntime` Python package (no {ORT_LIB} found; `pip install onnxruntime` provides one)"
    )
}

/// Finds a native ONNX Runtime library without the user knowing where pip put
/// it: an explicit path, `ORT_DYLIB_PATH`, beside the executable, the usual
/// library folders, then the `onnxruntime` Python package.
pub fn find_onnxruntime(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        dirs.push(dir);
    }
    if let Some(paths) = std::env::var_os("LD_LIBRARY_PATH") {
        dirs.extend(library_path_dirs(&paths));
    }
    dirs.extend(
        [
            "/usr/local/lib",
            "/usr/lib",
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64",
            "/opt/homebrew/lib",
        ]
        .map(PathBuf::from),
    );
    dirs.iter().find_map(|d| library_in(d)).or_else(python_onnxruntime)
}

/// The absolute folders of a `LD_LIBRARY_PATH` value. An empty or relative
/// entry means "the working directory" to the loader; headsup never loads a
/// library from wherever it happens to be started.
fn library_path_dirs(value: &std::ffi::OsStr) -> impl Iterator<Item = PathBuf> + '_ {
    std::env::split_paths(value).filter(|p| p.is_absolute())
}

/// `libonnxruntime.so` or the newest versioned `libonnxruntime.so.1.x.y` in
/// `dir` (the PyPI wheel ships only the versioned name). Versions compare as
/// numbers: 1.22 is newer than 1.9.
fn library_in(dir: &Path) -> Option<PathBuf> {
    let plain = dir.join(ORT_LIB);
    if plain.is_file() {
        return Some(plain);
    }
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let version =
                p.file_name()?.to_str()?.strip_prefix(ORT_LIB)?.strip_prefix('.').map(version_of)?;
            Some((version, p))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, p)| p)
}

/// "1.22.0" → [1, 22, 0]; a part that is not a number counts as 0.
fn version_of(s: &str) -> Vec<u64> {
    s.split('.').map(|part| part.parse().unwrap_or(0)).collect()
}

/// Asks the Python interpreter where the `onnxruntime` package lives.
/// Nothing from the working directory may run: Python puts the script's
/// folder (for `-c`, the working directory) first on its path, so the probe
/// runs from `/`, drops that entry before importing, and sets
/// `PYTHONSAFEPATH` (3.11+) as well. The user site, where `pip install
/// --user` puts the package, stays on the path. Only an absolute answer is
/// taken.
fn python_onnxruntime() -> Option<PathBuf> {
    const PROBE: &str = "import sys, os\n\
        sys.path = [p for p in sys.path if p and os.path.abspath(p) != os.getcwd()]\n\
        import onnxruntime\n\
        print(os.path.dirname(onnxruntime.__file__))";
    for python in ["python3", "python"] {
        let out = std::process::Command::new(python)
            .args(["-c", PROBE])
            .current_dir("/")
            .env("PYTHONSAFEPATH", "1")
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output();
        if let Ok(out) = out
            && out.status.success()
        {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if dir.is_absolute()
                && let Some(lib) = library_in(&dir.join("capi"))
            {
                return Some(lib);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_of("1.22.0") > version_of("1.9.0"));
        assert!(version_of("1.10") > version_of("1.9.7"));
        assert_eq!(version_of("1.x"), vec![1, 0]);
    }

    #[test]
    fn the_newest_versioned_library_is_taken() {
        let dir = std::env::temp_dir().join(format!("headsup-ortlib-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        for v in ["1.9.0", "1.22.0", "1.3.1"] {
            std::fs::write(dir.join(format!("{ORT_LIB}.{v}")), b"").expect("file");
        }
        let found = library_in(&dir).expect("a library");
        assert!(
            found.to_string_lossy().ends_with(".so.1.22.0") || cfg!(not(target_os = "linux")),
            "{found:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_and_relative_library_path_entries_are_skipped() {
        let value = std::ffi::OsString::from("/opt/lib::lib:./x:/usr/lib");
        let dirs: Vec<PathBuf> = library_path_dirs(&value).collect();
        assert_eq!(dirs, vec![PathBuf::from("/opt/lib"), PathBuf::from("/usr/lib")]);
    }
}
