//! A prompter for unit tests of command logic (built only for tests).

use super::*;

/// A prompter for unit tests of command logic: it answers from a script, in order, and panics
/// on a question the script does not expect (as gh's `PrompterMock` does). An answer left
/// unasked when it is dropped is a failure too.
#[derive(Debug, Default)]
pub struct ScriptedPrompter {
    answers: std::collections::VecDeque<Answer>,
}

/// One scripted answer: to which kind of question (and, for `confirm` and `select`, to which
/// prompt text), and what it is.
#[derive(Debug)]
pub enum Answer {
    /// `confirm(question, …)`: `Ok(answer)`; `None` is end of input (the flag's error).
    Confirm(&'static str, Option<bool>),
    Secret(String),
    /// `select(prompt, …)`: the index chosen; `None` is no terminal (the `no_terminal` error).
    Select(&'static str, Option<usize>),
}

impl ScriptedPrompter {
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        ScriptedPrompter {
            answers: answers.into_iter().collect(),
        }
    }

    fn next(&mut self, asked: &str) -> Answer {
        self.answers
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected question: {asked}"))
    }
}

impl Drop for ScriptedPrompter {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(
                self.answers.is_empty(),
                "questions never asked: {:?}",
                self.answers
            );
        }
    }
}

impl Prompter for ScriptedPrompter {
    fn confirm(&mut self, question: &str, flag: &'static str) -> Result<bool> {
        match self.next(question) {
            Answer::Confirm(expected, answer) if expected == question => {
                answer.ok_or_else(|| no_answer(question, flag))
            }
            other => panic!("asked to confirm {question:?}, but the script has {other:?}"),
        }
    }

    fn open_url(&self, _url: &str) {}

    fn secret(&mut self, prompt: &str) -> Result<String> {
        match self.next(prompt) {
            Answer::Secret(text) => Ok(text),
            other => panic!("asked for the secret {prompt:?}, but the script has {other:?}"),
        }
    }

    fn select(&mut self, prompt: &str, items: &[String], no_terminal: Error) -> Result<usize> {
        match self.next(prompt) {
            Answer::Select(expected, answer) if expected == prompt => match answer {
                Some(index) => {
                    assert!(index < items.len(), "{index} is not one of {items:?}");
                    Ok(index)
                }
                None => Err(no_terminal),
            },
            other => {
                panic!("asked to select {prompt:?} of {items:?}, but the script has {other:?}")
            }
        }
    }
}
