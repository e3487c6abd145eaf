//! The `meshlint` command line: parse arguments, call the library, print, choose the exit code.
//!
//! Exit codes: 0 when nothing at or above `--fail-on` remains, 1 when something does (or
//! `--diff` found changes), 2 when a usage, configuration or I/O problem prevented linting.

#![forbid(unsafe_code)]

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use meshlint::config::Overrides;
use meshlint::context::Profile;
use meshlint::diagnostic::Severity;
use meshlint::k8s::InjectionMode;
use meshlint::report::{self, Format, FormatContext, Report};
use meshlint::rules::{self, RuleSelector};
use meshlint::{fix, Settings};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Shown after the options by `meshlint --help` and `meshlint check --help`.
const AFTER_HELP: &str = "\
Examples:
  meshlint check                      lint every manifest under the current directory
  meshlint check deploy/ charts/      lint these directories
  meshlint check --fix deploy/        apply the safe fixes, then report what remains
  meshlint check --diff deploy/       show the fixes as a diff, write nothing
  meshlint check --format sarif --output-file meshlint.sarif .
  meshlint explain MESH101            what a rule checks and how to fix it
  cat pod.yaml | meshlint check - --stdin-filename deploy/pod.yaml

`meshlint [PATHS]` is the same as `meshlint check [PATHS]`. A path named like a command
(`config`, `rules`, ...) is refused there: write `meshlint check config`.

Configuration: each file is linted with the closest `.meshlint.yaml` in its directory or a
parent directory, found automatically (`--config FILE` names one, `--no-config` ignores them;
`meshlint config [PATH]` prints the configuration in force). Command-line options override it.

Exit codes:
  0  nothing at or above the failure threshold (--fail-on, default: warning)
  1  findings at or above it remain (or --diff has changes to show)
  2  usage, configuration or I/O error: nothing was linted, or a named path has no manifest";

/// The most worker threads `-j` accepts. More only costs: on 2 cores, 6 files took 0.01 s at
/// `-j 64`, 0.37 s at 128 and 1.9 s at 256 (the directory walk's threads wait on each other).
/// Leaving `-j` out uses one thread per core, however many.
const MAX_JOBS: usize = 64;

#[derive(Parser, Debug)]
#[command(
    name = "meshlint",
    version,
    about = "Lint and fix Kubernetes and Istio manifests",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Files or directories to lint (`-` reads stdin). Default: the current directory.
    paths: Vec<PathBuf>,
    /// Apply safe fixes (and unsafe ones with --unsafe-fixes), then report what remains.
    #[arg(long, conflicts_with = "diff")]
    fix: bool,
    /// Print the fixes as a unified diff instead of writing them; exit 1 if there is any.
    #[arg(long)]
    diff: bool,
    /// Also apply fixes that need a human look.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// Write the report to a file instead of stdout.
    #[arg(long, value_name = "PATH")]
    output_file: Option<PathBuf>,
    /// Only these rules: codes, names or code prefixes (MESH3), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
    /// Skip these rules: codes, names or code prefixes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// Which Istio the manifests target [default: in-cluster, or the configuration's].
    #[arg(long, value_enum)]
    profile: Option<ProfileArg>,
    #[command(flatten)]
    config: ConfigArgs,
    /// Lowest severity that makes the run fail (exit 1) [default: warning, or the
    /// configuration's].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Apply the configuration's `exclude` to files named on the command line too (for
    /// pre-commit, which names every file).
    #[arg(long)]
    force_exclude: bool,
    /// When to use colours (NO_COLOR is honoured).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Print findings only: no summary when all is clear.
    #[arg(long, short)]
    quiet: bool,
    /// Also list the files the walk skipped, and why.
    #[arg(long, short, conflicts_with = "quiet")]
    verbose: bool,
    /// Print a count per rule instead of each finding (human and concise formats).
    #[arg(long)]
    statistics: bool,
    /// List the fixes applied (with --fix).
    #[arg(long, requires = "fix")]
    show_fixes: bool,
    /// Worker threads, 1 to 64 (default: one per core).
    #[arg(long, short, value_name = "N", value_parser = parse_jobs)]
    jobs: Option<usize>,
    /// The file name to report for stdin (with `-` as the path).
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<String>,
    /// Pods start Envoy as a native sidecar (Istio >= 1.27 on Kubernetes >= 1.33): the hold and
    /// Vault rules are off unless a pod says otherwise.
    #[arg(long)]
    native_sidecars: bool,
    /// The Istio version the manifests target (`1.28` or `1.28.1`) [default: inferred from the
    /// project, or the configuration's].
    #[arg(long, value_name = "VERSION", value_parser = version_arg)]
    istio_version: Option<meshlint::context::versions::Version>,
    /// The Kubernetes version the cluster runs (`1.33` or `1.33.2`) [default: the
    /// configuration's, else unknown].
    #[arg(long, value_name = "VERSION", value_parser = version_arg)]
    kubernetes_version: Option<meshlint::context::versions::Version>,
    /// How to decide pods whose namespace no file or configuration describes: `evidence`
    /// (default) reports their start-up and Vault findings at full severity only when the
    /// project shows they run in a mesh, else at info; `assume` always at full severity;
    /// `explicit` not at all. See `meshlint explain injection`.
    #[arg(long, value_enum, value_name = "MODE")]
    injection: Option<InjectionArg>,
    /// The same as `--injection explicit`.
    #[arg(long, conflicts_with = "injection")]
    injection_explicit: bool,
    /// Vault's address range (CIDR), for MESH401 and the exclusion fixes; repeatable.
    #[arg(long, value_name = "CIDR")]
    vault_address: Vec<ipnet::IpNet>,
    /// Vault's port (default 8200); repeatable.
    #[arg(long, value_name = "PORT")]
    vault_port: Vec<u16>,
}

