//! Rebuilds the binary when a bundled file is added or removed: `include_dir!` embeds the folders
//! below, but on stable Rust only a change to a file it already embeds triggers a rebuild.

fn main() {
    for folder in ["scenarios", "fixtures/profiles", "fixtures/keys"] {
        println!("cargo:rerun-if-changed={folder}");
    }
}
