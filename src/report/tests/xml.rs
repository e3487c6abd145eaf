//! The `JUnit` test's XML reader: quick-xml's events built into a small element tree. quick-xml
//! checks tag balance, attribute syntax (quoted, not duplicated) and entity and character
//! references; this adds what it leaves to the caller: characters XML 1.0 forbids, `<` inside
//! text, and exactly one root element.

use quick_xml::events::Event;
use quick_xml::Reader;

#[derive(Debug, Default)]
pub(super) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub elements: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn children(&self, name: &str) -> Vec<&Element> {
        self.elements.iter().filter(|e| e.name == name).collect()
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn open(e: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let name = String::from_utf8(e.name().as_ref().to_vec()).map_err(|e| e.to_string())?;
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| format!("<{name}>: {e}"))?;
        let key = String::from_utf8(a.key.as_ref().to_vec()).map_err(|e| e.to_string())?;
        if a.value.contains(&b'<') {
            return Err(format!("`<` in attribute `{key}`"));
        }
        let value = a.unescape_value().map_err(|e| format!("`{key}`: {e}"))?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        ..Element::default()
    })
}

/// The root element of `input`, or why it is not well-formed XML.
pub(super) fn parse(input: &str) -> Result<Element, String> {
    if let Some(c) = input.chars().find(|&c| !is_xml_char(c)) {
        return Err(format!("character {c:?} is not allowed in XML 1.0"));
    }
    let mut reader = Reader::from_str(input);
    reader.config_mut().check_end_names = true;
    let mut open_elements: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut first = true;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        let at = reader.buffer_position();
        let was_first = std::mem::replace(&mut first, false);
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(format!("content after the root element at byte {at}"));
            }
            Event::Start(e) => open_elements.push(open(&e)?),
            Event::Empty(e) => {
                let element = open(&e)?;
                match open_elements.last_mut() {
                    Some(parent) => parent.elements.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let element = open_elements.pop().ok_or("unbalanced end tag")?;
                match open_elements.last_mut() {
                    Some(parent) => parent.elements.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| format!("at byte {at}: {e}"))?;
                match open_elements.last_mut() {
                    Some(parent) => parent.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(format!("text outside the root element at byte {at}")),
                }
            }
            Event::CData(t) => {
                let text =
                    String::from_utf8(t.into_inner().into_owned()).map_err(|e| e.to_string())?;
                match open_elements.last_mut() {
                    Some(parent) => parent.text.push_str(&text),
                    None => return Err(format!("CDATA outside the root element at byte {at}")),
                }
            }
            Event::Decl(_) if was_first => {}
            Event::Decl(_) | Event::DocType(_) | Event::PI(_) => {
                return Err(format!("unexpected declaration at byte {at}"));
            }
            Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !open_elements.is_empty() {
        return Err("unclosed element at the end".to_owned());
    }
    root.ok_or_else(|| "no root element".to_owned())
}

#[test]
fn rejects_what_is_not_well_formed() {
    for bad in [
        "<a>",
        "<a></b>",
        "<a x=1/>",
        "<a x='1' x='2'/>",
        "<a>&bogus;</a>",
        "<a>x & y</a>",
        "<a/><b/>",
        "<a>\u{1}</a>",
        "<a x=\"<\"/>",
        "<a/><?xml version=\"1.0\"?>",
        "text",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} parsed");
    }
    let ok = parse("<?xml version=\"1.0\"?>\n<a x=\"1&amp;&#10;\"><b/>t&lt;</a>\n").unwrap();
    assert_eq!(ok.attr("x"), Some("1&\n"));
    assert_eq!(ok.children("b").len(), 1);
    assert_eq!(ok.text, "t<");
}
