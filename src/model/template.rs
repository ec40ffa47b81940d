//! WhatsApp message templates: a body with `{{1}}`…`{{n}}` parameters, filled in when sent.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{TemplateCategory, TemplateStatus};

/// WhatsApp's limits on a template.
pub const MAX_TEMPLATE_BODY_CHARS: usize = 1024;
pub const MAX_TEMPLATE_BUTTONS: usize = 3;
pub const MAX_TEMPLATE_BUTTON_CHARS: usize = 25;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub id: Uuid,
    pub inbox_id: Uuid,
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub body: String,
    /// Quick-reply button texts.
    #[serde(default)]
    pub buttons: Vec<String>,
    pub status: TemplateStatus,
    pub created_at: DateTime<Utc>,
}

impl Template {
    /// How many parameters the body takes.
    pub fn parameter_count(&self) -> usize {
        parameter_count(&self.body).unwrap_or(0)
    }

    /// The body with its parameters filled in.
    pub fn render(&self, parameters: &[String]) -> String {
        render(&self.body, parameters)
    }
}

/// The `{{n}}` placeholders of a body: how many, when they are 1…n (each may repeat);
/// otherwise why not.
pub fn parameter_count(body: &str) -> Result<usize, String> {
    let mut seen = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or("a \"{{\" without its \"}}\"")?;
        let inner = after[..close].trim();
        let n: usize = inner
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("\"{{{{{inner}}}}}\" is not a parameter like {{{{1}}}}"))?;
        if !seen.contains(&n) {
            seen.push(n);
        }
        rest = &after[close + 2..];
    }
    seen.sort_unstable();
    if seen.iter().enumerate().any(|(i, n)| *n != i + 1) {
        return Err(format!(
            "parameters must be numbered from {{{{1}}}} without gaps, found {seen:?}"
        ));
    }
    Ok(seen.len())
}

/// Replaces each `{{n}}` by `parameters[n - 1]` (left as written when missing).
pub fn render(body: &str, parameters: &[String]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let value = after[..close]
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|n| parameters.get(n.checked_sub(1)?));
        match value {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_counted_and_filled() {
        assert_eq!(
            parameter_count("Hi {{1}}, your order {{2}} ships {{ 1 }}"),
            Ok(2)
        );
        assert_eq!(parameter_count("No parameters"), Ok(0));
        assert!(parameter_count("{{2}} only").is_err());
        assert!(parameter_count("{{1}} {{3}}").is_err());
        assert!(parameter_count("{{name}}").is_err());
        assert!(parameter_count("{{1}").is_err());
        let p = ["Ana".to_string(), "#42".to_string()];
        assert_eq!(
            render("Hi {{1}}, order {{2}}: {{1}}!", &p),
            "Hi Ana, order #42: Ana!"
        );
        assert_eq!(render("{{3}} stays", &p), "{{3}} stays");
        assert_eq!(render("{{1}} <b>", &["<i>".to_string()]), "<i> <b>");
    }
}
