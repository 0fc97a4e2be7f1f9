//! Compile-time backend selection.
//!
//! Cargo features choose the backend; [`DefaultBackend`] names the one they chose and every
//! public model type uses it as its default type parameter. When several backend features are
//! enabled (features are additive, and `flex` is on by default), the priority is `cuda`,
//! `tch`, `ndarray`, then `flex`, so enabling any other backend overrides the default.
//! Training wraps the backend in [`burn::backend::Autodiff`], see [`TrainBackend`].
//!
//! `flex` is the default because it is the fastest CPU backend here once its SIMD kernels and
//! threading are on (burn 0.21, 2 cores, fine-tuning all-MiniLM-L6-v2 for one epoch on 2,000
//! texts, `examples/classification_benchmark.rs`): train 126–129 s vs ndarray's 150 s, eval of
//! 500 texts 8.2 s vs 11.0 s, predict 2,000 texts 34–35 s vs 45 s, peak RSS 830 vs 900 MiB.
//!
//! `use_cuda` / `cuda_device` behave as in Python Simple Transformers: asking for CUDA on a build
//! or a machine without it is an error that says so, never a silent fallback.

#[cfg(not(any(
    feature = "flex",
    feature = "ndarray",
    feature = "tch",
    feature = "cuda"
)))]
compile_error!(
    "st-core needs a backend feature: one of `flex` (default), `ndarray`, `tch`, `cuda`"
);

/// The backend chosen by cargo features (CUDA build).
#[cfg(feature = "cuda")]
pub type DefaultBackend = burn::backend::Cuda<f32, i32>;

/// The backend chosen by cargo features (libtorch build).
#[cfg(all(feature = "tch", not(feature = "cuda")))]
pub type DefaultBackend = burn::backend::LibTorch<f32>;

/// The backend chosen by cargo features (pure-Rust `ndarray` CPU build).
#[cfg(all(feature = "ndarray", not(any(feature = "cuda", feature = "tch"))))]
pub type DefaultBackend = burn::backend::NdArray<f32>;

/// The backend chosen by cargo features (pure-Rust `flex` CPU build, the default).
#[cfg(all(
    feature = "flex",
    not(any(feature = "cuda", feature = "tch", feature = "ndarray"))
))]
pub type DefaultBackend = burn::backend::Flex<f32>;

/// The backend used for training: [`DefaultBackend`] with automatic differentiation.
pub type TrainBackend<B = DefaultBackend> = burn::backend::Autodiff<B>;

/// Whether tensors of backend `B` live in ordinary host memory (the pure-Rust CPU backends,
/// with `f32` floats, with or without autodiff), so that element-wise work may run as one
/// fused loop over their data instead of one kernel per operation (AdamW in `train::optim`,
/// dropout masks in `st-models`).
pub fn is_host_backend<B: burn::tensor::backend::Backend>() -> bool {
    use std::any::TypeId;
    let id = TypeId::of::<B>();
    #[cfg(feature = "flex")]
    if id == TypeId::of::<burn::backend::Flex<f32>>()
        || id == TypeId::of::<burn::backend::Autodiff<burn::backend::Flex<f32>>>()
    {
        return true;
    }
    #[cfg(feature = "ndarray")]
    if id == TypeId::of::<burn::backend::NdArray<f32>>()
        || id == TypeId::of::<burn::backend::Autodiff<burn::backend::NdArray<f32>>>()
    {
        return true;
    }
    let _ = id;
    false
}

/// Short name of the backend this build uses, for logs and error messages.
pub const BACKEND_NAME: &str = if cfg!(feature = "cuda") {
    "cuda"
} else if cfg!(feature = "tch") {
    "tch"
} else if cfg!(feature = "ndarray") {
    "ndarray"
} else {
    "flex"
};

/// Why a device could not be provided.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// CUDA was requested on a build without a CUDA-capable backend.
    #[error(
        "use_cuda is set but this build has no CUDA backend (it uses `{backend}`); rebuild with \
         `--features cuda` (or `--features tch` with a CUDA libtorch), or pass use_cuda = false"
    )]
    NoCudaBuild { backend: &'static str },
    /// CUDA was requested but the machine has no usable CUDA device.
    #[error("use_cuda is set but no CUDA device is usable on this machine: {reason}")]
    NoCudaDevice { reason: String },
    /// `cuda_device` is not -1 (= default) or a device index.
    #[error("cuda_device must be -1 (the default device) or a device index >= 0, found {0}")]
    BadIndex(i64),
}

