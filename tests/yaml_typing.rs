//! Every row of `testdata/yaml-typing.tsv`: Kubernetes' YAML 1.1 typing of a value.

use meshlint::yaml::parse;
use meshlint::yaml::resolve::{decode_error, resolve, ScalarType};

#[test]
fn every_row_of_the_typing_table() {
    let table = include_str!("../testdata/yaml-typing.tsv");
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let (src, want) = line.rsplit_once('\t').expect("two columns");
        let text = format!("value: {src}\nalias: &a {src}\nref: *a\n");
        let docs = parse(&text);
        let doc = docs[0].as_ref().expect("parses");
        let root = doc.root().unwrap();
        let got = |key: &str| match resolve(root.get(key).unwrap()) {
            _ if decode_error(root.get(key).unwrap()).is_some() => "error",
            ScalarType::Null => "null",
            ScalarType::Bool => "bool",
            ScalarType::Int => "int",
            ScalarType::Float => "float",
            ScalarType::Str => "str",
            ScalarType::Mapping => "map",
            ScalarType::Sequence => "seq",
        };
        for key in ["value", "ref"] {
            if got(key) != want {
                failures.push(format!("{src:?} ({key}): want {want}, got {}", got(key)));
            }
        }
        rows += 1;
    }
    assert!(rows > 70);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