/// Where configuration comes from.
#[derive(clap::Args, Debug)]
struct ConfigArgs {
    /// Use this configuration file instead of the closest `.meshlint.yaml` to each file.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore configuration files (suppression comments and annotations still apply).
    #[arg(long)]
    no_config: bool,
}

impl ConfigArgs {
    fn source(&self) -> meshlint::config::Source {
        match (&self.config, self.no_config) {
            (_, true) => meshlint::config::Source::None,
            (Some(path), false) => meshlint::config::Source::File(path.clone()),
            (None, false) => meshlint::config::Source::Discover,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint files and directories (the default command: `meshlint [PATHS]` is the same).
    #[command(after_help = AFTER_HELP)]
    Check(Box<CheckArgs>),
    /// List every rule: code, name, severity, fix.
    Rules,
    /// Print a rule's page.
    Explain {
        /// A code (MESH101) or name (hold-missing), or `injection` (how meshlint decides that a
        /// pod is in the mesh).
        rule: String,
    },
    /// Print the configuration in force for a file or directory (default: `.`).
    Config {
        /// The file or directory whose configuration to print (default: the current
        /// directory).
        path: Option<PathBuf>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    #[command(hide = true)]
    Manpage,
}

/// `--injection`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum InjectionArg {
    Evidence,
    Assume,
    Explicit,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Human,
    Concise,
    Json,
    JsonLines,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Concise => Format::Concise,
            FormatArg::Json => Format::Json,
            FormatArg::JsonLines => Format::JsonLines,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
            FormatArg::Gitlab => Format::Gitlab,
            FormatArg::Junit => Format::Junit,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ProfileArg {
    InCluster,
    Managed,
    /// OpenShift Service Mesh 2.x: only pods annotated `sidecar.istio.io/inject: "true"` are
    /// injected.
    Ossm2,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// The commands a first argument can name (`help` is clap's). `check` is left out: both of
/// its readings lint, and the current directory holds `check/`.
const COMMAND_NAMES: [&str; 6] = [
    "rules",
    "explain",
    "config",
    "completions",
    "manpage",
    "help",
];

/// A first argument that names both a command and a path in the working directory
/// (`meshlint config` in a Kubebuilder project, which has `config/`): which one is meant
/// cannot be told, and running the command would lint nothing and exit 0. `--` right after
/// the command name says the command is meant (`meshlint --help` for `help`).
fn ambiguous_command(args: &[std::ffi::OsString]) -> Option<String> {
    let first = args.get(1)?.to_str()?;
    if !COMMAND_NAMES.contains(&first) || std::fs::symlink_metadata(first).is_err() {
        return None;
    }
    if args.get(2).is_some_and(|a| a == "--") {
        return None;
    }
    let command = if first == "help" {
        "for help, write `meshlint --help`".to_owned()
    } else {
        format!("to run the `{first}` command, write `meshlint {first} -- [ARGS]`")
    };
    Some(format!(
        "`{first}` is both a meshlint command and a path here: did you mean `meshlint check {first}`?\n({command})"
    ))
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(message) = ambiguous_command(&args) {
        eprintln!("meshlint: error: {message}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse_from(&args);
    match cli.command {
        Some(Command::Check(check)) => check_command(&check),
        Some(Command::Rules) => print_rules(),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "meshlint",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Some(Command::Manpage) => {
            let _ = std::io::stdout().write_all(&manpage());
            ExitCode::SUCCESS
        }
        Some(Command::Config { path, config }) => {
            let settings = Settings {
                config: config.source(),
                ..Settings::default()
            };
            let path = path.unwrap_or_else(|| PathBuf::from("."));
            match meshlint::effective_config(&path, &settings) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.into()),
            }
        }
        None => check_command(&cli.check),
    }
}

/// `meshlint check` (and bare `meshlint`).
fn check_command(args: &CheckArgs) -> ExitCode {
    usage_check(args);
    match run(args) {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

/// The flag combinations clap cannot express: a usage error (exit 2) with clap's wording.
fn usage_check(args: &CheckArgs) {
    let error = |message: String| -> ! {
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, message)
            .exit()
    };
    let format: Format = args.format.into();
    if args.statistics && !format.is_human() {
        // The machine formats are parsed by tools: a table in them would break the parse, and
        // they carry their own counts (`summary` in json).
        error(format!(
            "--statistics prints a table for people and cannot be combined with --format {format}"
        ));
    }
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if args.stdin_filename.is_some() && !stdin {
        error("--stdin-filename names the text read from stdin: give `-` as the path".to_owned());
    }
}

/// `-j`: 1 to [`MAX_JOBS`].
fn parse_jobs(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of threads"))?;
    if (1..=MAX_JOBS).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} threads: give 1 to {MAX_JOBS} (leave -j out for one per core)"
        ))
    }
}

/// The closest rule code or name to `given`, when one is close enough to suggest.
fn closest_rule(given: &str) -> Option<&'static str> {
    rules::all()
        .flat_map(|m| [m.code, m.name])
        .map(|candidate| {
            (
                strsim::jaro_winkler(&given.to_ascii_lowercase(), &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `` (did you mean `hold-missing`?)`` or nothing.
fn did_you_mean(given: &str) -> String {
    closest_rule(given).map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"))
}

/// Why a run could not lint: exit code 2.
enum Failure {
    /// Already `path:line:col: message`.
    Config(meshlint::config::ConfigError),
    Other(String),
}

impl From<meshlint::RunError> for Failure {
    fn from(e: meshlint::RunError) -> Self {
        match e {
            meshlint::RunError::Config(c) => Failure::Config(c),
            other => Failure::Other(other.to_string()),
        }
    }
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Other(s)
    }
}

fn fail(f: &Failure) -> ExitCode {
    match f {
        // A problem at a place in a configuration file stays `path:line:col: message`, the
        // shape editors jump from; one without a place (a file not found) names the tool.
        Failure::Config(e) if e.position.is_some() => eprintln!("{e}"),
        Failure::Config(e) => eprintln!("meshlint: error: {e}"),
        Failure::Other(message) => eprintln!("meshlint: error: {message}"),
    }
    ExitCode::from(2)
}

/// The man page, generated from the command-line definition.
fn manpage() -> Vec<u8> {
    let mut out = Vec::new();
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut out);
    out
}

fn print_rules() -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<8} {:<32} {:<8} {:<10} summary",
        "code", "name", "severity", "fix"
    );
    for m in rules::all() {
        let _ = writeln!(
            out,
            "{:<8} {:<32} {:<8} {:<10} {}",
            m.code,
            m.name,
            m.severity.as_str(),
            m.fix.as_str(),
            m.summary
        );
    }
    ExitCode::SUCCESS
}

