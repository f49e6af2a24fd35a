//! Run-time choice of SIMD width for the hot loops: a method written once as plain loops is
//! compiled again for AVX-512F and AVX2 and the widest the CPU has runs. The build's baseline
//! (SSE2 on x86-64) stays the default, so one binary runs everywhere.

/// Method `$name`, which runs `$generic` (`#[inline(always)]`) compiled for the widest
/// vectors the CPU has (AVX-512F, AVX2, or the build's baseline), chosen at run time. No fused
/// multiply-add is enabled, so results stay bit-identical across the variants.
macro_rules! simd_dispatch {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident => $generic:ident, $avx512:ident, $avx2:ident(
            $($arg:ident: $ty:ty),* $(,)?
        )
    ) => {
        $(#[$meta])*
        $vis fn $name(&mut self, $($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports AVX-512F, checked just above.
                    return unsafe { self.$avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    return unsafe { self.$avx2($($arg),*) };
                }
            }
            self.$generic($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        unsafe fn $avx512(&mut self, $($arg: $ty),*) {
            self.$generic($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        unsafe fn $avx2(&mut self, $($arg: $ty),*) {
            self.$generic($($arg),*)
        }
    };
}
pub(crate) use simd_dispatch;
