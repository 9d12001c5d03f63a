//! Asking a person about a manual test: the instructions, then pass, fail or skip, then a
//! comment. Reads answers line by line from any input (a terminal, or a pipe in scripts and
//! tests); end of input means the person is gone, and the run stops resumably.

use std::io::{BufRead, Write};

use mxcert_core::plan::Lang;
use mxcert_suites::checks::manual::{Answer, Question};

fn parse_answer(s: &str) -> Option<Answer> {
    match s.trim().to_lowercase().as_str() {
        "p" | "pass" | "pasa" | "sí" | "si" | "y" | "yes" => Some(Answer::Pass),
        "f" | "fail" | "falla" | "n" | "no" => Some(Answer::Fail),
        "s" | "skip" | "o" | "omitir" => Some(Answer::Skip),
        _ => None,
    }
}

fn read_line(input: &mut dyn BufRead) -> Option<String> {
    let mut line = String::new();
    match input.read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_owned()),
    }
}

/// Shows `q` on `out` and reads the answer from `input`. `None` at end of input.
pub fn ask(
    q: &Question<'_>,
    problem: Option<&str>,
    lang: Lang,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Option<(Answer, String)> {
    let es = lang == Lang::Es;
    let _ = writeln!(
        out,
        "\n── {} {}{} ──\n{}\n\n{}\n",
        if es { "Prueba manual" } else { "Manual test" },
        q.test_id,
        if q.blocker {
            if es {
                " (obligatoria)"
            } else {
                " (blocker)"
            }
        } else {
            ""
        },
        q.title.get(lang),
        q.instructions.get(lang)
    );
    if let Some(p) = problem {
        let _ = writeln!(out, "! {p}");
    }
    let answer = loop {
        let _ = write!(
            out,
            "{} ",
            if es {
                "¿Resultado? [p]asa, [f]alla, [o]mitir:"
            } else {
                "Result? [p]ass, [f]ail, [s]kip:"
            }
        );
        let _ = out.flush();
        let line = read_line(input)?;
        match parse_answer(&line) {
            Some(a) => break a,
            None => {
                let _ = writeln!(
                    out,
                    "{}",
                    if es {
                        "Responda p, f u o."
                    } else {
                        "Answer p, f or s."
                    }
                );
            }
        }
    };
    let _ = write!(
        out,
        "{} ",
        match (answer, es) {
            (Answer::Fail, true) => "Comentario (qué falló):",
            (Answer::Fail, false) => "Comment (what went wrong):",
            (_, true) => "Comentario (opcional):",
            (_, false) => "Comment (optional):",
        }
    );
    let _ = out.flush();
    let comment = read_line(input)?;
    Some((answer, comment))
}

/// The display language: `MXCERT_LANG`, then `LC_ALL`, `LC_MESSAGES`, `LANG`; Spanish when it
/// starts with `es`, English otherwise.
pub fn lang_from_env() -> Lang {
    for var in ["MXCERT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return if v.to_string_lossy().starts_with("es") {
                Lang::Es
            } else {
                Lang::En
            };
        }
    }
    Lang::En
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxcert_core::plan::Text;

    #[test]
    fn asks_until_it_gets_an_answer_then_reads_the_comment() {
        let title = Text {
            es: "Pantalla".into(),
            en: "Screen".into(),
        };
        let instructions = Text {
            es: "Mire la pantalla.".into(),
            en: "Look at the screen.".into(),
        };
        let q = Question {
            test_id: "screen",
            title: &title,
            instructions: &instructions,
            blocker: true,
        };
        let mut input: &[u8] = b"maybe\nf\nflickers at 60 Hz\n";
        let mut out = Vec::new();
        let got = ask(&q, None, Lang::En, &mut input, &mut out);
        assert_eq!(got, Some((Answer::Fail, "flickers at 60 Hz".to_owned())));
        let shown = String::from_utf8(out).unwrap();
        assert!(shown.contains("Look at the screen."));
        assert!(shown.contains("Answer p, f or s."));

        let mut input: &[u8] = b"pasa\n";
        let mut out = Vec::new();
        assert_eq!(
            ask(&q, None, Lang::Es, &mut input, &mut out),
            None,
            "no comment line: input ended"
        );
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("Mire la pantalla."));
    }
}