/// `meshlint explain injection`: how pods in unknown namespaces are decided.
const INJECTION_PAGE: &str = include_str!("../docs/injection.md");

fn explain(rule: &str) -> ExitCode {
    if rule == "injection" {
        print!("{INJECTION_PAGE}");
        return ExitCode::SUCCESS;
    }
    match rules::find(rule) {
        Some(m) => {
            print!("{}", m.page);
            ExitCode::SUCCESS
        }
        None => {
            eprintln!(
                "meshlint: error: unknown rule `{rule}`{} (see `meshlint rules`)",
                did_you_mean(rule)
            );
            ExitCode::from(2)
        }
    }
}

fn settings(args: &CheckArgs) -> Result<Settings, String> {
    let selector = RuleSelector {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let unknown = selector.unknown_patterns();
    if !unknown.is_empty() {
        let named: Vec<String> = unknown
            .iter()
            .map(|u| format!("`{u}`{}", did_you_mean(u)))
            .collect();
        return Err(format!(
            "unknown rule selector{}: {} (see `meshlint rules`)",
            if named.len() == 1 { "" } else { "s" },
            named.join(", ")
        ));
    }
    let overrides = Overrides {
        profile: args.profile.map(|p| match p {
            ProfileArg::InCluster => Profile::InCluster,
            ProfileArg::Managed => Profile::Managed,
            ProfileArg::Ossm2 => Profile::Ossm2,
        }),
        select: (!args.select.is_empty()).then(|| args.select.clone()),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.map(fail_threshold),
        native_sidecars: args.native_sidecars.then_some(true),
        istio_version: args.istio_version,
        kubernetes_version: args.kubernetes_version,
        injection: match (args.injection, args.injection_explicit) {
            (Some(InjectionArg::Evidence), _) => Some(InjectionMode::Evidence),
            (Some(InjectionArg::Assume), _) => Some(InjectionMode::Assume),
            (Some(InjectionArg::Explicit), _) | (None, true) => Some(InjectionMode::Explicit),
            (None, false) => None,
        },
        vault_ports: (!args.vault_port.is_empty()).then(|| args.vault_port.clone()),
        vault_addresses: (!args.vault_address.is_empty()).then(|| args.vault_address.clone()),
        force_exclude: args.force_exclude.then_some(true),
    };
    Ok(Settings {
        config: args.config.source(),
        overrides,
        jobs: args.jobs.unwrap_or(0),
        cwd: None,
    })
}

/// `--istio-version`, `--kubernetes-version`: `1.28` or `1.28.1`.
fn version_arg(s: &str) -> Result<meshlint::context::versions::Version, String> {
    meshlint::context::versions::Version::parse(s)
        .ok_or_else(|| format!("`{s}` is not a version such as 1.28 or 1.28.1"))
}

fn use_color(arg: ColorArg, to_terminal: bool) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn fail_threshold(f: FailOn) -> Severity {
    match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    }
}

