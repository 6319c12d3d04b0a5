//! Builds LAME 3.100's encoder with the `cc` crate instead of upstream's autotools run.
//!
//! Why: upstream passes cargo's CFLAGS to `configure`, and LAME's configure then drops its
//! own optimisation flags ("if someone supplies own CFLAGS, we don't add our own"), so
//! the library was built without `-ffast-math`, and without the SSE paths that LAME only
//! enables when `MIN_ARCH_SSE` is defined. Here the flags are the ones LAME's configure
//! picks for this gcc (`-O3 -fomit-frame-pointer -ffast-math -funroll-loops`, with the
//! optimisation level left to cargo's profile), and SSE is used wherever the target
//! guarantees it. No configure run also means a faster, simpler build.

use std::path::Path;

const SOURCES: &[&str] = &[
    "bitstream.c",
    "encoder.c",
    "fft.c",
    "gain_analysis.c",
    "id3tag.c",
    "lame.c",
    "newmdct.c",
    "presets.c",
    "psymodel.c",
    "quantize.c",
    "quantize_pvt.c",
    "reservoir.c",
    "set_get.c",
    "tables.c",
    "takehiro.c",
    "util.c",
    "vbrquantize.c",
    "VbrTag.c",
    "version.c",
    "vector/xmm_quantize_sub.c",
];

fn main() {
    if std::env::var_os("CARGO_FEATURE_DECODER").is_some() {
        panic!("mp3lame-sys (tts-gateway fork): the GPL mpglib decoder is not vendored");
    }
    let lame = Path::new("lame-3.100");
    let lib = lame.join("libmp3lame");
    let mut build = cc::Build::new();
    build
        .include("config")
        .include(lame.join("include"))
        .include(&lib)
        .include(lib.join("vector"))
        .define("HAVE_CONFIG_H", None)
        .flag_if_supported("-fomit-frame-pointer")
        .flag_if_supported("-ffast-math")
        .flag_if_supported("-funroll-loops")
        .warnings(false);
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch == "x86_64" || arch == "x86" {
        build.define("HAVE_XMMINTRIN_H", "1");
    }
    // SSE is part of the x86_64 baseline; 32-bit x86 only gets it when the target has it.
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if arch == "x86_64" || features.split(',').any(|f| f == "sse") {
        build.define("MIN_ARCH_SSE", None);
    }
    for source in SOURCES {
        build.file(lib.join(source));
    }
    build.compile("mp3lame");
    println!("cargo:rerun-if-changed=lame-3.100");
    println!("cargo:rerun-if-changed=config");
}
