//! From plan files to a resolved [`Plan`]: validation of every test and expansion of includes.
//!
//! Files come from a caller-supplied [`Loader`] (the CLI reads shipped plans and paths; the
//! registry only shipped plans), so nothing here touches the file system. Every problem found is
//! collected, each naming its file and line; a plan with any problem does not resolve.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::error::{line_of, PlanError, PlanErrorKind, PlanErrors};
use super::file::{params_to_json, PlanFile, TestEntry};
use super::{Check, CheckKind, Declaration, Plan, Target, Test, Text, PLAN_SCHEMA_VERSION};

/// A plan file's name (used in messages and to detect include cycles) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Finds included plans.
pub trait Loader {
    /// The plan that the `include` entry `reference` names, as written in the file named `from`.
    /// The error is a lowercase fragment saying why it could not be found or read.
    fn load(&mut self, reference: &str, from: &str) -> Result<Source, String>;
}

/// Parses, checks and resolves the plan in `root`, loading its includes through `loader`.
pub fn resolve(root: Source, loader: &mut dyn Loader) -> Result<Plan, PlanErrors> {
    let mut r = Resolver {
        loader,
        errors: Vec::new(),
        stack: Vec::new(),
        done: HashSet::new(),
        tests: Vec::new(),
        defined_at: HashMap::new(),
        root_target: Target::System,
        declarations: Vec::new(),
        references: Vec::new(),
    };
    let root_name = root.name.clone();
    let head = r.visit(root, true);
    let Some(head) = head else {
        return Err(PlanErrors(r.errors));
    };
    if r.tests.is_empty() && r.errors.is_empty() {
        r.errors.push(PlanError {
            file: root_name,
            line: None,
            kind: PlanErrorKind::Invalid("the plan has no tests".into()),
        });
    }
    r.check_references();
    if !r.errors.is_empty() {
        return Err(PlanErrors(r.errors));
    }
    Ok(Plan {
        schema_version: PLAN_SCHEMA_VERSION,
        id: head.id.into_inner(),
        version: head.version,
        title: head.title,
        description: head.description,
        target: head.target,
        declarations: r.declarations.into_iter().map(|(d, _)| d).collect(),
        tests: r.tests,
    })
}

/// Resolves the shipped plan `id`.
pub fn resolve_shipped(id: &str) -> Result<Plan, PlanErrors> {
    let mut loader = super::ShippedLoader;
    let source = loader.load(id, "").map_err(|message| PlanError {
        file: id.to_owned(),
        line: None,
        kind: PlanErrorKind::MissingInclude {
            reference: id.to_owned(),
            message,
        },
    })?;
    resolve(source, &mut loader)
}

struct Resolver<'a> {
    loader: &'a mut dyn Loader,
    errors: Vec<PlanError>,
    /// Names of the files on the current include path, outermost first.
    stack: Vec<String>,
    /// Files already expanded (a plan included twice contributes its tests once).
    done: HashSet<String>,
    tests: Vec<Test>,
    /// Where each test id was first defined, as `file:line`.
    defined_at: HashMap<String, String>,
    root_target: Target,
    /// Declarations so far, with where each was defined (`file:line`).
    declarations: Vec<(Declaration, String)>,
    /// `{ declared = "id" }` conditions seen: (file, line, test, declaration id), checked once
    /// every file's declarations are known.
    references: Vec<(String, usize, String, String)>,
}

fn valid_name(s: &str, extra: &[char]) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || extra.contains(&c))
}

fn valid_version(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
}

fn empty_text_field(name: &str, t: &Text) -> Option<String> {
    if t.es.trim().is_empty() {
        Some(format!("{name}.es must not be empty"))
    } else if t.en.trim().is_empty() {
        Some(format!("{name}.en must not be empty"))
    } else {
        None
    }
}