fn write_out(args: &CheckArgs, report: &Report) -> Result<(), String> {
    let format: Format = args.format.into();
    let to_file = args.output_file.is_some();
    let mut ctx = FormatContext::new(rules::metas(), env!("CARGO_PKG_VERSION"));
    ctx.color = !to_file && use_color(args.color, std::io::stdout().is_terminal());
    ctx.show_fixes = args.show_fixes;
    ctx.statistics = args.statistics;
    if args.quiet && report.files.is_empty() && report.fix_summary.is_none() && format.is_human() {
        return Ok(());
    }
    // Streamed through a buffer, not built whole: 95,000 findings make 80 MB of text.
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
        report::write_report(format, report, &ctx, &mut out)?;
        out.flush()
    };
    match &args.output_file {
        Some(p) => std::fs::File::create(p)
            .and_then(|mut file| write(&mut file))
            .map_err(|e| format!("{}: {e}", p.display())),
        None => match write(&mut std::io::stdout().lock()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| e.to_string()),
        },
    }
}

fn run(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let settings = settings(args)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    if paths.iter().any(|p| p.as_os_str() == "-") {
        if paths.len() > 1 {
            // Linting stdin and files in one run would report one and silently skip the other.
            return Err(
                "`-` (stdin) cannot be combined with other paths: lint them in two runs"
                    .to_owned()
                    .into(),
            );
        }
        return run_stdin(args, &settings);
    }
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(format!(
                "{}: no such file or directory{}",
                p.display(),
                sibling_suggestion(p)
            )
            .into());
        }
    }
    if args.diff {
        let run = meshlint::fix_paths(&paths, &settings, args.unsafe_fixes)?;
        walked(args, &run.walk)?;
        let mut out = std::io::stdout().lock();
        for c in &run.changes {
            let _ = out.write_all(fix::unified_diff(&c.original, &c.fixed, &c.display).as_bytes());
        }
        let _ = out.flush();
        // The fixes that would not apply, and why: the diff leaves them out.
        let summary = run.report.fix_summary.unwrap_or_default();
        for failure in &summary.failures {
            eprintln!("{}", report::escape_controls(failure));
        }
        let fixes: usize = run.changes.iter().map(|c| c.applied.len()).sum();
        if run.changes.is_empty() && summary.rejected > 0 {
            eprintln!(
                "no fix would change any file: {} would not apply (see above)",
                count(summary.rejected, "fix", "fixes")
            );
        } else {
            eprintln!(
                "{} would change {}",
                count(fixes, "fix", "fixes"),
                count(run.changes.len(), "file", "files")
            );
        }
        // Exit 1 only for changes: a fix that would not apply is not one, and `--fix` could do
        // nothing about it (its finding stays, and linting reports it).
        return Ok(if run.changes.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if args.fix {
        let run = meshlint::fix_paths(&paths, &settings, args.unsafe_fixes)?;
        walked(args, &run.walk)?;
        let mut report = run.report;
        let mut io_error = false;
        for c in &run.changes {
            if let Err(e) =
                fix::write_atomically(&c.path, c.original.as_bytes(), c.fixed.as_bytes())
            {
                io_error = true;
                let summary = report.fix_summary.get_or_insert_with(Default::default);
                summary
                    .failures
                    .push(format!("{}: not written: {e}", c.display));
                summary.files_fixed = summary.files_fixed.saturating_sub(1);
                summary.fixes_applied = summary.fixes_applied.saturating_sub(c.applied.len());
                summary.applied.retain(|a| a.path != c.display);
                // Nothing was fixed there: report the file as it still is.
                let findings = meshlint::lint_paths(std::slice::from_ref(&c.path), &settings)?;
                report.files.retain(|f| f.path != c.display);
                report.files.extend(findings.report.files);
            }
        }
        report.files.sort_by(|a, b| a.path.cmp(&b.path));
        write_out(args, &report)?;
        if !matches!(args.format, FormatArg::Human | FormatArg::Concise) {
            // Machine formats have no place for them: the fixes not applied, and why, go to
            // stderr (the human formats list them after the summary).
            for failure in report.fix_summary.iter().flat_map(|s| &s.failures) {
                eprintln!("{}", report::escape_controls(failure));
            }
        }
        let code = if io_error {
            2
        } else {
            u8::from(run.thresholds.failing(&report))
        };
        return Ok(ExitCode::from(code));
    }
    let run = meshlint::lint_paths(&paths, &settings)?;
    walked(args, &run.walk)?;
    write_out(args, &run.report)?;
    Ok(ExitCode::from(u8::from(
        run.thresholds.failing(&run.report),
    )))
}

/// What the walk skipped (with `--verbose`), and a usage error for a named directory with
/// nothing to lint: a mistyped or empty path would otherwise pass as "all clear".
fn walked(args: &CheckArgs, walk: &meshlint::WalkStats) -> Result<(), Failure> {
    if args.verbose {
        let skipped = walk.not_included + walk.excluded;
        eprintln!(
            "meshlint: skipped {}: {} not matched by `include` (by default *.yaml, *.yml, *.json), {} named by `exclude`; files a .gitignore names and hidden files are not walked",
            count(skipped, "file", "files"),
            walk.not_included,
            walk.excluded,
        );
    }
    // Only paths the user named: a bare `meshlint` in a directory without manifests asked for
    // nothing in particular.
    let Some(dir) = walk.empty_dirs.first().filter(|_| !args.paths.is_empty()) else {
        return Ok(());
    };
    let mut message = format!("no manifests under {}", dir.display());
    let hint = sibling_suggestion(dir);
    if hint.is_empty() {
        message.push_str(
            " (meshlint lints the files `include` matches, by default *.yaml, *.yml and *.json, that `exclude` does not name, and does not walk hidden files or those a .gitignore names; --verbose counts the files skipped)",
        );
    } else {
        message.push_str(&hint);
    }
    Err(message.into())
}

/// ` — did you mean deployments/?` for the sibling directory (or file) whose name is closest
/// to `path`'s, or nothing.
fn sibling_suggestion(path: &std::path::Path) -> String {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return String::new();
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return String::new();
    };
    let best = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let other = e.file_name().into_string().ok()?;
            let score = strsim::jaro_winkler(name, &other);
            (other != name && !other.starts_with('.') && score > 0.8).then(|| {
                let dir = e.file_type().is_ok_and(|t| t.is_dir());
                (score, other, dir)
            })
        })
        // A directory before a file, then the closest name.
        .max_by(|a, b| {
            a.2.cmp(&b.2)
                .then(a.0.total_cmp(&b.0))
                .then_with(|| b.1.cmp(&a.1))
        });
    match best {
        Some((_, other, dir)) => {
            let shown = if parent == std::path::Path::new(".") {
                PathBuf::from(&other)
            } else {
                parent.join(&other)
            };
            format!(
                " — did you mean {}{}?",
                shown.display(),
                if dir { "/" } else { "" }
            )
        }
        None => String::new(),
    }
}

