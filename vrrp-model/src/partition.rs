//! Set partitions of the routers: who can hear whom.
//!
//! VRRP runs on one broadcast domain, so connectivity is modelled as a set
//! partition (an equivalence relation) rather than as independent links: a
//! non-transitive topology (A hears B, B hears C, A does not hear C) is not a
//! LAN, and VRRP promises nothing there.

/// A partition of `n` routers as a restricted growth string: `group[i]` is
/// router `i`'s group, `group[0] == 0`, and each new group number is one more
/// than the largest before it. The canonical form makes equal partitions
/// equal values.
pub type Groups = Vec<u8>;

/// Every set partition of `n` routers, the whole LAN (all zeros) first.
pub fn all(n: usize) -> Vec<Groups> {
    let mut out = Vec::new();
    let mut current = Vec::with_capacity(n);
    extend(n, &mut current, &mut out);
    out
}

fn extend(n: usize, current: &mut Groups, out: &mut Vec<Groups>) {
    if current.len() == n {
        out.push(current.clone());
        return;
    }
    let next_new = current.iter().max().map_or(0, |m| m + 1);
    for g in 0..=next_new {
        current.push(g);
        extend(n, current, out);
        current.pop();
    }
}

/// Renders a partition as `{0,1}{2}`.
pub fn show(groups: &[u8]) -> String {
    let count = groups.iter().max().map_or(0, |m| m + 1);
    (0..count)
        .map(|g| {
            let members: Vec<String> = (0..groups.len())
                .filter(|&i| groups[i] == g)
                .map(|i| i.to_string())
                .collect();
            format!("{{{}}}", members.join(","))
        })
        .collect()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn bell_numbers() {
        assert_eq!(all(1).len(), 1);
        assert_eq!(all(2).len(), 2);
        assert_eq!(all(3).len(), 5);
        assert_eq!(all(4).len(), 15);
        assert_eq!(all(3)[0], vec![0, 0, 0]);
    }

    #[test]
    fn shows_groups() {
        assert_eq!(show(&[0, 0, 1]), "{0,1}{2}");
        assert_eq!(show(&[0, 1, 0]), "{0,2}{1}");
    }
}
