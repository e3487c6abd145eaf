//! `--statistics`: how many findings each rule produced, most frequent first.

use super::Report;
use std::collections::BTreeMap;
use std::io;

/// One row per rule code: count, code, name and how many of its findings carry a fix (safe or
/// unsafe), sorted by count (descending), then code. Writes nothing when there are no findings.
pub fn write_statistics(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    // code -> (name, count, fixable)
    let mut rows: BTreeMap<&str, (&str, usize, usize)> = BTreeMap::new();
    for (_, finding) in report.findings() {
        let row = rows.entry(finding.code).or_insert((finding.name, 0, 0));
        row.1 += 1;
        if finding.fix.is_some() {
            row.2 += 1;
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<(&str, &str, usize, usize)> = rows
        .into_iter()
        .map(|(code, (name, count, fixable))| (code, name, count, fixable))
        .collect();
    // Stable sort: equal counts stay in code order.
    rows.sort_by_key(|r| std::cmp::Reverse(r.2));
    let count_w = rows
        .iter()
        .map(|r| r.2.to_string().len())
        .max()
        .unwrap_or(1)
        .max(5);
    let code_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
    let name_w = rows.iter().map(|r| r.1.len()).max().unwrap_or(4).max(4);
    writeln!(
        out,
        "{:>count_w$}  {:<code_w$}  {:<name_w$}  fixable",
        "count", "code", "name"
    )?;
    for (code, name, count, fixable) in rows {
        writeln!(
            out,
            "{count:>count_w$}  {code:<code_w$}  {name:<name_w$}  {fixable:>7}"
        )?;
    }
    Ok(())
}
