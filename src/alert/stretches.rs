//! The stretch suggestions in `assets/stretches.toml`, offered in turn.

use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Stretch {
    pub name: String,
    #[serde(rename = "for")]
    pub kinds: Vec<String>,
    pub text: String,
}

#[derive(Deserialize)]
struct File {
    stretch: Vec<Stretch>,
}

/// All stretches and where each rotation stands.
#[derive(Clone, Debug)]
pub struct Stretches {
    all: Vec<Stretch>,
    turn: usize,
}

impl Stretches {
    /// The stretches compiled in from assets/ (checked by a test).
    pub fn builtin() -> Self {
        let all = toml::from_str::<File>(include_str!("../../assets/stretches.toml"))
            .map(|f| f.stretch)
            .unwrap_or_default();
        Self { all, turn: 0 }
    }

    pub fn all(&self) -> &[Stretch] {
        &self.all
    }

    /// The next stretch suggested for `kind`, taking turns.
    pub fn next_for(&mut self, kind: &str) -> Option<Stretch> {
        let n = self.all.len();
        for i in 0..n {
            let s = &self.all[(self.turn + i) % n];
            if s.kinds.iter().any(|k| k == kind) {
                self.turn = (self.turn + i + 1) % n;
                return Some(s.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_stretches_parse_and_take_turns() {
        let mut s = Stretches::builtin();
        assert!(s.all().len() >= 5, "assets/stretches.toml parses");
        let a = s.next_for("forward_head").expect("one").name;
        let b = s.next_for("forward_head").expect("two").name;
        assert_ne!(a, b);
        assert!(s.next_for("break").is_some());
        assert!(s.next_for("nonsense").is_none());
        for kind in ["forward_head", "looking_down", "head_tilt", "raised_shoulders", "drifting", "break"] {
            assert!(s.next_for(kind).is_some(), "a stretch for {kind}");
        }
    }
}
