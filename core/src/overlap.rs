//! Overlap detection between half-open intervals (CORE-2, AV-4).
//!
//! This module owns the question "which stored intervals collide with `[s, e)`?" and nothing
//! else: it knows no reservation, resource or status, only [`Interval`]s and an opaque payload.
//! Two intervals overlap when they share at least one instant, so intervals that merely touch
//! (`a.end == b.start`) do **not** overlap, exactly as [`Interval::overlaps`] says.
//!
//! - [`OverlapIndex`] is a static index built once in O(n log n) that answers a range query in
//!   O(log n + k) (k = number of results) and an existence query in O(log n).
//! - [`find_overlapping_pair`] checks a batch (for example the availability windows of one
//!   business created at once, AV-4) for any colliding pair in O(n log n).
//! - [`overlaps_naive`] is the O(n) reference the index is property-tested against.

use crate::time::Interval;

/// Sentinel child index meaning "no child".
const NONE: u32 = u32::MAX;

/// One entry of a node list: the sort key (start or end, in seconds) and the position of the
/// item in the sorted arrays of [`OverlapIndex`]. The key is stored inline so a scan never leaves the list.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: i64,
    idx: u32,
}

/// One node of the centered interval tree, stored in a flat array.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// The node's center point in seconds.
    center: i64,
    /// Smallest start and greatest end of this node's intervals, kept inline so a node that
    /// reports nothing costs no read of its lists.
    min_start: i64,
    max_end: i64,
    /// Range `lo..hi` of this node's intervals in both `by_start` and `by_end`.
    lo: u32,
    hi: u32,
    /// Child holding the intervals entirely before `center` (`end <= center`), or [`NONE`].
    left: u32,
    /// Child holding the intervals entirely after `center` (`start > center`), or [`NONE`].
    right: u32,
}

/// A static index over intervals with payloads, answering overlap queries quickly.
///
/// Built once from any number of `(Interval, T)` pairs in any order; duplicates and nested or
/// identical intervals are allowed. Queries never allocate.
///
/// # Structure and complexity
///
/// The items are kept sorted by start (then end). A query `[s, e)` overlaps exactly the items
/// with `start < e` and `end > s`, which split into two disjoint groups:
///
/// 1. items with `start <= s < end` — a *stabbing query* at the point `s`, answered by a
///    centered interval tree;
/// 2. items with `s < start < e` — these overlap automatically (their end is after their start,
///    hence after `s`) and form one contiguous run of the start-sorted array, found by two
///    binary searches.
///
/// The tree lives in flat arrays. Each node has a center `c` (the start of the median item of
/// its subset) and keeps the items containing `c` (`start <= c < end`) twice: sorted by start
/// ascending and by end descending. Items entirely before `c` (`end <= c`) go to the left
/// child, items entirely after (`start > c`) to the right child. Since `c` is the median start,
/// each child receives at most half of its parent's items, so the depth is at most
/// `⌊log₂ n⌋ + 1` (17 for 100,000 items) and both building and querying are iterative.
///
/// A stabbing query at `q` walks one root-to-leaf path. At a node with `q < c`, every item of
/// the node ends after `q`, so it matches iff `start <= q`: scan the start-ascending list and
/// stop at the first miss, then go left (right items start after `c > q`). With `q >= c`, every
/// item of the node starts at or before `q`, so it matches iff `end > q`: scan the
/// end-descending list and stop at the first miss, then go right (left items end at or before
/// `c <= q`), or stop when `q == c`. Each visited node costs O(1) plus what it reports, which
/// gives O(log n + k₁); the run of group 2 costs O(log n + k₂). Building sorts once, then each
/// tree level partitions its items in O(n) and sorts each node list by end: O(n log n).
///
/// [`any_overlap`](Self::any_overlap) and [`first_overlap`](Self::first_overlap) do not touch
/// the tree: they binary-search a prefix maximum of the ends over the start-sorted items,
/// O(log n) regardless of how many items overlap.
///
/// # Example
///
/// ```
/// use rdv_core::{Interval, OverlapIndex, Timestamp};
///
/// let at = |a: i64, b: i64| Interval::new(Timestamp::from_secs(a), Timestamp::from_secs(b)).unwrap();
/// let index = OverlapIndex::new(vec![(at(0, 10), "a"), (at(10, 20), "b"), (at(5, 30), "c")]);
///
/// let mut hits: Vec<&str> = index.overlapping(at(8, 10)).map(|(_, name)| *name).collect();
/// hits.sort();
/// assert_eq!(hits, ["a", "c"]); // "b" only touches the query
/// assert!(!index.any_overlap(at(30, 40)));
/// assert_eq!(index.first_overlap(at(12, 13)).map(|(_, n)| *n), Some("c"));
/// ```
#[derive(Debug, Clone)]
pub struct OverlapIndex<T> {
    /// Payloads, sorted by the (start, end) of their interval; ties keep their input order.
    values: Vec<T>,
    /// `starts[i]` = start in seconds of the interval of `values[i]`; non-decreasing.
    starts: Vec<i64>,
    /// `ends[i]` = end in seconds of the interval of `values[i]`.
    ends: Vec<i64>,
    /// `max_end[i]` = greatest end among `items[..=i]`; non-decreasing.
    max_end: Vec<i64>,
    /// Tree nodes; the root is node 0 when the index is not empty.
    nodes: Vec<Node>,
    /// Every node's intervals sorted by start ascending, node after node.
    by_start: Vec<Entry>,
    /// Every node's intervals sorted by end descending, node after node.
    by_end: Vec<Entry>,
}

