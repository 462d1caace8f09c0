//! Filters and disjunctive facet counts. Values within a facet are alternatives, facets
//! combine with AND; a facet's counts apply every filter except its own, so choosing a
//! value never hides its siblings.

use trellis_types::{Facet, FacetValue, SEARCH_FACETS};

use crate::snapshot::{DocKey, Snapshot};
use crate::table::NUM_FACETS;

/// Values shown per facet (selected ones are always added).
const TOP_VALUES: usize = 20;

/// The filters of a query, resolved to each segment's value ordinals.
pub(crate) struct Filters {
    selected: [Vec<String>; NUM_FACETS],
    /// Per segment, per facet: which ordinals are selected (`None`: no filter).
    allowed: Vec<[Option<Vec<bool>>; NUM_FACETS]>,
}

impl Filters {
    pub(crate) fn new(snap: &Snapshot, selected: &[Vec<String>; NUM_FACETS]) -> Filters {
        let allowed = snap
            .tables
            .iter()
            .map(|t| {
                std::array::from_fn(|f| {
                    (!selected[f].is_empty()).then(|| {
                        t.values[f]
                            .iter()
                            .map(|v| selected[f].contains(v))
                            .collect()
                    })
                })
            })
            .collect();
        Filters {
            selected: selected.clone(),
            allowed,
        }
    }

    /// A bit per facet whose filter the document fails.
    pub(crate) fn failures(&self, snap: &Snapshot, key: DocKey) -> u8 {
        let mut mask = 0u8;
        let table = snap.table(key);
        for (f, allowed) in self.allowed[key.0 as usize].iter().enumerate() {
            if let Some(allowed) = allowed {
                if !table.facet(key.1, f).iter().any(|&o| allowed[o as usize]) {
                    mask |= 1 << f;
                }
            }
        }
        mask
    }
}

/// Counts facet values over the matching documents.
pub(crate) struct FacetCounter {
    /// Per segment, per facet, counts by the segment's value ordinals (merged into
    /// the snapshot's value numbers once, in [`FacetCounter::finish`]).
    counts: Vec<[Vec<u64>; NUM_FACETS]>,
}

impl FacetCounter {
    pub(crate) fn new(snap: &Snapshot) -> FacetCounter {
        FacetCounter {
            counts: snap
                .tables
                .iter()
                .map(|t| std::array::from_fn(|f| vec![0; t.values[f].len()]))
                .collect(),
        }
    }

    /// Counts a matching document in every facet whose filter it passes, ignoring
    /// that facet's own filter (`failures` has a bit per failed facet filter).
    pub(crate) fn add(&mut self, snap: &Snapshot, key: DocKey, failures: u8) {
        let counts = &mut self.counts[key.0 as usize];
        let table = snap.table(key);
        for (f, counts) in counts.iter_mut().enumerate() {
            if failures & !(1 << f) == 0 {
                for &o in table.facet(key.1, f) {
                    counts[o as usize] += 1;
                }
            }
        }
    }

    pub(crate) fn finish(self, snap: &Snapshot, filters: &Filters) -> Vec<Facet> {
        let mut merged: [Vec<u64>; NUM_FACETS] =
            std::array::from_fn(|f| vec![0; snap.facet_values.values[f].len()]);
        for (segment, counts) in self.counts.iter().enumerate() {
            let global = &snap.facet_values.global[segment];
            for (f, counts) in counts.iter().enumerate() {
                for (o, &c) in counts.iter().enumerate() {
                    if c > 0 {
                        merged[f][global[f][o] as usize] += c;
                    }
                }
            }
        }
        (0..NUM_FACETS)
            .map(|f| {
                let all = &snap.facet_values.values[f];
                let mut values: Vec<(&str, u64, &str)> = merged[f]
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(g, &count)| (all[g].0.as_str(), count, all[g].1.as_str()))
                    .collect();
                let order = |a: &(&str, u64, &str), b: &(&str, u64, &str)| {
                    b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0))
                };
                let top = values.len().min(TOP_VALUES);
                if values.len() > TOP_VALUES {
                    values.select_nth_unstable_by(TOP_VALUES - 1, order);
                }
                values[..top].sort_by(order);
                let out = |(v, count, label): (&str, u64, &str)| FacetValue {
                    value: v.to_string(),
                    label: label.to_string(),
                    count,
                    selected: filters.selected[f].iter().any(|s| s == v),
                };
                let mut shown: Vec<FacetValue> = values[..top].iter().map(|&t| out(t)).collect();
                for s in &filters.selected[f] {
                    if !shown.iter().any(|v| &v.value == s) {
                        let found = values.iter().find(|v| v.0 == s.as_str()).map(|&t| out(t));
                        shown.push(found.unwrap_or_else(|| FacetValue {
                            value: s.clone(),
                            label: s.clone(),
                            count: 0,
                            selected: true,
                        }));
                    }
                }
                Facet {
                    name: SEARCH_FACETS[f].to_string(),
                    values: shown,
                }
            })
            .collect()
    }
}