impl Resolver<'_> {
    fn error(&mut self, file: &str, text: &str, offset: Option<usize>, kind: PlanErrorKind) {
        self.errors.push(PlanError {
            file: file.to_owned(),
            line: offset.map(|o| line_of(text, o)),
            kind,
        });
    }

    /// Parses and checks one file, expanding its includes first. Returns the parsed file so the
    /// root's header can be used.
    fn visit(&mut self, source: Source, is_root: bool) -> Option<PlanFile> {
        let name = source.name;
        let plan = match PlanFile::parse(&name, &source.bytes) {
            Ok(p) => p,
            Err(e) => {
                self.errors.push(e);
                return None;
            }
        };
        // Parsing succeeded, so the bytes are UTF-8.
        let text = String::from_utf8_lossy(&source.bytes).into_owned();
        if is_root {
            self.root_target = plan.target;
        }
        self.check_header(&name, &text, &plan);

        self.stack.push(name.clone());
        for inc in &plan.include {
            let at = Some(inc.span().start);
            let reference = inc.get_ref();
            match self.loader.load(reference, &name) {
                Err(message) => self.error(
                    &name,
                    &text,
                    at,
                    PlanErrorKind::MissingInclude {
                        reference: reference.clone(),
                        message,
                    },
                ),
                Ok(included) if self.stack.contains(&included.name) => {
                    let mut path: Vec<&str> = self
                        .stack
                        .iter()
                        .skip_while(|n| **n != included.name)
                        .map(String::as_str)
                        .collect();
                    path.push(&included.name);
                    self.error(
                        &name,
                        &text,
                        at,
                        PlanErrorKind::IncludeCycle(path.join(" -> ")),
                    );
                }
                Ok(included) if self.done.contains(&included.name) => {}
                Ok(included) => {
                    self.visit(included, false);
                }
            }
        }
        self.stack.pop();

        for d in &plan.declarations {
            self.check_declaration(&name, &text, d);
        }
        for entry in &plan.tests {
            self.check_test(&name, &text, plan.id.get_ref(), entry);
        }
        self.done.insert(name);
        Some(plan)
    }

    fn check_declaration(&mut self, name: &str, text: &str, d: &toml::Spanned<Declaration>) {
        let at = Some(d.span().start);
        let line = line_of(text, d.span().start);
        let decl = d.get_ref();
        if !valid_name(&decl.id, &['_']) || decl.id.contains('-') {
            self.error(
                name,
                text,
                at,
                PlanErrorKind::BadName {
                    what: "declaration id",
                    value: decl.id.clone(),
                    rule: "use lowercase letters, digits and '_'",
                },
            );
            return;
        }
        if let Some(m) = empty_text_field("question", &decl.question) {
            self.error(
                name,
                text,
                at,
                PlanErrorKind::Invalid(format!("declaration {}: {m}", decl.id)),
            );
            return;
        }
        match self.declarations.iter().find(|(x, _)| x.id == decl.id) {
            // The same declaration in two included plans is one question.
            Some((x, _)) if x == decl => {}
            Some((_, first)) => {
                let first = first.clone();
                self.error(
                    name,
                    text,
                    at,
                    PlanErrorKind::Invalid(format!(
                        "declaration {} is already defined differently in {first}",
                        decl.id
                    )),
                );
            }
            None => self
                .declarations
                .push((decl.clone(), format!("{name}:{line}"))),
        }
    }

    /// Every `{ declared = "id" }` names a declaration of the resolved plan.
    fn check_references(&mut self) {
        let known: Vec<&str> = self
            .declarations
            .iter()
            .map(|(d, _)| d.id.as_str())
            .collect();
        let mut found = Vec::new();
        for (file, line, test, id) in &self.references {
            if !known.contains(&id.as_str()) {
                found.push(PlanError {
                    file: file.clone(),
                    line: Some(*line),
                    kind: PlanErrorKind::BadTest {
                        test: test.clone(),
                        message: format!(
                            "requires the declaration {id:?}, which no [[declare]] of the plan defines (declared: {})",
                            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                        ),
                    },
                });
            }
        }
        self.errors.extend(found);
    }

    fn check_header(&mut self, name: &str, text: &str, plan: &PlanFile) {
        if !valid_name(plan.id.get_ref(), &[]) {
            self.error(
                name,
                text,
                Some(plan.id.span().start),
                PlanErrorKind::BadName {
                    what: "plan id",
                    value: plan.id.get_ref().clone(),
                    rule: "use lowercase letters, digits and '-'",
                },
            );
        }
        if !valid_version(&plan.version) {
            self.error(
                name,
                text,
                None,
                PlanErrorKind::BadName {
                    what: "plan version",
                    value: plan.version.clone(),
                    rule: "use letters, digits, '.', '-' and '+', e.g. 1.0.0",
                },
            );
        }
        for (field, t) in [("title", &plan.title), ("description", &plan.description)] {
            if let Some(m) = empty_text_field(field, t) {
                self.error(name, text, None, PlanErrorKind::Invalid(m));
            }
        }
    }

    fn check_test(
        &mut self,
        name: &str,
        text: &str,
        plan_id: &str,
        entry: &toml::Spanned<TestEntry>,
    ) {
        let e = entry.get_ref();
        let id = e.id.get_ref().clone();
        let id_at = Some(e.id.span().start);
        let before = self.errors.len();
        let bad = |message: String| PlanErrorKind::BadTest {
            test: id.clone(),
            message,
        };

        if !valid_name(&id, &['_', '.']) {
            self.error(
                name,
                text,
                id_at,
                PlanErrorKind::BadName {
                    what: "test id",
                    value: id.clone(),
                    rule: "use lowercase letters, digits, '-', '_' and '.'",
                },
            );
        }
        match self.defined_at.get(&id) {
            Some(first) => {
                let first = first.clone();
                self.error(
                    name,
                    text,
                    id_at,
                    PlanErrorKind::DuplicateTest {
                        test: id.clone(),
                        first,
                    },
                );
            }
            None => {
                let line = line_of(text, e.id.span().start);
                self.defined_at.insert(id.clone(), format!("{name}:{line}"));
            }
        }

        let kind = CheckKind::parse(e.check.get_ref());
        let Some(kind) = kind else {
            let known: Vec<&str> = CheckKind::ALL.iter().map(|k| k.as_str()).collect();
            self.error(
                name,
                text,
                Some(e.check.span().start),
                PlanErrorKind::UnknownCheck {
                    test: id.clone(),
                    kind: e.check.get_ref().clone(),
                    known: known.join(", "),
                },
            );
            return;
        };

        let params_at = e.params.as_ref().map(|p| p.span().start).or(id_at);
        let params = match &e.params {
            None => Ok(BTreeMap::new()),
            Some(p) => params_to_json(p.get_ref()),
        };
        let params = match params.and_then(|p| Check::from_params(kind, &p).map(|_| p)) {
            Ok(p) => p,
            Err(message) => {
                self.error(
                    name,
                    text,
                    params_at,
                    PlanErrorKind::BadParams {
                        test: id.clone(),
                        check: kind.as_str().to_owned(),
                        message,
                    },
                );
                BTreeMap::new()
            }
        };

        let mut problems = Vec::new();
        for (field, t) in [
            ("title", Some(&e.title)),
            ("description", e.description.as_ref()),
            ("instructions", e.instructions.as_ref()),
        ] {
            if let Some(m) = t.and_then(|t| empty_text_field(field, t)) {
                problems.push(m);
            }
        }
        if kind == CheckKind::Manual && e.instructions.is_none() {
            problems.push("manual tests need instructions = { es = \"…\", en = \"…\" }".into());
        }
        if let Some(t) = e.timeout {
            if !(1..=86_400).contains(&t) {
                problems.push(format!(
                    "timeout must be between 1 and 86400 seconds, not {t}"
                ));
            }
        }
        if e.requires.iter().any(|c| c.is_empty()) {
            problems.push("a requires condition must name at least one field".into());
        }
        if e.requires
            .iter()
            .any(|c| c.declared.is_some() && c.is_about_devices())
        {
            problems.push(
                "a declared condition stands alone: write requires = [{ declared = \"…\" }, { category = \"…\" }]".into(),
            );
        }
        let entry_line = line_of(text, entry.span().start);
        for c in &e.requires {
            if let Some(d) = &c.declared {
                self.references
                    .push((name.to_owned(), entry_line, id.clone(), d.clone()));
            }
        }
        match &e.for_each {
            Some(c) if !c.is_about_devices() => problems.push(
                "for_each must name a device field (category, bus, id, driver or details)".into(),
            ),
            Some(c) if c.declared.is_some() => {
                problems.push("for_each is about devices; put declared = \"…\" in requires".into())
            }
            _ => {}
        }
        if e.after_suspend && matches!(kind, CheckKind::PowerSuspend | CheckKind::PowerReboot) {
            problems.push(format!("after_suspend cannot be set on a {kind} test"));
        }
        if kind == CheckKind::PowerReboot && e.for_each.is_some() {
            problems.push("for_each cannot be set on a power.reboot test".into());
        }
        if kind == CheckKind::DevicePresent
            && self.root_target != Target::Device
            && e.for_each.is_none()
        {
            problems.push(
                "device.present is only for plans with target = \"device\" or tests with for_each"
                    .into(),
            );
        }
        for m in problems {
            self.error(name, text, Some(entry.span().start), bad(m));
        }

        if self.errors.len() == before {
            self.tests.push(Test {
                id,
                plan: plan_id.to_owned(),
                check: kind,
                title: e.title.clone(),
                description: e.description.clone(),
                blocker: e.blocker,
                timeout: e.timeout,
                requires: e.requires.clone(),
                for_each: e.for_each.clone(),
                after_suspend: e.after_suspend,
                instructions: e.instructions.clone(),
                params,
            });
        }
    }
}