impl<T> OverlapIndex<T> {
    /// Builds the index in O(n log n) from items in any order.
    ///
    /// # Panics
    ///
    /// If there are `u32::MAX` items or more (positions are stored as `u32` to keep the tree
    /// compact).
    pub fn new(items: Vec<(Interval, T)>) -> Self {
        assert!(
            items.len() < NONE as usize,
            "an overlap index holds fewer than {NONE} items"
        );
        let mut items = items;
        items.sort_by_key(|(iv, _)| (iv.start(), iv.end()));
        let starts: Vec<i64> = items.iter().map(|(iv, _)| iv.start().secs()).collect();
        let ends: Vec<i64> = items.iter().map(|(iv, _)| iv.end().secs()).collect();
        let values: Vec<T> = items.into_iter().map(|(_, t)| t).collect();
        let max_end = ends
            .iter()
            .scan(i64::MIN, |max, &end| {
                *max = (*max).max(end);
                Some(*max)
            })
            .collect();

        let n = values.len();
        let mut nodes: Vec<Node> = Vec::new();
        let mut by_start: Vec<Entry> = Vec::with_capacity(n);
        let mut by_end: Vec<Entry> = Vec::with_capacity(n);

        // Work list of (positions sorted by start, parent node, is left child). Depth-first
        // order keeps a subtree's lists close together; the list holds O(log n) tasks.
        let mut work: Vec<(Vec<u32>, u32, bool)> = Vec::new();
        if n > 0 {
            // `n < u32::MAX` was asserted above, so the cast is lossless.
            work.push(((0..n as u32).collect(), NONE, false));
        }
        while let Some((ids, parent, is_left)) = work.pop() {
            let center = starts[ids[ids.len() / 2] as usize];
            let mut left = Vec::new();
            let mut right = Vec::new();
            let lo = by_start.len() as u32;
            for &i in &ids {
                let (start, end) = (starts[i as usize], ends[i as usize]);
                if end <= center {
                    left.push(i);
                } else if start > center {
                    right.push(i);
                } else {
                    by_start.push(Entry { key: start, idx: i });
                    by_end.push(Entry { key: end, idx: i });
                }
            }
            let hi = by_start.len() as u32;
            by_end[lo as usize..].sort_unstable_by_key(|e| std::cmp::Reverse(e.key));

            let id = nodes.len() as u32;
            nodes.push(Node {
                center,
                min_start: by_start[lo as usize].key,
                max_end: by_end[lo as usize].key,
                lo,
                hi,
                left: NONE,
                right: NONE,
            });
            if parent != NONE {
                let p = &mut nodes[parent as usize];
                if is_left {
                    p.left = id;
                } else {
                    p.right = id;
                }
            }
            if !right.is_empty() {
                work.push((right, id, false));
            }
            if !left.is_empty() {
                work.push((left, id, true));
            }
        }

        Self {
            values,
            starts,
            ends,
            max_end,
            nodes,
            by_start,
            by_end,
        }
    }

