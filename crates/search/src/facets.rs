//! Filters and disjunctive facet counts. Values within a facet are alternatives, facets
//! combine with AND; a facet's counts apply every filter except its own, so choosing a
//! value never hides its siblings.

use std::collections::HashMap;

use trellis_types::{Facet, FacetValue, SEARCH_FACETS};

use crate::snapshot::{DocKey, Snapshot};
use crate::table::{DocMeta, CATEGORY, NUM_FACETS};

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
    pub(crate) fn failures(&self, key: DocKey, meta: &DocMeta) -> u8 {
        let mut mask = 0u8;
        for (f, allowed) in self.allowed[key.0 as usize].iter().enumerate() {
            if let Some(allowed) = allowed {
                if !meta.facets[f].iter().any(|&o| allowed[o as usize]) {
                    mask |= 1 << f;
                }
            }
        }
        mask
    }
}

/// Counts facet values over the matching documents.
pub(crate) struct FacetCounter {
    /// Per segment, per facet, per ordinal.
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

    /// Counts a document for every facet whose siblings' filters it passes.
    pub(crate) fn add(&mut self, key: DocKey, meta: &DocMeta, failures: u8) {
        let seg = &mut self.counts[key.0 as usize];
        for (f, (counts, ords)) in seg.iter_mut().zip(&meta.facets).enumerate() {
            if failures & !(1 << f) == 0 {
                for &o in ords {
                    counts[o as usize] += 1;
                }
            }
        }
    }

    /// The facets, most frequent values first (ties by value), selected values always in.
    pub(crate) fn finish(self, snap: &Snapshot, filters: &Filters) -> Vec<Facet> {
        (0..NUM_FACETS)
            .map(|f| {
                let mut merged: HashMap<&str, (u64, &str)> = HashMap::new();
                for (seg, counts) in self.counts.iter().enumerate() {
                    let table = &snap.tables[seg];
                    for (o, &c) in counts[f].iter().enumerate() {
                        let value = table.values[f][o].as_str();
                        let label = if f == CATEGORY {
                            table.category_labels[o].as_str()
                        } else {
                            value
                        };
                        let e = merged.entry(value).or_insert((0, label));
                        e.0 += c;
                    }
                }
                let mut values: Vec<FacetValue> = merged
                    .into_iter()
                    .filter(|(_, (c, _))| *c > 0)
                    .map(|(v, (count, label))| FacetValue {
                        value: v.to_string(),
                        label: label.to_string(),
                        count,
                        selected: filters.selected[f].iter().any(|s| s == v),
                    })
                    .collect();
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                let mut shown: Vec<FacetValue> = values.iter().take(TOP_VALUES).cloned().collect();
                for s in &filters.selected[f] {
                    if !shown.iter().any(|v| &v.value == s) {
                        let found = values.iter().find(|v| &v.value == s).cloned();
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
