//! criterion micro-benchmarks (issue 7): the YAML layer, the CIDR and port grammars, and one
//! rule pass over a typical manifest. `cargo bench --bench micro`; see benches/README.md.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use meshlint::context::LintOptions;
use meshlint::istio::lists::{
    check_ip_list, check_port_list, find_redundant, IpListKind, PortListKind,
};
use meshlint::rules::RuleSelector;

const DEPLOYMENT: &str = include_str!("data/deployment-3k.yaml");

fn stream(n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str("---\n");
        s.push_str(DEPLOYMENT);
    }
    s
}

fn yaml(c: &mut Criterion) {
    let mut g = c.benchmark_group("yaml");
    let big = stream(30);
    for (name, text) in [
        ("deployment-3k", DEPLOYMENT.to_owned()),
        ("stream-100k", big),
    ] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("granit-events/{name}"), |b| {
            b.iter(|| {
                let mut opts = granit_parser::Options::default();
                opts.emit_anchor_events = true;
                opts.emit_comments = true;
                granit_parser::Parser::new_from_str_with_options(black_box(&text), opts).count()
            });
        });
        g.bench_function(format!("tree/{name}"), |b| {
            b.iter(|| meshlint::yaml::DocumentParser::new(black_box(&text)).count());
        });
    }
    g.finish();
}

fn grammars(c: &mut Criterion) {
    let mut g = c.benchmark_group("grammars");
    let typical = "10.0.0.0/8, 172.16.0.0/12,192.168.0.0/16, 169.254.169.254/32, fd00::/8";
    let ports = "15020,15021, 8200,9090,3306,5432";
    let long: String = (0..1000u32)
        .map(|i| format!("10.{}.{}.0/24", i >> 8, i & 255))
        .collect::<Vec<_>>()
        .join(",");
    g.bench_function("ip-list/typical", |b| {
        b.iter(|| check_ip_list(black_box(typical), IpListKind::ExcludeAnnotation));
    });
    g.bench_function("port-list/typical", |b| {
        b.iter(|| check_port_list(black_box(ports), PortListKind::ExcludeOutboundAnnotation));
    });
    g.throughput(Throughput::Elements(1000));
    g.bench_function("ip-list/1000+redundancy", |b| {
        b.iter(|| {
            find_redundant(&check_ip_list(
                black_box(&long),
                IpListKind::ExcludeAnnotation,
            ))
        });
    });
    g.finish();
}

fn rules(c: &mut Criterion) {
    let mut g = c.benchmark_group("rules");
    let options = LintOptions::default();
    let selector = RuleSelector::default();
    let broken = DEPLOYMENT
        .replace(
            "\"169.254.169.254/32\"",
            "\"169.254.169.254, 10.0.0.0/08 ,\"",
        )
        .replace(
            "sidecar.istio.io/inject: \"true\"",
            "sidecar.istio.io/inject: true",
        );
    for (name, text) in [("clean", DEPLOYMENT.to_owned()), ("findings", broken)] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("lint-source/{name}"), |b| {
            b.iter(|| meshlint::lint_source(black_box(&text), "deploy.yaml", &options, &selector));
        });
    }
    g.finish();
}

criterion_group!(benches, yaml, grammars, rules);
criterion_main!(benches);
