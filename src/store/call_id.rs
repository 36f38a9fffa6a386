//! Call ids: how a new call is named.

/// A new call's id: a UUID whose leading bits are the time it is made (version 7, RFC 9562).
/// Call rows and their timeline lines are indexed by it; with random ids (version 4) every call
/// wrote into a random page of each of those indexes, and SQLite's log carries every page a
/// commit touches, so at 1,000 calls a second random ids were a large share of the log's
/// ~10,000 pages a second (docs/benchmarks.md). Time-ordered ids append next to each other. The
/// 74 random bits still make an id unguessable; the time in it is the call's start, which the
/// row shows anyway.
pub fn new_call_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids sort in the order they are made (so rows and timeline lines append to their indexes),
    /// are distinct, and stay UUIDs, which the API checks call ids against.
    #[test]
    fn call_ids_are_uuids_in_the_order_they_are_made() {
        let ids: Vec<String> = (0..2_000).map(|_| new_call_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ids, "made in order, none twice");
        for id in &ids {
            let parsed = uuid::Uuid::parse_str(id).expect("a UUID");
            assert_eq!(parsed.get_version_num(), 7);
        }
    }
}
