//! Name equivalence: Ukrainian and Russian forms of the same given name or patronymic
//! (Олександр / Александр, Микола / Николай, Олексійович / Алексеевич).
//!
//! The table is embedded (data/names-uk-ru.tsv, built by `cargo xtask names`; source
//! and licence in data/SOURCES.md). Forms are joined by their transliteration skeleton,
//! so a Latin spelling of either form (Mykola, Nikolai, Nikolaj) finds the group too.

use crate::script::skeleton;
use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/names-uk-ru.tsv");

/// A group of equivalent name forms.
#[derive(Debug)]
pub(crate) struct Group {
    /// The shortest skeleton of the group, used to compare groups by spelling.
    pub canonical: String,
    /// First skeleton symbols of all members, to let an initial match any form.
    pub initials: Vec<u8>,
}

#[derive(Debug, Default)]
pub(crate) struct Equivalences {
    by_skeleton: HashMap<String, u32>,
    pub groups: Vec<Group>,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

impl Equivalences {
    fn build(table: &str) -> Equivalences {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut parent: Vec<u32> = Vec::new();
        let mut intern = |s: String, names: &mut Vec<String>, parent: &mut Vec<u32>| -> u32 {
            *ids.entry(s.clone()).or_insert_with(|| {
                names.push(s);
                parent.push(parent.len() as u32);
                (parent.len() - 1) as u32
            })
        };
        for line in table.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(_kind), Some(ukrainian), Some(russian)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let a = intern(skeleton(ukrainian), &mut names, &mut parent);
            let b = intern(skeleton(russian), &mut names, &mut parent);
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb) as usize] = ra.min(rb);
            }
        }
        let mut group_of_root: HashMap<u32, u32> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut by_skeleton = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let root = find(&mut parent, i as u32);
            let group = *group_of_root.entry(root).or_insert_with(|| {
                groups.push(Group {
                    canonical: name.clone(),
                    initials: Vec::new(),
                });
                (groups.len() - 1) as u32
            });
            let entry = &mut groups[group as usize];
            if (name.len(), name.as_str()) < (entry.canonical.len(), entry.canonical.as_str()) {
                entry.canonical = name.clone();
            }
            if let Some(&first) = name.as_bytes().first() {
                if !entry.initials.contains(&first) {
                    entry.initials.push(first);
                }
            }
            by_skeleton.insert(name.clone(), group);
        }
        Equivalences {
            by_skeleton,
            groups,
        }
    }

    /// The group of a name given by its skeleton.
    pub fn group_of(&self, skeleton: &str) -> Option<u32> {
        self.by_skeleton.get(skeleton).copied()
    }
}

/// The embedded table, built on first use.
pub(crate) fn equivalences() -> &'static Equivalences {
    static EQUIVALENCES: OnceLock<Equivalences> = OnceLock::new();
    EQUIVALENCES.get_or_init(|| Equivalences::build(TABLE))
}

/// True when two spellings, in any script, are forms of the same given name or
/// patronymic according to the embedded table.
pub fn equivalent(a: &str, b: &str) -> bool {
    let table = equivalences();
    let (a, b) = (skeleton(a), skeleton(b));
    a == b || matches!((table.group_of(&a), table.group_of(&b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str, b: &str, expect: bool) {
        assert_eq!(equivalent(a, b), expect, "{a} ~ {b}");
    }

    #[test]
    fn ukrainian_and_russian_forms_are_equivalent() {
        check("Олександр", "Александр", true);
        check("Микола", "Николай", true);
        check("Mykola", "Nikolai", true);
        check("Олексійович", "Алексеевич", true);
        check("Oleksiiovych", "Alekseevich", true);
        check("Дмитро", "Дмитрий", true);
        check("Андрій", "Andrey", true);
        check("Тетяна", "Tatiana", true);
    }

    #[test]
    fn different_names_are_not_equivalent() {
        check("Микола", "Михайло", false);
        check("Олександр", "Олексій", false);
        check("Андрій", "Дмитро", false);
    }
}
