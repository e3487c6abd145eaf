//! The parse-only floor for benchmarks (issue 7): finds the same files meshlint would lint, reads
//! each one, checks it is UTF-8 and runs `granit-parser` over it with the options meshlint uses,
//! doing nothing else with the events. meshlint cannot be faster than this on one thread.
//! With `--tree` it builds meshlint's span tree from the events instead (and drops it): the
//! difference between the two is what the YAML layer costs.
//!
//! ```text
//! cargo build --release --example parse_floor
//! target/release/examples/parse_floor [--jobs N] [--tree] PATH...
//! ```
//!
//! Prints `files bytes events errors` (with `--tree`, nodes instead of events) on stderr so runs
//! can be checked against each other.

use granit_parser::{Options, Parser};
use rayon::prelude::*;
use std::path::PathBuf;

fn parse_one(path: &std::path::Path, tree: bool) -> (u64, u64, u64) {
    let Ok(bytes) = std::fs::read(path) else {
        return (0, 0, 1);
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return (bytes.len() as u64, 0, 1);
    };
    if tree {
        let (mut nodes, mut errors) = (0u64, 0u64);
        for d in meshlint::yaml::DocumentParser::new(text) {
            match d {
                Ok(d) => nodes += d.nodes.len() as u64,
                Err(_) => errors += 1,
            }
        }
        return (bytes.len() as u64, nodes, errors);
    }
    let mut options = Options::default();
    options.emit_anchor_events = true;
    options.emit_comments = true;
    options.max_buffered_comment_events = usize::MAX / 2;
    let mut parser = Parser::new_from_str_with_options(text, options);
    let (mut events, mut errors) = (0u64, 0u64);
    loop {
        match parser.next() {
            Some(Ok(_)) => events += 1,
            Some(Err(_)) => {
                errors += 1;
                // Resume at the next document, as meshlint does.
                if !matches!(parser.proceed_next_document(), Ok(true)) {
                    break;
                }
            }
            None => break,
        }
    }
    (bytes.len() as u64, events, errors)
}

fn main() {
    let mut jobs = 1usize;
    let mut tree = false;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--jobs" | "-j" => {
                jobs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--jobs takes a number");
            }
            "--tree" => tree = true,
            _ => paths.push(PathBuf::from(a)),
        }
    }
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("thread pool");
    let (files, totals) = pool.install(|| {
        let found = meshlint::source::discover(&paths, rayon::current_num_threads())
            .unwrap_or_else(|e| {
                eprintln!("parse_floor: {e}");
                std::process::exit(2)
            });
        let totals = found
            .inputs
            .par_iter()
            .map(|i| parse_one(&i.path, tree))
            .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        (found.inputs.len(), totals)
    });
    eprintln!(
        "files {files} bytes {} events {} errors {}",
        totals.0, totals.1, totals.2
    );
}