    /// The interval and payload at sorted position `i`.
    #[inline]
    fn item(&self, i: usize) -> (Interval, &T) {
        // Every stored pair came from a valid `Interval`, so `start < end` holds.
        (
            Interval::from_secs_unchecked(self.starts[i], self.ends[i]),
            &self.values[i],
        )
    }

    /// Number of stored intervals.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the index holds no interval.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every stored interval overlapping `query`, in no particular order, in O(log n + k).
    ///
    /// The iterator is lazy and allocates nothing; stopping early is cheap. It yields first
    /// the intervals containing `query.start()` (tree order), then those starting inside the
    /// query (by start). In `benches/benches/overlap.rs` (`overlap/query` against
    /// `overlap/visit`) it measures as fast as [`for_each_overlapping`](Self::for_each_overlapping),
    /// within noise, so it is the primary API; the visitor exists for callers that prefer one.
    pub fn overlapping(&self, query: Interval) -> Overlapping<'_, T> {
        let s = query.start().secs();
        let e = query.end().secs();
        let lo = self.starts.partition_point(|&x| x <= s);
        let hi = lo + self.starts[lo..].partition_point(|&x| x < e);
        Overlapping {
            index: self,
            point: s,
            node: if self.nodes.is_empty() { NONE } else { 0 },
            pos: 0,
            stop: 0,
            descending: false,
            run: lo..hi,
        }
    }

    /// Calls `visit` once for every stored interval overlapping `query`, in the same order as
    /// [`overlapping`](Self::overlapping); O(log n + k).
    pub fn for_each_overlapping<'a, F>(&'a self, query: Interval, mut visit: F)
    where
        F: FnMut(Interval, &'a T),
    {
        let s = query.start().secs();
        let e = query.end().secs();
        let mut node = if self.nodes.is_empty() { NONE } else { 0 };
        while node != NONE {
            let n = self.nodes[node as usize];
            let (lo, hi) = (n.lo as usize, n.hi as usize);
            if s < n.center {
                let hi = if n.min_start <= s { hi } else { lo };
                for entry in self.by_start[lo..hi].iter().take_while(|x| x.key <= s) {
                    let (iv, t) = self.item(entry.idx as usize);
                    visit(iv, t);
                }
                node = n.left;
            } else {
                let hi = if n.max_end > s { hi } else { lo };
                for entry in self.by_end[lo..hi].iter().take_while(|x| x.key > s) {
                    let (iv, t) = self.item(entry.idx as usize);
                    visit(iv, t);
                }
                node = if s > n.center { n.right } else { NONE };
            }
        }
        let lo = self.starts.partition_point(|&x| x <= s);
        let hi = lo + self.starts[lo..].partition_point(|&x| x < e);
        for i in lo..hi {
            let (iv, t) = self.item(i);
            visit(iv, t);
        }
    }

    /// Whether any stored interval overlaps `query`; O(log n) whatever the number of overlaps.
    pub fn any_overlap(&self, query: Interval) -> bool {
        // Items starting before the query's end form a prefix; one of them overlaps iff the
        // greatest end in that prefix is after the query's start.
        let p = self.starts.partition_point(|&x| x < query.end().secs());
        p > 0 && self.max_end[p - 1] > query.start().secs()
    }

    /// The stored interval overlapping `query` that starts first (ties: the shorter one, then
    /// input order), or `None`; O(log n).
    pub fn first_overlap(&self, query: Interval) -> Option<(Interval, &T)> {
        let p = self.starts.partition_point(|&x| x < query.end().secs());
        // `max_end` is non-decreasing; the first position where it exceeds the query's start
        // is the first item (in start order) ending after that start, since the maximum only
        // grows when the item at that position sets it.
        let i = self.max_end[..p].partition_point(|&m| m <= query.start().secs());
        (i < p).then(|| self.item(i))
    }
}