/// Which device to run on, as Python's `use_cuda` / `cuda_device` constructor arguments.
///
/// Unlike Python, whose `use_cuda` defaults to `true` and errors on a machine without CUDA, the
/// default here follows the build: `true` on a `cuda` build, `false` otherwise. Setting it to
/// `true` explicitly on a build or machine without CUDA is an error, as in Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceRequest {
    /// Run on a CUDA GPU.
    pub use_cuda: bool,
    /// `-1` for the default CUDA device, otherwise its index.
    pub cuda_device: i64,
}

impl Default for DeviceRequest {
    fn default() -> Self {
        Self {
            use_cuda: cfg!(feature = "cuda"),
            cuda_device: -1,
        }
    }
}

impl DeviceRequest {
    /// The CPU, whatever the build.
    pub fn cpu() -> Self {
        Self {
            use_cuda: false,
            cuda_device: -1,
        }
    }

    /// Resolve the request to a device of [`DefaultBackend`].
    pub fn device(&self) -> Result<burn::tensor::Device<DefaultBackend>, BackendError> {
        crate::alloc::keep_freed_memory();
        if self.cuda_device < -1 {
            return Err(BackendError::BadIndex(self.cuda_device));
        }
        let index = usize::try_from(self.cuda_device).unwrap_or(0);
        select_device(self.use_cuda, index)
    }
}

#[cfg(feature = "cuda")]
fn select_device(
    use_cuda: bool,
    index: usize,
) -> Result<burn::tensor::Device<DefaultBackend>, BackendError> {
    if !use_cuda {
        // The CUDA build has no CPU device of its own; the caller asked for the CPU on a
        // CUDA-only build, which cannot be honoured silently.
        return Err(BackendError::NoCudaDevice {
            reason: "this build runs on CUDA only (`--features cuda`); use_cuda = false needs a \
                     CPU build (the default features)"
                .into(),
        });
    }
    cuda_probe(index)?;
    Ok(burn::backend::cuda::CudaDevice::new(index))
}

/// Make sure the CUDA driver and device exist before handing out a device: burn-cuda panics
/// deep inside its runtime otherwise.
#[cfg(feature = "cuda")]
fn cuda_probe(index: usize) -> Result<(), BackendError> {
    let result = std::panic::catch_unwind(|| {
        let device = burn::backend::cuda::CudaDevice::new(index);
        let t = burn::tensor::Tensor::<DefaultBackend, 1>::ones([1], &device);
        t.into_data()
    });
    result
        .map(|_| ())
        .map_err(|panic| BackendError::NoCudaDevice {
            reason: panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the CUDA runtime failed to start".into()),
        })
}

#[cfg(all(feature = "tch", not(feature = "cuda")))]
fn select_device(
    use_cuda: bool,
    index: usize,
) -> Result<burn::tensor::Device<DefaultBackend>, BackendError> {
    use burn::backend::libtorch::LibTorchDevice;
    if !use_cuda {
        return Ok(LibTorchDevice::Cpu);
    }
    if !tch_cuda_available() {
        return Err(BackendError::NoCudaDevice {
            reason: "libtorch reports no CUDA device (is this a CPU-only libtorch?)".into(),
        });
    }
    Ok(LibTorchDevice::Cuda(index))
}

#[cfg(all(feature = "tch", not(feature = "cuda")))]
fn tch_cuda_available() -> bool {
    std::panic::catch_unwind(|| {
        let device = burn::backend::libtorch::LibTorchDevice::Cuda(0);
        burn::tensor::Tensor::<DefaultBackend, 1>::ones([1], &device).into_data()
    })
    .is_ok()
}

#[cfg(not(any(feature = "cuda", feature = "tch")))]
fn select_device(
    use_cuda: bool,
    _index: usize,
) -> Result<burn::tensor::Device<DefaultBackend>, BackendError> {
    if use_cuda {
        return Err(BackendError::NoCudaBuild {
            backend: BACKEND_NAME,
        });
    }
    Ok(Default::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(any(feature = "cuda", feature = "tch")))]
    #[test]
    fn cuda_on_a_cpu_build_is_a_clear_error() {
        let err = DeviceRequest {
            use_cuda: true,
            cuda_device: -1,
        }
        .device()
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("--features cuda"), "{message}");
        assert!(DeviceRequest::cpu().device().is_ok());
        assert!(!DeviceRequest::default().use_cuda);
    }

    #[test]
    fn negative_device_index_is_rejected() {
        let err = DeviceRequest {
            use_cuda: true,
            cuda_device: -3,
        }
        .device()
        .unwrap_err();
        assert!(err.to_string().contains("-3"));
    }
}