/// `1 fix`, `2 fixes`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn run_stdin(args: &CheckArgs, settings: &Settings) -> Result<ExitCode, Failure> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    let fix_mode = (args.fix || args.diff).then_some(args.unsafe_fixes);
    let (findings, fixed, fail_on) =
        meshlint::lint_stdin(&bytes, args.stdin_filename.as_deref(), settings, fix_mode)?;
    let text = String::from_utf8_lossy(&bytes);
    let display = findings.path.clone();
    let thresholds = meshlint::Thresholds::uniform(fail_on);
    let mut report = Report {
        files_checked: 1,
        ..Report::default()
    };
    if !findings.findings.is_empty() {
        report.files.push(findings);
    }
    if fix_mode.is_some() {
        // Input that is not text (MESH902) is never fixed: it passes through unchanged.
        let fixed = fixed.unwrap_or_else(|| text.clone().into_owned());
        if args.diff {
            print!("{}", fix::unified_diff(&text, &fixed, &display));
            return Ok(ExitCode::from(u8::from(fixed != text)));
        }
        // The fixed text goes to stdout; the report to stderr.
        if fixed == text {
            let _ = std::io::stdout().write_all(&bytes);
        } else {
            print!("{fixed}");
        }
        let mut ctx = FormatContext::new(rules::metas(), env!("CARGO_PKG_VERSION"));
        ctx.color = use_color(args.color, std::io::stderr().is_terminal());
        let mut buf = Vec::new();
        report::write_report(args.format.into(), &report, &ctx, &mut buf)
            .map_err(|e| e.to_string())?;
        let _ = std::io::stderr().write_all(&buf);
        return Ok(ExitCode::from(u8::from(thresholds.failing(&report))));
    }
    write_out(args, &report)?;
    Ok(ExitCode::from(u8::from(thresholds.failing(&report))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/meshlint.1` is the generated man page; regenerate it with
    /// `cargo run -- manpage > docs/meshlint.1` after changing the command line.
    #[test]
    fn the_shipped_man_page_is_up_to_date() {
        let shipped = include_bytes!("../docs/meshlint.1");
        assert!(
            shipped[..] == manpage()[..],
            "docs/meshlint.1 is stale: run `cargo run -- manpage > docs/meshlint.1`"
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