impl<T> FromIterator<(Interval, T)> for OverlapIndex<T> {
    fn from_iter<I: IntoIterator<Item = (Interval, T)>>(iter: I) -> Self {
        Self::new(iter.into_iter().collect())
    }
}

/// Iterator over the intervals of an [`OverlapIndex`] overlapping a query, returned by
/// [`OverlapIndex::overlapping`].
#[derive(Debug, Clone)]
pub struct Overlapping<'a, T> {
    index: &'a OverlapIndex<T>,
    /// The query's start: the stabbing point of the tree walk.
    point: i64,
    /// Next tree node to visit, or [`NONE`] once the walk is done.
    node: u32,
    /// Position in the current node list, and its end.
    pos: usize,
    stop: usize,
    /// Whether the current list is `by_end` (else `by_start`).
    descending: bool,
    /// Positions of the items starting strictly inside the query, yielded after the tree.
    run: std::ops::Range<usize>,
}

impl<'a, T> Iterator for Overlapping<'a, T> {
    type Item = (Interval, &'a T);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let index = self.index;
        loop {
            if self.pos < self.stop {
                let (entry, hit) = if self.descending {
                    let entry = index.by_end[self.pos];
                    (entry, entry.key > self.point)
                } else {
                    let entry = index.by_start[self.pos];
                    (entry, entry.key <= self.point)
                };
                if hit {
                    self.pos += 1;
                    return Some(index.item(entry.idx as usize));
                }
                self.pos = self.stop;
            }
            if self.node == NONE {
                break;
            }
            let n = index.nodes[self.node as usize];
            self.pos = n.lo as usize;
            self.stop = n.hi as usize;
            if self.point < n.center {
                if n.min_start > self.point {
                    self.stop = self.pos;
                }
                self.descending = false;
                self.node = n.left;
            } else {
                if n.max_end <= self.point {
                    self.stop = self.pos;
                }
                self.descending = true;
                self.node = if self.point > n.center { n.right } else { NONE };
            }
        }
        self.run.next().map(|i| index.item(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.run.len(), Some(self.index.len()))
    }
}

/// Positions `(i, j)` with `i < j` of two overlapping intervals of `intervals`, or `None` when
/// they are pairwise disjoint (touching counts as disjoint); O(n log n).
///
/// Used to check that availability windows created together never overlap each other (AV-4).
/// The intervals are sorted by start and swept once, remembering the one that ends last so
/// far: the first interval starting before that end overlaps it. If no such interval exists,
/// each interval starts at or after the end of all earlier ones, so none overlap. Which pair
/// is reported when there are several is deterministic but otherwise unspecified.
///
/// ```
/// use rdv_core::{Interval, Timestamp, overlap::find_overlapping_pair};
///
/// let at = |a: i64, b: i64| Interval::new(Timestamp::from_secs(a), Timestamp::from_secs(b)).unwrap();
/// assert_eq!(find_overlapping_pair(&[at(0, 10), at(10, 20)]), None);
/// assert_eq!(find_overlapping_pair(&[at(20, 30), at(0, 10), at(5, 21)]), Some((1, 2)));
/// ```
pub fn find_overlapping_pair(intervals: &[Interval]) -> Option<(usize, usize)> {
    let mut order: Vec<usize> = (0..intervals.len()).collect();
    order.sort_unstable_by_key(|&i| (intervals[i].start(), i));
    let mut iter = order.into_iter();
    let mut last = iter.next()?;
    for i in iter {
        if intervals[i].start() < intervals[last].end() {
            return Some((last.min(i), last.max(i)));
        }
        if intervals[i].end() > intervals[last].end() {
            last = i;
        }
    }
    None
}

/// Positions of the intervals of `items` overlapping `query`, ascending; O(n).
///
/// The obviously correct reference that [`OverlapIndex`] is tested against; also the right
/// choice for a handful of intervals, where building an index costs more than it saves.
pub fn overlaps_naive(items: &[Interval], query: Interval) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, iv)| iv.overlaps(&query))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iv(start: i64, end: i64) -> Interval {
        Interval::from_secs_unchecked(start, end)
    }

    fn index_of(intervals: &[Interval]) -> OverlapIndex<usize> {
        intervals.iter().copied().zip(0..).collect()
    }

    /// Positions found by every query path of the index, sorted, checked for consistency.
    fn query(index: &OverlapIndex<usize>, q: Interval) -> Vec<usize> {
        let mut by_iter: Vec<usize> = index.overlapping(q).map(|(_, &i)| i).collect();
        let mut by_visit = Vec::new();
        index.for_each_overlapping(q, |_, &i| by_visit.push(i));
        assert_eq!(by_iter, by_visit, "iterator and visitor disagree for {q:?}");
        assert!(index.overlapping(q).all(|(found, _)| found.overlaps(&q)));
        by_iter.sort_unstable();
        assert_eq!(index.any_overlap(q), !by_iter.is_empty());
        match index.first_overlap(q) {
            None => assert!(by_iter.is_empty()),
            Some((found, &i)) => {
                assert!(found.overlaps(&q) && by_iter.contains(&i));
                let earliest = index.overlapping(q).map(|(x, _)| x.start()).min();
                assert_eq!(Some(found.start()), earliest);
            }
        }
        by_iter
    }

    #[test]
    fn touching_intervals_do_not_overlap() {
        let items = [iv(0, 10), iv(20, 30)];
        let index = index_of(&items);
        assert_eq!(query(&index, iv(10, 20)), Vec::<usize>::new());
        assert_eq!(query(&index, iv(9, 20)), [0]);
        assert_eq!(query(&index, iv(10, 21)), [1]);
        assert_eq!(find_overlapping_pair(&[iv(0, 10), iv(10, 20)]), None);
    }

    #[test]
    fn identical_intervals_all_overlap() {
        let items = [iv(5, 15), iv(5, 15), iv(5, 15)];
        let index = index_of(&items);
        assert_eq!(query(&index, iv(5, 15)), [0, 1, 2]);
        assert_eq!(query(&index, iv(14, 100)), [0, 1, 2]);
        assert_eq!(find_overlapping_pair(&items), Some((0, 1)));
    }

    #[test]
    fn nested_intervals_are_found_from_inside_and_outside() {
        let items = [iv(0, 100), iv(10, 90), iv(40, 60), iv(49, 50)];
        let index = index_of(&items);
        assert_eq!(query(&index, iv(49, 50)), [0, 1, 2, 3]);
        assert_eq!(query(&index, iv(5, 8)), [0]);
        assert_eq!(query(&index, iv(50, 55)), [0, 1, 2]);
        assert_eq!(query(&index, iv(-5, 200)), [0, 1, 2, 3]);
        assert_eq!(find_overlapping_pair(&items), Some((0, 1)));
    }

    #[test]
    fn empty_index_finds_nothing() {
        let index: OverlapIndex<()> = OverlapIndex::new(Vec::new());
        assert!(index.is_empty());
        assert_eq!(index.len(), 0);
        assert_eq!(index.overlapping(iv(0, 10)).count(), 0);
        assert!(!index.any_overlap(iv(i64::MIN, i64::MAX)));
        assert!(index.first_overlap(iv(0, 10)).is_none());
        assert_eq!(find_overlapping_pair(&[]), None);
        assert_eq!(find_overlapping_pair(&[iv(0, 1)]), None);
    }

    #[test]
    fn query_containing_everything_returns_everything() {
        let items: Vec<Interval> = (0..50).map(|i| iv(i * 7, i * 7 + 1 + i % 13)).collect();
        let index = index_of(&items);
        assert_eq!(index.len(), 50);
        let all: Vec<usize> = (0..50).collect();
        assert_eq!(query(&index, iv(-1000, 1000)), all);
        assert_eq!(query(&index, iv(i64::MIN, i64::MAX)), all);
    }

    #[test]
    fn one_second_intervals_behave_like_points() {
        let items: Vec<Interval> = (0..20).map(|i| iv(i, i + 1)).collect();
        let index = index_of(&items);
        for i in 0..20 {
            assert_eq!(query(&index, iv(i, i + 1)), [i as usize]);
        }
        assert_eq!(query(&index, iv(3, 6)), [3, 4, 5]);
        assert_eq!(query(&index, iv(20, 21)), Vec::<usize>::new());
        assert_eq!(find_overlapping_pair(&items), None);
    }

    #[test]
    fn duplicates_are_each_reported() {
        let items = [iv(0, 10), iv(30, 40), iv(0, 10), iv(30, 40), iv(0, 10)];
        let index = index_of(&items);
        assert_eq!(query(&index, iv(5, 6)), [0, 2, 4]);
        assert_eq!(query(&index, iv(5, 35)), [0, 1, 2, 3, 4]);
        assert_eq!(find_overlapping_pair(&items), Some((0, 2)));
    }

    #[test]
    fn first_overlap_is_the_earliest_start() {
        let items = [iv(50, 60), iv(0, 100), iv(20, 30)];
        let index = index_of(&items);
        assert_eq!(index.first_overlap(iv(25, 55)).map(|(_, &i)| i), Some(1));
        assert_eq!(index.first_overlap(iv(100, 101)).map(|(_, &i)| i), None);
    }

    #[test]
    fn tree_depth_stays_logarithmic() {
        // Sorted, disjoint, nested and identical inputs all keep the depth at most ⌊log₂ n⌋ + 1.
        let n: i64 = 4096;
        let shapes: [Vec<Interval>; 3] = [
            (0..n).map(|i| iv(i * 10, i * 10 + 5)).collect(),
            (0..n).map(|i| iv(i, 2 * n - i)).collect(),
            (0..n).map(|_| iv(0, 1)).collect(),
        ];
        for items in shapes {
            let index = index_of(&items);
            let mut deepest = 0;
            let mut stack = vec![(0u32, 1u32)];
            while let Some((node, depth)) = stack.pop() {
                deepest = deepest.max(depth);
                let n = index.nodes[node as usize];
                for child in [n.left, n.right] {
                    if child != NONE {
                        stack.push((child, depth + 1));
                    }
                }
            }
            assert!(deepest <= 13, "depth {deepest}");
        }
    }

    fn intervals(
        max_start: i64,
        max_len: i64,
        max_count: usize,
    ) -> impl Strategy<Value = Vec<Interval>> {
        prop::collection::vec((0..max_start, 1..=max_len), 0..=max_count)
            .prop_map(|v| v.into_iter().map(|(s, l)| iv(s, s + l)).collect())
    }

    fn one_interval(max_start: i64, max_len: i64) -> impl Strategy<Value = Interval> {
        (-max_len..max_start + max_len, 1..=2 * max_len).prop_map(|(s, l)| iv(s, s + l))
    }

    fn pair_exists(items: &[Interval]) -> bool {
        (0..items.len()).any(|i| (i + 1..items.len()).any(|j| items[i].overlaps(&items[j])))
    }

    proptest! {
        #[test]
        fn index_agrees_with_naive_on_dense_sets(
            items in intervals(60, 12, 300),
            queries in prop::collection::vec(one_interval(60, 12), 1..20),
        ) {
            let index = index_of(&items);
            for q in queries {
                prop_assert_eq!(query(&index, q), overlaps_naive(&items, q));
            }
        }

        #[test]
        fn index_agrees_with_naive_on_wide_spreads(
            items in intervals(1_000_000, 20_000, 300),
            queries in prop::collection::vec(one_interval(1_000_000, 20_000), 1..20),
        ) {
            let index = index_of(&items);
            for q in queries {
                prop_assert_eq!(query(&index, q), overlaps_naive(&items, q));
            }
        }

        #[test]
        fn overlapping_pair_is_found_iff_one_exists(items in intervals(400, 10, 40)) {
            match find_overlapping_pair(&items) {
                Some((i, j)) => {
                    prop_assert!(i < j);
                    prop_assert!(items[i].overlaps(&items[j]));
                }
                None => prop_assert!(!pair_exists(&items)),
            }
        }

        #[test]
        fn overlapping_pair_on_dense_batches(items in intervals(30, 5, 12)) {
            match find_overlapping_pair(&items) {
                Some((i, j)) => prop_assert!(i < j && items[i].overlaps(&items[j])),
                None => prop_assert!(!pair_exists(&items)),
            }
        }
    }
}
