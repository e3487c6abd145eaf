//! A strict, minimal XML 1.0 parser for the `JUnit` test: elements, attributes, text, the five
//! predefined entities and character references, an optional `<?xml ...?>` declaration. It
//! rejects anything not well-formed (unbalanced tags, unquoted or duplicate attributes, `<` or a
//! bad `&` in text or attributes, characters XML 1.0 forbids).

#[derive(Debug)]
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

pub(super) fn parse(input: &str) -> Result<Element, String> {
    if let Some(c) = input.chars().find(|&c| !is_xml_char(c)) {
        return Err(format!("character {c:?} is not allowed in XML 1.0"));
    }
    let mut p = Parser { s: input, i: 0 };
    if p.rest().starts_with("<?xml") {
        let end = p.rest().find("?>").ok_or("unterminated XML declaration")?;
        p.i += end + 2;
    }
    p.skip_ws();
    let root = p.element()?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(format!("content after the root element at byte {}", p.i));
    }
    Ok(root)
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start_matches([' ', '\t', '\n', '\r']);
        self.i = self.s.len() - trimmed.len();
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.rest().starts_with(token) {
            self.i += token.len();
            Ok(())
        } else {
            Err(format!("expected {token:?} at byte {}", self.i))
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || "_-.:".contains(c)))
            .unwrap_or(self.rest().len());
        if len == 0
            || !self
                .rest()
                .starts_with(|c: char| c.is_alphabetic() || c == '_')
        {
            return Err(format!("expected a name at byte {}", self.i));
        }
        let name = self.rest()[..len].to_owned();
        self.i += len;
        Ok(name)
    }

    fn element(&mut self) -> Result<Element, String> {
        self.expect("<")?;
        let name = self.name()?;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let before = self.i;
            self.skip_ws();
            if self.rest().starts_with("/>") {
                self.i += 2;
                return Ok(Element {
                    name,
                    attrs,
                    elements: Vec::new(),
                    text: String::new(),
                });
            }
            if self.rest().starts_with('>') {
                self.i += 1;
                break;
            }
            if self.i == before {
                return Err(format!(
                    "expected whitespace before an attribute at byte {}",
                    self.i
                ));
            }
            let attr = self.name()?;
            self.skip_ws();
            self.expect("=")?;
            self.skip_ws();
            let quote = self.rest().chars().next().ok_or("unexpected end")?;
            if quote != '"' && quote != '\'' {
                return Err(format!("unquoted attribute value at byte {}", self.i));
            }
            self.i += 1;
            let end = self
                .rest()
                .find(quote)
                .ok_or("unterminated attribute value")?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err(format!("`<` in attribute `{attr}`"));
            }
            let value = decode(raw)?;
            self.i += end + 1;
            if attrs.iter().any(|(n, _)| *n == attr) {
                return Err(format!("duplicate attribute `{attr}`"));
            }
            attrs.push((attr, value));
        }
        let mut elements = Vec::new();
        let mut text = String::new();
        loop {
            let next = self.rest().find('<').ok_or(format!("unclosed <{name}>"))?;
            text.push_str(&decode(&self.rest()[..next])?);
            self.i += next;
            if self.rest().starts_with("</") {
                self.i += 2;
                let close = self.name()?;
                if close != name {
                    return Err(format!("</{close}> closes <{name}>"));
                }
                self.skip_ws();
                self.expect(">")?;
                return Ok(Element {
                    name,
                    attrs,
                    elements,
                    text,
                });
            }
            elements.push(self.element()?);
        }
    }
}

/// Resolves entity and character references; rejects a bare `&` or `>` after `]]`.
fn decode(raw: &str) -> Result<String, String> {
    if raw.contains("]]>") {
        return Err("`]]>` in content".to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..]
            .find(';')
            .ok_or(format!("bare `&` in {raw:?}"))?;
        let entity = &rest[amp + 1..amp + semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16)
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse()
                } else {
                    return Err(format!("unknown entity &{entity};"));
                }
                .map_err(|_| format!("bad character reference &{entity};"))?;
                char::from_u32(code)
                    .filter(|&c| is_xml_char(c))
                    .ok_or(format!("character reference &{entity}; is not an XML char"))?
            }
        };
        out.push(c);
        rest = &rest[amp + semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
